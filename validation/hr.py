"""Domain rules of the HR entities: employees, org units, jobs, grades and payroll lines."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberError

from consolidation.core.money import ZERO
from consolidation.core.types import SOURCE_KEY
from validation.columns import among, amounts, matches, passing, present, text
from validation.context import ValidationContext
from validation.field_rules import decimals_rules, mojibake_rules
from validation.messages import as_text, issue_rows
from validation.rules import Rule, Severity, entity_rule, rule
from validation.suites import NINE_DIGITS

ONE = Decimal(1)
_BAHRAIN_IBAN = re.compile(r"^BH[0-9]{2}[A-Z]{4}[A-Za-z0-9]{14}$")
_MALFORMED = (
    "is malformed: after BH and 2 check digits come a 4-letter bank code and 14 letters or digits"
)


def known(frame: pd.DataFrame, field: str, codes: set[str] | None) -> pd.Series:
    """Where ``field`` is missing or one of ``codes``; everything passes if ``codes`` is
    None or empty (the context does not know them)."""
    if not codes:
        return passing(frame, np.ones(len(frame), dtype=bool))
    return passing(frame, ~present(frame, field) | among(frame[field], codes))


def iban_problem(value: str) -> str | None:
    """Why ``value`` is not a valid Bahraini IBAN, in a steward's words; None if it is one."""
    compact = stdnum_iban.compact(value)
    if not (compact.isascii() and compact.isalnum()):
        return "contains characters other than letters and digits"
    if not compact.startswith("BH"):
        return f"is not Bahraini (it starts with '{compact[:2]}', not 'BH')"
    if len(compact) != 22:
        return f"has {len(compact)} characters; a Bahraini IBAN has 22"
    try:
        stdnum_iban.validate(compact)
    except InvalidChecksum:
        if _BAHRAIN_IBAN.match(compact):
            return "fails the ISO 13616 mod-97 check (a digit is wrong or two are swapped)"
        return _MALFORMED
    except NumberError:
        return _MALFORMED
    return None


def valid_ibans(frame: pd.DataFrame, field: str) -> npt.NDArray[np.bool_]:
    """Each distinct IBAN checked once: one already in compact Bahraini shape (nearly all) by
    its mod-97 alone, any other through ``iban_problem`` (``stdnum.iban``) for its
    normalization and the steward's message."""
    codes, uniques = pd.factorize(text(frame, field))
    distinct = pd.Series(uniques, dtype="str")
    shaped = matches(distinct, _BAHRAIN_IBAN.pattern)
    ok = np.ones(len(distinct) + 1, dtype=bool)
    values = distinct.tolist()
    for i in range(len(values)):
        ok[i] = _mod97(values[i]) if shaped[i] else iban_problem(values[i]) is None
    return ok[codes]


def _mod97(compact: str) -> bool:
    """ISO 13616 mod-97 of an IBAN already in compact Bahraini shape (what ``stdnum.iban``
    computes after its normalization, at a fifth of the cost: salary IBANs are all distinct)."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _birth_yymm(birth: pd.Series) -> npt.NDArray[np.int64]:
    filled = birth.fillna(pd.Timestamp(0))
    return np.asarray((filled.dt.year % 100) * 100 + filled.dt.month, dtype=np.int64)


def _cpr_messages(rows: pd.DataFrame, context: ValidationContext) -> list[str]:
    births = as_text(rows["birth_date"])
    return [
        f"national id '{cpr}' starts with {cpr[:4]}, but the birth date {birth} "
        f"gives {yymm:04d} (YYMM)"
        for cpr, birth, yymm in zip(
            rows["national_id"].tolist(), births, _birth_yymm(rows["birth_date"]), strict=True
        )
    ]


@rule(
    "employee.national_id.matches_birth_date",
    severity=Severity.WARNING,
    field="national_id",
    message=_cpr_messages,
)
def national_id_matches_birth_date(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A CPR number's first four digits are the holder's year and month of birth (YYMM). Some
    older CPRs do not follow this, so a mismatch is flagged for review, not blocked."""
    ids = text(frame, "national_id")
    checked = matches(ids, NINE_DIGITS) & present(frame, "birth_date")
    ok = np.ones(len(frame), dtype=bool)
    if checked.any():
        prefix = ids[checked].str.slice(0, 4).astype("int64").to_numpy()
        ok[checked] = prefix == _birth_yymm(frame["birth_date"])[checked]
    return passing(frame, ok)


def _iban_messages(rows: pd.DataFrame, context: ValidationContext) -> list[str]:
    return [f"IBAN '{value}' {iban_problem(value)}" for value in rows["iban"].tolist()]


@rule("employee.iban.valid", severity=Severity.ERROR, field="iban", message=_iban_messages)
def iban_is_valid(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A salary IBAN is Bahraini (BH), 22 characters, and passes the ISO 13616 mod-97 check;
    salaries are paid into Bahraini accounts only. Spaces between groups are allowed."""
    return passing(frame, valid_ibans(frame, "iban"))


def _parts(dates: pd.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    filled = dates.fillna(pd.Timestamp(0))
    year = np.asarray(filled.dt.year, dtype=np.int64)
    month_day = np.asarray(filled.dt.month * 100 + filled.dt.day, dtype=np.int64)
    return year, month_day


@rule(
    "employee.hire_date.min_age",
    severity=Severity.ERROR,
    field="hire_date",
    message="hire date {value} is before the employee turned {ctx.min_age_at_hire} "
    "(birth date {birth_date})",
)
def hired_of_age(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An employee is at least the minimum working age (18 unless configured) on the hire date;
    a younger age means the birth or hire date is wrong."""
    both = present(frame, "birth_date") & present(frame, "hire_date")
    birth_year, birth_day = _parts(frame["birth_date"])
    hire_year, hire_day = _parts(frame["hire_date"])
    age = hire_year - birth_year - (hire_day < birth_day)
    return passing(frame, ~both | (age >= context.min_age_at_hire))


@rule(
    "employee.end_date.after_hire_date",
    severity=Severity.ERROR,
    field="end_date",
    message="end date {value} is before the hire date {hire_date}",
)
def ends_after_hire(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An employment does not end before it starts."""
    both = present(frame, "end_date") & present(frame, "hire_date")
    ends = frame["end_date"].to_numpy(dtype="datetime64[ns]")
    starts = frame["hire_date"].to_numpy(dtype="datetime64[ns]")
    return passing(frame, ~both | (ends >= starts))


@rule(
    "employee.base_salary.positive",
    severity=Severity.ERROR,
    field="base_salary",
    message="base salary {value} is not positive",
)
def salary_positive(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A base salary is more than zero."""
    return passing(frame, amounts(frame, "base_salary", missing=ONE) > 0)


def _bands(
    frame: pd.DataFrame, context: ValidationContext
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Each row's band minimum and maximum, and whether its grade has a known band."""
    codes, grades = pd.factorize(frame["grade_code"])
    bands = [context.grade_bands.get(str(g)) for g in grades] + [None]
    has_band = np.array([b is not None for b in bands], dtype=bool)[codes]
    lows = np.array([b[0] if b else ZERO for b in bands], dtype=object)[codes]
    highs = np.array([b[1] if b else ZERO for b in bands], dtype=object)[codes]
    return lows, highs, has_band


def _band_messages(rows: pd.DataFrame, context: ValidationContext) -> list[str]:
    lows, highs, _ = _bands(rows, context)
    return [
        f"base salary {salary} is outside grade {grade}'s band {low} to {high}"
        for salary, grade, low, high in zip(
            rows["base_salary"].tolist(), rows["grade_code"].tolist(), lows, highs, strict=True
        )
    ]


@rule(
    "employee.base_salary.within_grade_band",
    severity=Severity.WARNING,
    field="base_salary",
    message=_band_messages,
)
def salary_within_band(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A base salary lies within its grade's band (minimum and maximum inclusive). Personal
    exceptions exist, so it is flagged for review; an unknown grade or a salary that is not
    positive is another rule's business."""
    if not context.grade_bands:
        return passing(frame, np.ones(len(frame), dtype=bool))
    lows, highs, has_band = _bands(frame, context)
    checked = has_band & (amounts(frame, "base_salary", missing=ZERO) > 0)
    ok = np.ones(len(frame), dtype=bool)
    if checked.any():
        salary = frame["base_salary"].to_numpy(dtype=object)[checked]
        ok[checked] = (salary >= lows[checked]) & (salary <= highs[checked])
    return passing(frame, ok)


@rule(
    "employee.org_unit_code.exists",
    severity=Severity.ERROR,
    field="org_unit_code",
    message="org unit '{value}' does not exist in this source",
)
def employee_org_unit_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An employee's org unit is one of the source's org units."""
    return known(frame, "org_unit_code", context.org_units)


@rule(
    "employee.job_code.exists",
    severity=Severity.ERROR,
    field="job_code",
    message="job '{value}' does not exist in this source",
)
def employee_job_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An employee's job is one of the source's jobs."""
    return known(frame, "job_code", context.jobs)


@rule(
    "employee.grade_code.exists",
    severity=Severity.ERROR,
    field="grade_code",
    message="grade '{value}' does not exist in this source",
)
def employee_grade_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An employee's grade, when given, is one of the source's grades."""
    return known(frame, "grade_code", set(context.grade_bands))


decimals_rules("employee")
mojibake_rules("employee", ["name_ar", "name_en"], Severity.ERROR)


class OrgUnitParents:
    """Every org unit code and every (record, parent) pair seen, to check parents at the end:
    a parent may come in a later chunk than its children."""

    def __init__(self, rule: Rule, context: ValidationContext) -> None:
        self.rule = rule
        self.context = context
        self._codes: set[str] = set()
        self._children: list[pd.DataFrame] = []

    def add(self, frame: pd.DataFrame) -> None:
        self._codes.update(str(c) for c in frame["code"].dropna().unique())
        has_parent = present(frame, "parent_code")
        self._children.append(
            pd.DataFrame(
                {
                    "source": frame[SOURCE_KEY].to_numpy(dtype=object)[has_parent],
                    "parent": frame["parent_code"].to_numpy(dtype=object)[has_parent],
                }
            )
        )

    def issues(self) -> pd.DataFrame:
        children = pd.concat(self._children, ignore_index=True) if self._children else None
        if children is None or children.empty:
            return issue_rows(self.rule, [], [], [])
        orphans = children[~among(children["parent"], self._codes | self.context.org_units)]
        return issue_rows(
            self.rule,
            orphans["source"].tolist(),
            orphans["parent"].tolist(),
            [f"parent org unit '{p}' does not exist in this source" for p in orphans["parent"]],
        )


entity_rule(
    "org_unit.parent_code.exists",
    severity=Severity.ERROR,
    field="parent_code",
    doc="An org unit's parent, when given, is one of the source's org units (checked once all "
    "org units are read: a parent may arrive after its children).",
    tracker=OrgUnitParents,
)
mojibake_rules("org_unit", ["name_ar", "name_en"], Severity.ERROR)


@rule(
    "job.grade_code.exists",
    severity=Severity.ERROR,
    field="grade_code",
    message="grade '{value}' does not exist in this source",
)
def job_grade_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A job's grade, when given, is one of the source's grades."""
    return known(frame, "grade_code", set(context.grade_bands))


mojibake_rules("job", ["title_ar", "title_en"], Severity.ERROR)


@rule(
    "grade.min_salary.positive",
    severity=Severity.ERROR,
    field="min_salary",
    message="minimum salary {value} is not positive",
)
def grade_minimum_positive(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A grade's minimum salary is more than zero."""
    return passing(frame, amounts(frame, "min_salary", missing=ONE) > 0)


@rule(
    "grade.max_salary.not_below_min",
    severity=Severity.ERROR,
    field="max_salary",
    message="maximum salary {value} is below the minimum salary {min_salary}",
)
def grade_band_ordered(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A grade's maximum salary is not below its minimum."""
    both = present(frame, "min_salary") & present(frame, "max_salary")
    highs = amounts(frame, "max_salary", missing=ZERO)
    lows = amounts(frame, "min_salary", missing=ZERO)
    return passing(frame, ~both | (highs >= lows))


decimals_rules("grade")
mojibake_rules("grade", ["name"], Severity.ERROR)


@rule(
    "payroll_line.employee_no.exists",
    severity=Severity.ERROR,
    field="employee_no",
    message="employee '{value}' does not exist in this source",
)
def payroll_employee_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A payroll line belongs to one of the source's employees."""
    return known(frame, "employee_no", context.employees)


decimals_rules("payroll_line")

__all__ = ["OrgUnitParents", "iban_problem", "known", "valid_ibans"]
