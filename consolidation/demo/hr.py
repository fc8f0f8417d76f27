"""The three HR ministries: who is employed where (the plan), and each one's records in its format.

The plan is drawn once for all three sources, so a person employed by two ministries is the same
person in both, and generating one source alone gives the same rows as generating all of them.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

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
    mojibake,
    not_numeric_amount,
)
from consolidation.demo.identity import (
    corrupt_iban,
    make_cpr,
    make_iban,
    make_mobile,
    mismatched_cpr,
)
from consolidation.demo.names import PersonName, Spelling, ascii_slug, random_name, spell
from consolidation.demo.orgs import MOE, MOH, MYS, Job, Organisation
from consolidation.demo.seeding import stream

HR_SOURCES = ("moh_hr", "moe_hr", "mys_hr")
ORGANISATIONS = {"moh_hr": MOH, "moe_hr": MOE, "mys_hr": MYS}
KEY_COLUMNS = {"moh_hr": "EMP_NO", "moe_hr": "staff_id", "mys_hr": "emp_code"}

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

FAULT_FIELDS: dict[str, dict[str, str | None]] = {
    "moh_hr": {
        BAD_IBAN_CHECKSUM: "IBAN_NO",
        MISSING_NATIONAL_ID: "CPR_NO",
        CPR_BIRTH_MISMATCH: "CPR_NO",
        HIRE_BEFORE_18: "JOIN_DT",
        FUTURE_DATE: "JOIN_DT",
        MOJIBAKE: "NM_AR",
        WITHIN_SOURCE_DUPLICATE: None,
    },
    "moe_hr": {
        BAD_IBAN_CHECKSUM: "bank_iban",
        MISSING_NATIONAL_ID: "national_no",
        CPR_BIRTH_MISMATCH: "national_no",
        HIRE_BEFORE_18: "appointment_date",
        FUTURE_DATE: "appointment_date",
        MOJIBAKE: "family_name_ar",
        AMOUNT_NOT_NUMERIC: "monthly_salary",
        WITHIN_SOURCE_DUPLICATE: None,
    },
    "mys_hr": {
        BAD_IBAN_CHECKSUM: "iban",
        MISSING_NATIONAL_ID: "cpr",
        CPR_BIRTH_MISMATCH: "cpr",
        HIRE_BEFORE_18: "hire_date",
        FUTURE_DATE: "hire_date",
        MOJIBAKE: "name_ar",
        WITHIN_SOURCE_DUPLICATE: None,
    },
}
"""The column that carries each fault (None: the whole record is the fault)."""

_NATIONALITIES = ("BH",) * 88 + ("SA",) * 3 + ("EG",) * 4 + ("JO",) * 3 + ("SY",) * 2
_COUNTRY_AR = {"BH": "البحرين", "SA": "السعودية", "EG": "مصر", "JO": "الأردن", "SY": "سوريا"}
_DEMONYM_EN = {
    "BH": "Bahraini",
    "SA": "Saudi",
    "EG": "Egyptian",
    "JO": "Jordanian",
    "SY": "Syrian",
}
_ARABIC_INDIC = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")
_PAY_NAMES = {
    "moh_hr": {
        "BASIC": "BASIC",
        "HOUSING": "HOUSING",
        "TRANSPORT": "TRANSPORT",
        "SOCIAL": "SOCIAL",
        "EXTRA": "SHIFT",
    },
    "moe_hr": {
        "BASIC": "الراتب الأساسي",
        "HOUSING": "علاوة السكن",
        "TRANSPORT": "علاوة النقل",
        "SOCIAL": "العلاوة الاجتماعية",
        "EXTRA": "علاوة التدريس",
    },
}
_DOMAINS = {"moh_hr": "health.gov.bh", "moe_hr": "moe.gov.bh", "mys_hr": "youth.gov.bh"}


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


@dataclass(frozen=True)
class Employment:
    """One employee record, independent of the source's format."""

    key: str
    slot: Slot
    hire: date
    status: str
    unit: str
    job: Job
    grade: str
    salary_fils: int
    pay: tuple[tuple[str, int], ...]
    email: str
    modified: datetime
    arabic_digits: bool
    numeric_gender: bool
    salary_text: str | None = None


def employments(source: str, slots: list[Slot], *, seed: int, reference: date) -> list[Employment]:
    """Render a source's planned records: keys, jobs, grades, salaries, dates, pay."""
    rng = stream(seed, source, "records")
    org = ORGANISATIONS[source]
    keys = _keys(source, len(slots), rng)
    emails: set[str] = set()
    rendered: list[Employment] = []
    for index, slot in enumerate(slots):
        if slot.original is not None:
            rendered.append(replace(rendered[slot.original], key=keys[index], slot=slot))
            continue
        rendered.append(_employment(source, keys[index], slot, org, rng, reference, emails))
    return rendered


def _keys(source: str, count: int, rng: random.Random) -> list[str]:
    if source == "moh_hr":
        return [f"{n:06d}" for n in sorted(rng.sample(range(1_000, 99_999), count))]
    if source == "moe_hr":
        return [str(n) for n in sorted(rng.sample(range(100_000, 999_999), count))]
    return [f"Y{n:04d}" for n in sorted(rng.sample(range(1, 9_999), count))]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _hire_date(rng: random.Random, birth: date, reference: date, fault: str | None) -> date:
    if fault == HIRE_BEFORE_18:
        return birth + timedelta(days=rng.randint(15 * 366, 18 * 365 - 30))
    if fault == FUTURE_DATE:
        return reference + timedelta(days=rng.randint(1, 270))
    earliest = max(_add_years(birth, 21), date(1990, 1, 1))
    latest = reference - timedelta(days=45)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _employment(
    source: str,
    key: str,
    slot: Slot,
    org: Organisation,
    rng: random.Random,
    reference: date,
    emails: set[str],
) -> Employment:
    job = rng.choices(org.jobs, weights=[job.weight for job in org.jobs])[0]
    grade = job.grade if rng.random() < 0.75 else org.grade_above(job.grade)
    band = org.grade(grade)
    if rng.random() < 0.7:
        salary = rng.randrange(band.min_fils, band.max_fils + 1, 500)
    else:
        salary = rng.randint(band.min_fils, band.max_fils)
    hire = _hire_date(rng, slot.person.birth, reference, slot.fault)
    if hire > reference:
        status = "active"
    else:
        status = rng.choices(("active", "suspended", "terminated"), weights=(92, 3, 5))[0]
    start = (
        reference - timedelta(days=30)
        if hire > reference
        else max(hire, reference.replace(year=reference.year - 2))
    )
    span = max(1, (reference - start).days) * 86_400
    modified = datetime.combine(start, time()) + timedelta(seconds=rng.randrange(span))
    pay: tuple[tuple[str, int], ...] = ()
    if status != "terminated" and hire <= reference:
        parts = [("BASIC", salary), ("HOUSING", rng.randrange(150_000, 350_001, 5_000))]
        if rng.random() < 0.6:
            extra = rng.choice(("TRANSPORT", "SOCIAL", "EXTRA"))
            parts.append((extra, rng.randrange(40_000, 200_001, 5_000)))
        pay = tuple(parts)
    salary_text = _fils_text(salary)
    arabic_digits = source == "moe_hr" and rng.random() < 0.15
    if arabic_digits:
        salary_text = salary_text.translate(_ARABIC_INDIC)
    if slot.fault == AMOUNT_NOT_NUMERIC:
        salary_text = not_numeric_amount(rng, salary_text)
    return Employment(
        key=key,
        slot=slot,
        hire=hire,
        status=status,
        unit=rng.choice(org.staffed_units).code,
        job=job,
        grade=grade,
        salary_fils=salary,
        pay=pay,
        email=_email(source, slot.spelling, emails),
        modified=modified,
        arabic_digits=arabic_digits,
        numeric_gender=source == "moe_hr" and rng.random() < 0.1,
        salary_text=salary_text,
    )


def _email(source: str, spelling: Spelling, taken: set[str]) -> str:
    first, family = ascii_slug(spelling.en[0]), ascii_slug(spelling.en[3])
    local = f"{first}.{family}" if source != "moe_hr" else f"{first[0]}{family}"
    candidate, number = local, 1
    while candidate in taken:
        number += 1
        candidate = f"{local}{number}"
    taken.add(candidate)
    return f"{candidate}@{_DOMAINS[source]}"


def _fils_text(fils: int) -> str:
    return f"{fils // 1000}.{fils % 1000:03d}"


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _arabic_name(employment: Employment, text: str) -> str:
    return mojibake(text) if employment.slot.fault == MOJIBAKE else text


Row = dict[str, object]


def moh_rows(employments: list[Employment], reference: date) -> dict[str, list[Row]]:
    """MOH's legacy tables: terse upper-case columns, ISO dates, NUMERIC amounts."""
    period = f"{reference.year}{reference.month:02d}"
    employees: list[Row] = []
    pay: list[Row] = []
    for emp in employments:
        slot, person = emp.slot, emp.slot.person
        employees.append(
            {
                "EMP_NO": emp.key,
                "CPR_NO": slot.cpr,
                "NM_AR": _arabic_name(emp, slot.spelling.full_ar),
                "NM_EN": slot.spelling.full_en,
                "BRTH_DT": person.birth.isoformat(),
                "SEX": "M" if person.name.male else "F",
                "NAT_CD": person.nationality,
                "DEPT_CD": emp.unit,
                "JOB_CD": emp.job.code,
                "GRD_CD": emp.grade,
                "JOIN_DT": emp.hire.isoformat(),
                "STAT_CD": emp.status[0].upper(),
                "BASIC_SAL": _fils_text(emp.salary_fils),
                "IBAN_NO": slot.iban,
                "EMAIL_ADDR": emp.email,
                "MOB_NO": f"+973 {person.mobile}",
                "UPD_TS": _timestamp(emp.modified),
            }
        )
        names = _PAY_NAMES["moh_hr"]
        pay += [
            {"EMP_NO": emp.key, "PAY_PRD": period, "PAY_CMP": names[code], "AMT": _fils_text(fils)}
            for code, fils in emp.pay
        ]
    org = MOH
    return {
        "HR_DEPT": [
            {
                "DEPT_CD": unit.code,
                "DEPT_NM_AR": unit.name_ar,
                "DEPT_NM_EN": unit.name_en,
                "PRNT_DEPT_CD": unit.parent,
            }
            for unit in org.units
        ],
        "HR_JOB": [
            {
                "JOB_CD": job.code,
                "JOB_TTL_AR": job.title_ar,
                "JOB_TTL_EN": job.title_en,
                "GRD_CD": job.grade,
            }
            for job in org.jobs
        ],
        "HR_GRD": [
            {
                "GRD_CD": grade.code,
                "MIN_SAL": _fils_text(grade.min_fils),
                "MAX_SAL": _fils_text(grade.max_fils),
            }
            for grade in org.grades
        ],
        "HR_EMP": employees,
        "PAY_TRN": pay,
    }


def moe_rows(employments: list[Employment], reference: date) -> dict[str, list[Row]]:
    """MOE's tables: split Arabic names, dd/mm/yyyy text dates, amounts as text."""
    month = f"{reference.month:02d}/{reference.year}"
    staff: list[Row] = []
    payroll: list[Row] = []
    for emp in employments:
        slot, person = emp.slot, emp.slot.person
        ar, en = slot.spelling.ar, slot.spelling.en
        digits = _ARABIC_INDIC if emp.arabic_digits else None
        if emp.numeric_gender:
            gender = "1" if person.name.male else "2"
        else:
            gender = "ذكر" if person.name.male else "أنثى"
        staff.append(
            {
                "staff_id": emp.key,
                "national_no": slot.cpr.translate(digits) if slot.cpr and digits else slot.cpr,
                "first_name_ar": ar[0],
                "father_name_ar": ar[1],
                "grandfather_name_ar": ar[2],
                "family_name_ar": _arabic_name(emp, ar[3]),
                "first_name_en": en[0],
                "father_name_en": en[1],
                "family_name_en": en[3],
                "birth_date": person.birth.strftime("%d/%m/%Y"),
                "gender": gender,
                "nationality": _COUNTRY_AR[person.nationality],
                "school_code": emp.unit,
                "position_code": emp.job.code,
                "grade": emp.grade,
                "appointment_date": emp.hire.strftime("%d/%m/%Y"),
                "status": emp.status,
                "monthly_salary": emp.salary_text,
                "bank_iban": slot.iban,
                "email": emp.email,
                "mobile": person.mobile.translate(digits) if digits else person.mobile,
                "last_modified": _timestamp(emp.modified),
            }
        )
        names = _PAY_NAMES["moe_hr"]
        payroll += [
            {
                "staff_id": emp.key,
                "pay_month": month,
                "element": names[code],
                "value": _fils_text(fils),
            }
            for code, fils in emp.pay
        ]
    org = MOE
    return {
        "schools": [
            {
                "school_code": unit.code,
                "name_ar": unit.name_ar,
                "name_en": unit.name_en,
                "unit_type": unit.kind,
                "parent_code": unit.parent,
            }
            for unit in org.units
        ],
        "positions": [
            {
                "position_code": job.code,
                "title_ar": job.title_ar,
                "title_en": job.title_en,
                "grade": job.grade,
            }
            for job in org.jobs
        ],
        "salary_scale": [
            {
                "grade": grade.code,
                "min": _fils_text(grade.min_fils),
                "max": _fils_text(grade.max_fils),
            }
            for grade in org.grades
        ],
        "staff": staff,
        "payroll": payroll,
    }


MYS_EMPLOYEE_COLUMNS = (
    "emp_code",
    "cpr",
    "name_ar",
    "name_en",
    "birth_date",
    "gender",
    "nationality",
    "unit_code",
    "job_title",
    "hire_date",
    "salary",
    "iban",
    "email",
    "phone",
    "status",
)
MYS_UNIT_COLUMNS = ("unit_code", "name_ar", "name_en", "parent_code")


def mys_rows(employments: list[Employment]) -> dict[str, list[list[str]]]:
    """MYS's CSV exports: one full name per language, ISO dates, amounts as text."""
    employees = [
        [
            emp.key,
            emp.slot.cpr or "",
            _arabic_name(emp, emp.slot.spelling.full_ar),
            emp.slot.spelling.short_en,
            emp.slot.person.birth.isoformat(),
            "Male" if emp.slot.person.name.male else "Female",
            _DEMONYM_EN[emp.slot.person.nationality],
            emp.unit,
            emp.job.title_en,
            emp.hire.isoformat(),
            _fils_text(emp.salary_fils),
            emp.slot.iban,
            emp.email,
            emp.slot.person.mobile,
            emp.status.capitalize(),
        ]
        for emp in employments
    ]
    units = [[unit.code, unit.name_ar, unit.name_en, unit.parent or ""] for unit in MYS.units]
    return {"employee": employees, "org_unit": units}
