"""Employee records as drawn, before any source's format: keys, jobs, grades, salaries, dates,
pay, e-mail addresses."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from consolidation.demo.faults import (
    AMOUNT_NOT_NUMERIC,
    FUTURE_DATE,
    HIRE_BEFORE_18,
    not_numeric_amount,
)
from consolidation.demo.hr_plan import Slot
from consolidation.demo.names import Spelling, ascii_slug
from consolidation.demo.orgs import MOE, MOH, MYS, Job, Organisation
from consolidation.demo.seeding import stream

ORGANISATIONS = {"moh_hr": MOH, "moe_hr": MOE, "mys_hr": MYS}

ARABIC_INDIC = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")

_DOMAINS = {"moh_hr": "health.gov.bh", "moe_hr": "moe.gov.bh", "mys_hr": "youth.gov.bh"}


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
    salary_text = fils_text(salary)
    arabic_digits = source == "moe_hr" and rng.random() < 0.15
    if arabic_digits:
        salary_text = salary_text.translate(ARABIC_INDIC)
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


def fils_text(fils: int) -> str:
    """An amount in fils as dinars with three decimals."""
    return f"{fils // 1000}.{fils % 1000:03d}"
