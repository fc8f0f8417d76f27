"""Benchmark: cross-ministry person matching on synthetic records with a known truth.

    python -m bench.matching [--records 100000 ...] [--seed 7]

The generator below is the bench's own (it does not use ``consolidation.demo``): persons with
bilingual names in the spellings real ministry systems hold, spread over four ministries, with
~3% cross-ministry and ~1.5% within-ministry duplicates, missing and mismatched CPR numbers,
mojibake, typos, twins and CPR collisions. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from consolidation.demo.names import FAMILY, FEMALE, MALE, TATWEEL
from consolidation.matching import MatchConfig, match_persons, pairwise_quality

MINISTRIES = (
    ("moh", "moh_hr", 0.35),
    ("moe", "moe_hr", 0.35),
    ("mof", "mof_hr", 0.15),
    ("mow", "mow_hr", 0.15),
)


HARAKAT = ("\u064e", "\u064f", "\u0650", "\u0651", "\u0652")
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


@dataclass(frozen=True)
class Rates:
    """The share of persons or records given each variation."""

    cross_ministry: float = 0.03
    within_ministry: float = 0.015
    twins: float = 0.005
    missing_id: float = 0.01
    cpr_birth_mismatch: float = 0.015
    id_collision: float = 0.002
    mojibake: float = 0.015
    arabic_typo: float = 0.015
    latin_typo: float = 0.02
    no_latin: float = 0.02
    no_arabic: float = 0.005
    no_birth: float = 0.005
    birth_typo: float = 0.003
    no_gender: float = 0.02
    no_grandfather: float = 0.15
    tatweel: float = 0.05
    harakat: float = 0.03


@dataclass(frozen=True)
class _Person:
    key: int
    male: bool
    parts: tuple[int, int, int, int]
    birth: date
    cpr: str


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    """The usual spelling most of the time, else one of its variants."""
    return options[0] if len(options) == 1 or rng.random() < 0.55 else rng.choice(options[1:])


def _typo(rng: random.Random, word: str, letters: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _cpr(rng: random.Random, birth: date, taken: set[str]) -> str:
    while True:
        cpr = f"{birth.year % 100:02d}{birth.month:02d}{rng.randrange(100_000):05d}"
        if cpr not in taken:
            taken.add(cpr)
            return cpr


def _birth_typo(rng: random.Random, birth: date) -> date:
    if birth.day <= 12 and birth.day != birth.month and rng.random() < 0.5:
        return birth.replace(month=birth.day, day=birth.month)
    day = rng.choice([d for d in range(1, 29) if d != birth.day])
    return birth.replace(day=day)


def _spell(rng: random.Random, person: _Person, rates: Rates) -> tuple[str | None, str | None]:
    firsts = MALE if person.male else FEMALE
    forms = (
        firsts[person.parts[0]],
        MALE[person.parts[1]],
        MALE[person.parts[2]],
        FAMILY[person.parts[3]],
    )
    ar = [_pick(rng, f.ar) for f in forms]
    en = [_pick(rng, f.en) for f in forms]
    if rng.random() < rates.no_grandfather:
        ar = [ar[0], ar[1], ar[3]]
    if rng.random() < 0.6:
        en = [en[0], en[1], en[3]]
    if rng.random() < rates.tatweel:
        word = ar[0]
        i = rng.randrange(1, len(word))
        if word[i - 1] not in "اأإآدذرزوؤةى ":
            ar[0] = word[:i] + TATWEEL + word[i:]
    if rng.random() < rates.harakat:
        j = rng.randrange(len(ar))
        word = ar[j]
        i = rng.randrange(1, len(word) + 1)
        ar[j] = word[:i] + rng.choice(HARAKAT) + word[i:]
    if rng.random() < rates.arabic_typo:
        j = rng.randrange(len(ar))
        ar[j] = _typo(rng, ar[j], ARABIC_LETTERS)
    if rng.random() < rates.latin_typo:
        j = rng.randrange(len(en))
        en[j] = _typo(rng, en[j], "abdehiklmnorstuy")
    arabic: str | None = " ".join(ar)
    latin: str | None = " ".join(en)
    if rng.random() < rates.mojibake:
        arabic = " ".join(ar).encode("utf-8").decode("cp1256")
    if rng.random() < rates.no_arabic:
        arabic = None
    if rng.random() < rates.no_latin:
        latin = None
    return arabic, latin


def _draw_persons(rng: random.Random, count: float, rates: Rates, taken: set[str]) -> list[_Person]:
    """Persons with a name, a birth date and a CPR; some born with a twin."""
    persons: list[_Person] = []
    origin = date(1960, 1, 1)
    while len(persons) < count:
        male = rng.random() < 0.55
        firsts = MALE if male else FEMALE
        parts = (
            rng.randrange(len(firsts)),
            rng.randrange(len(MALE)),
            rng.randrange(len(MALE)),
            rng.randrange(len(FAMILY)),
        )
        born = origin + timedelta(days=rng.randrange(16_000))
        persons.append(_Person(len(persons), male, parts, born, _cpr(rng, born, taken)))
        if rng.random() < rates.twins:
            # Same parents and birthday, another first name: the classic false match.
            twin_male = rng.random() < 0.6 if male else rng.random() < 0.3
            twin_firsts = MALE if twin_male else FEMALE
            first = rng.choice([i for i in range(len(twin_firsts)) if i != parts[0]])
            twin = (first, parts[1], parts[2], parts[3])
            persons.append(_Person(len(persons), twin_male, twin, born, _cpr(rng, born, taken)))
    return persons


def _place(rng: random.Random, persons: list[_Person], rates: Rates) -> list[tuple[_Person, int]]:
    """Each person's employments: a home ministry, sometimes a second one, sometimes twice."""
    weights = [w for _, _, w in MINISTRIES]
    placements: list[tuple[_Person, int]] = []
    for person in persons:
        home = rng.choices(range(len(MINISTRIES)), weights)[0]
        placements.append((person, home))
        if rng.random() < rates.cross_ministry:
            others = [m for m in range(len(MINISTRIES)) if m != home]
            placements.append((person, rng.choice(others)))
        if rng.random() < rates.within_ministry:
            placements.append((person, home))
    rng.shuffle(placements)
    return placements


def _record_cpr(
    rng: random.Random, person: _Person, persons: list[_Person], rates: Rates, taken: set[str]
) -> str | None:
    """The CPR as one record holds it: missing, mismatched, someone else's, or right."""
    roll = rng.random()
    if roll < rates.missing_id:
        return None
    roll -= rates.missing_id
    if roll < rates.cpr_birth_mismatch:
        other = date(person.birth.year - rng.choice((0, 1, -1)), rng.randrange(1, 13), 1)
        if (other.year, other.month) == (person.birth.year, person.birth.month):
            other = other.replace(year=other.year + 1)
        return _cpr(rng, other, taken)
    roll -= rates.cpr_birth_mismatch
    if roll < rates.id_collision:
        return rng.choice(persons).cpr
    return person.cpr


def _record_birth(rng: random.Random, person: _Person, rates: Rates) -> date | None:
    roll = rng.random()
    if roll < rates.no_birth:
        return None
    if roll < rates.no_birth + rates.birth_typo:
        return _birth_typo(rng, person.birth)
    return person.birth


def generate_persons(
    records: int, *, seed: int = 7, rates: Rates | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """About ``records`` person records and their truth (record_id → true person)."""
    rates = rates or Rates()
    rng = random.Random(seed)
    taken: set[str] = set()
    per_person = 1 + rates.cross_ministry + rates.within_ministry + rates.twins
    persons = _draw_persons(rng, records / per_person, rates, taken)
    rows: list[dict[str, object]] = []
    numbers = [0] * len(MINISTRIES)
    start = datetime(2020, 1, 1)
    for person, ministry in _place(rng, persons, rates):
        numbers[ministry] += 1
        short, source, _ = MINISTRIES[ministry]
        name_ar, name_en = _spell(rng, person, rates)
        birth = _record_birth(rng, person, rates)
        gender = None if rng.random() < rates.no_gender else ("M" if person.male else "F")
        rows.append(
            {
                "record_id": f"{source}|{numbers[ministry]:06d}",
                "source": source,
                "ministry": short,
                "national_id": _record_cpr(rng, person, persons, rates, taken),
                "name_ar": name_ar,
                "name_en": name_en,
                "birth_date": pd.Timestamp(birth) if birth else pd.NaT,
                "gender": gender,
                "recency": pd.Timestamp(start + timedelta(minutes=rng.randrange(3_000_000))),
                "person": person.key,
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("record_id", "source", "ministry", "national_id", "name_ar", "name_en"):
        frame[column] = frame[column].astype(object)
    frame["gender"] = frame["gender"].astype(object)
    frame["birth_date"] = frame["birth_date"].astype("datetime64[ns]")
    frame["recency"] = frame["recency"].astype("datetime64[ns]")
    truth = frame.set_index("record_id")["person"]
    return frame.drop(columns="person"), truth


def run(records: int, seed: int, config: MatchConfig) -> dict[str, float]:
    frame, truth = generate_persons(records, seed=seed)
    started = time.perf_counter()
    result = match_persons(frame, config)
    seconds = time.perf_counter() - started
    quality = pairwise_quality(result.clusters, truth)
    return {
        "records": len(frame),
        "seconds": seconds,
        "precision": quality.precision,
        "recall": quality.recall,
        "pairs": quality.tp + quality.fn,
        "tp": quality.tp,
        "fp": quality.fp,
        "fn": quality.fn,
        "review": len(result.review),
        "conflicts": len(result.conflicts),
        "candidates": result.stats["candidate_pairs"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(
        "| records | seconds | precision | recall | true pairs | fp | fn | candidate pairs "
        "| review queue | conflicts |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for records in args.records:
        row = run(records, args.seed, MatchConfig())
        print(
            f"| {row['records']:,} | {row['seconds']:.1f} | {row['precision']:.4f} "
            f"| {row['recall']:.4f} | {row['pairs']:,} | {row['fp']:,} | {row['fn']:,} "
            f"| {row['candidates']:,} | {row['review']:,} | {row['conflicts']:,} |"
        )


if __name__ == "__main__":
    main()
