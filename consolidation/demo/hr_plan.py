"""The HR plan: who is employed where, drawn once for all three HR sources, so a person employed
by two ministries is the same person in both, and which records carry which fault."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from consolidation.demo.faults import (
    AMOUNT_NOT_NUMERIC,
    BAD_IBAN_CHECKSUM,
    CPR_BIRTH_MISMATCH,
    FUTURE_DATE,
    HIRE_BEFORE_18,
    MISSING_NATIONAL_ID,
    MOJIBAKE,
    WITHIN_SOURCE_DUPLICATE,
    FaultRates,
    fault_count,
)
from consolidation.demo.identity import (
    corrupt_iban,
    make_cpr,
    make_iban,
    make_mobile,
    mismatched_cpr,
)
from consolidation.demo.names import PersonName, Spelling, random_name, spell
from consolidation.demo.seeding import stream

HR_SOURCES = ("moh_hr", "moe_hr", "mys_hr")

_PERSON_FAULTS = (
    BAD_IBAN_CHECKSUM,
    MISSING_NATIONAL_ID,
    CPR_BIRTH_MISMATCH,
    HIRE_BEFORE_18,
    FUTURE_DATE,
    MOJIBAKE,
)


SOURCE_FAULTS: dict[str, tuple[str, ...]] = {
    "moh_hr": _PERSON_FAULTS,
    "moe_hr": (*_PERSON_FAULTS, AMOUNT_NOT_NUMERIC),
    "mys_hr": _PERSON_FAULTS,
}
"""The faults each HR source's employees may carry, besides ``within_source_duplicate``."""

_NATIONALITIES = ("BH",) * 88 + ("SA",) * 3 + ("EG",) * 4 + ("JO",) * 3 + ("SY",) * 2


@dataclass(frozen=True)
class Person:
    pid: str
    name: PersonName
    birth: date
    cpr: str
    nationality: str
    iban: str
    mobile: str


@dataclass
class Slot:
    """One employee record to write: whose it is, how it spells the name, and its fault if any.

    ``role`` is single, cross (the person is also employed by another ministry), original or
    copy (a within-source duplicate: ``original`` is the index of the record it repeats).
    """

    person: Person
    role: str
    spelling: Spelling
    iban: str
    cpr: str | None
    fault: str | None = None
    original: int | None = None
    group: int | None = None


@dataclass(frozen=True)
class HrPlan:
    slots: dict[str, list[Slot]]
    groups: list[list[tuple[str, int]]]
    """Cross-ministry duplicates: for each person, the (source, record index) of each record."""


def hr_sizes(employees: int) -> dict[str, int]:
    """Records per HR source: about 45% Health, 45% Education, 10% Youth Affairs."""
    moh = round(employees * 0.45)
    moe = round(employees * 0.45)
    return {"moh_hr": moh, "moe_hr": moe, "mys_hr": max(0, employees - moh - moe)}


class _People:
    def __init__(self, rng: random.Random, reference: date) -> None:
        self.rng = rng
        self.reference = reference
        self.count = 0
        self.cprs: set[str] = set()

    def new(self) -> Person:
        rng = self.rng
        self.count += 1
        male = rng.random() < 0.5
        birth = self.reference - timedelta(days=rng.randint(22 * 366, 60 * 365))
        return Person(
            pid=f"P{self.count:06d}",
            name=random_name(rng, male=male),
            birth=birth,
            cpr=make_cpr(rng, birth, self.cprs),
            nationality=rng.choice(_NATIONALITIES),
            iban=make_iban(rng),
            mobile=make_mobile(rng),
        )


def plan_hr(seed: int, employees: int, rates: FaultRates, reference: date) -> HrPlan:
    """Draw the persons, place them in the ministries and choose which records are faulty."""
    rng = stream(seed, "hr-plan")
    sizes = hr_sizes(employees)
    people = _People(rng, reference)
    members: dict[str, list[tuple[str, Person, int]]] = {source: [] for source in HR_SOURCES}

    pairs = (("moh_hr", "moe_hr"),) * 3 + (("moh_hr", "mys_hr"), ("moe_hr", "mys_hr"))
    group_count = 0
    for _ in range(fault_count(rates.cross_ministry, employees)):
        fitting = [
            pair
            for pair in pairs
            if all(len(members[source]) < sizes[source] // 5 for source in pair)
        ]
        if not fitting:
            break
        person = people.new()
        for source in rng.choice(fitting):
            members[source].append(("cross", person, group_count))
        group_count += 1

    for source in HR_SOURCES:
        free = sizes[source] - len(members[source])
        duplicates = min(fault_count(rates.within_source_duplicate, sizes[source]), free // 2)
        for number in range(duplicates):
            person = people.new()
            members[source] += [("dup", person, number), ("dup", person, number)]
        while len(members[source]) < sizes[source]:
            members[source].append(("single", people.new(), 0))
        rng.shuffle(members[source])

    slots: dict[str, list[Slot]] = {}
    groups: list[list[tuple[str, int]]] = [[] for _ in range(group_count)]
    first_spelling: dict[int, Spelling] = {}
    for source in HR_SOURCES:
        originals: dict[int, int] = {}
        placed: list[Slot] = []
        for index, (role, person, tag) in enumerate(members[source]):
            if role == "dup" and tag in originals:
                first = originals[tag]
                placed.append(
                    replace(
                        placed[first], role="copy", fault=WITHIN_SOURCE_DUPLICATE, original=first
                    )
                )
                continue
            if role == "cross":
                earlier = first_spelling.get(tag)
                spelling = spell(rng, person.name, unlike=earlier)
                iban = person.iban if earlier is None or rng.random() < 0.7 else make_iban(rng)
                first_spelling.setdefault(tag, spelling)
                groups[tag].append((source, index))
                placed.append(Slot(person, "cross", spelling, iban, person.cpr, group=tag))
                continue
            spelling = spell(rng, person.name)
            if role == "dup":
                originals[tag] = index
            placed.append(
                Slot(
                    person,
                    "original" if role == "dup" else "single",
                    spelling,
                    person.iban,
                    person.cpr,
                )
            )
        slots[source] = placed

    for source in HR_SOURCES:
        eligible = [i for i, slot in enumerate(slots[source]) if slot.role == "single"]
        wanted = [
            (fault, fault_count(getattr(rates, fault), sizes[source]))
            for fault in SOURCE_FAULTS[source]
        ]
        chosen = iter(rng.sample(eligible, min(len(eligible), sum(n for _, n in wanted))))
        for fault, count in wanted:
            for index in itertools.islice(chosen, count):
                _inject(slots[source][index], fault, rng, people.cprs)

    if groups:
        for number in rng.sample(range(len(groups)), max(1, len(groups) // 6)):
            source, index = rng.choice(groups[number])
            _inject(slots[source][index], MISSING_NATIONAL_ID, rng, people.cprs)
    return HrPlan(slots=slots, groups=groups)


def _inject(slot: Slot, fault: str, rng: random.Random, cprs: set[str]) -> None:
    """Mark a record faulty; identity faults are decided here, the rest when it is rendered."""
    slot.fault = fault
    if fault == MISSING_NATIONAL_ID:
        slot.cpr = None
    elif fault == CPR_BIRTH_MISMATCH:
        slot.cpr = mismatched_cpr(rng, slot.person.birth, cprs)
    elif fault == BAD_IBAN_CHECKSUM:
        slot.iban = corrupt_iban(rng, slot.iban)
