"""Column-shape checks: built-in great-expectations expectations, one suite per entity.

Every required field has a not-null expectation; formats are regexes, codes are value sets and
dates are ranges. Each expectation is a registered rule (``@expectation``) whose id maps GE's
failing rows back to issues; ``validation.gx_suite`` runs them. great-expectations is imported
only when an expectation is first built.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from consolidation.core.unified import ENTITIES
from validation.context import ValidationContext
from validation.messages import a, label, noun
from validation.rules import Severity, expectation

NINE_DIGITS = r"^[0-9]{9}$"
EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
BAHRAIN_PHONE = r"^(?:(?:\+|00)973 *)?(?:[0-9] *){7}[0-9]$"
COUNTRY = r"^[A-Z]{2}$"
CURRENCY = r"^[A-Z]{3}$"
PERIOD = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"
GENDERS = ("male", "female")
STATUSES = ("active", "suspended", "terminated")
EARLIEST = datetime(1900, 1, 1)


def _gxe() -> Any:
    """``great_expectations.expectations``, imported on first use with analytics off."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations.expectations as gxe

    return gxe


def _required(entity: str, field: str) -> None:
    def build(context: ValidationContext) -> Any:
        return _gxe().ExpectColumnValuesToNotBeNull(column=field)

    description = ENTITIES[entity].fields[field].description.rstrip(".")
    if description[:2].istitle():
        description = description[0].lower() + description[1:]
    build.__doc__ = f"Every {noun(entity)} has {a(label(field))}" + (
        f" ({description})." if description else "."
    )
    expectation(
        f"{entity}.{field}.present",
        severity=Severity.ERROR,
        field=field,
        message="{label} is missing",
    )(build)


for _entity in ENTITIES.values():
    for _field in _entity.required():
        _required(_entity.name, _field)


@expectation(
    "employee.national_id.nine_digits",
    severity=Severity.ERROR,
    field="national_id",
    message="national id '{value}' is not 9 digits",
)
def national_id_nine_digits(context: ValidationContext) -> Any:
    """A CPR number is exactly nine digits (0-9), with no spaces or dashes."""
    return _gxe().ExpectColumnValuesToMatchRegex(column="national_id", regex=NINE_DIGITS)


@expectation(
    "employee.gender.known",
    severity=Severity.ERROR,
    field="gender",
    message="gender '{value}' is not male or female",
)
def gender_known(context: ValidationContext) -> Any:
    """Gender, when given, is 'male' or 'female' — the values the central HR system accepts."""
    return _gxe().ExpectColumnValuesToBeInSet(column="gender", value_set=list(GENDERS))


@expectation(
    "employee.status.known",
    severity=Severity.ERROR,
    field="status",
    message="status '{value}' is not one of active, suspended, terminated",
)
def status_known(context: ValidationContext) -> Any:
    """An employment is active, suspended or terminated."""
    return _gxe().ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES))


@expectation(
    "employee.nationality.iso_code",
    severity=Severity.WARNING,
    field="nationality",
    message="nationality '{value}' is not a two-letter ISO 3166 country code",
)
def nationality_iso_code(context: ValidationContext) -> Any:
    """Nationality is an ISO 3166 alpha-2 country code in capitals ('BH', 'IN')."""
    return _gxe().ExpectColumnValuesToMatchRegex(column="nationality", regex=COUNTRY)


@expectation(
    "employee.email.format",
    severity=Severity.WARNING,
    field="email",
    message="email '{value}' is not an email address",
)
def email_format(context: ValidationContext) -> Any:
    """An email address is name@domain with a top-level domain of two letters or more."""
    return _gxe().ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL)


@expectation(
    "employee.phone.format",
    severity=Severity.WARNING,
    field="phone",
    message="phone '{value}' is not a Bahraini number (8 digits, optionally after +973 or 00973)",
)
def phone_format(context: ValidationContext) -> Any:
    """A phone number is a Bahraini mobile or landline: 8 digits, optionally after +973 or
    00973, spaces allowed between digits."""
    return _gxe().ExpectColumnValuesToMatchRegex(column="phone", regex=BAHRAIN_PHONE)


@expectation(
    "employee.hire_date.not_future",
    severity=Severity.ERROR,
    field="hire_date",
    message="hire date {value} is after today ({today})",
)
def hire_date_not_future(context: ValidationContext) -> Any:
    """Nobody is hired after today: a future hire date is a typing or conversion error."""
    return _gxe().ExpectColumnValuesToBeBetween(
        column="hire_date", max_value=context.end_of_today, strict_max=True
    )


@expectation(
    "employee.birth_date.plausible",
    severity=Severity.ERROR,
    field="birth_date",
    message="birth date {value} is not between 1900-01-01 and today ({today})",
)
def birth_date_plausible(context: ValidationContext) -> Any:
    """A birth date lies between 1900-01-01 and today."""
    return _gxe().ExpectColumnValuesToBeBetween(
        column="birth_date", min_value=EARLIEST, max_value=context.end_of_today, strict_max=True
    )


def _period_format(entity: str) -> None:
    def build(context: ValidationContext) -> Any:
        return _gxe().ExpectColumnValuesToMatchRegex(column="period", regex=PERIOD)

    build.__doc__ = f"{a(noun(entity)).capitalize()}'s period is a month written YYYY-MM."
    expectation(
        f"{entity}.period.format",
        severity=Severity.ERROR,
        field="period",
        message="period '{value}' is not a month written YYYY-MM",
    )(build)


def _entry_date_not_future(entity: str) -> None:
    def build(context: ValidationContext) -> Any:
        return _gxe().ExpectColumnValuesToBeBetween(
            column="entry_date", max_value=context.end_of_today, strict_max=True
        )

    build.__doc__ = (
        f"{a(noun(entity)).capitalize()} is not dated after today: nothing is posted in the future."
    )
    expectation(
        f"{entity}.entry_date.not_future",
        severity=Severity.ERROR,
        field="entry_date",
        message="entry date {value} is after today ({today})",
    )(build)


for _name in ("payroll_line", "journal_entry", "journal_line"):
    _period_format(_name)
for _name in ("journal_entry", "journal_line"):
    _entry_date_not_future(_name)


@expectation(
    "journal_line.currency.iso_code",
    severity=Severity.ERROR,
    field="currency",
    message="currency '{value}' is not a three-letter ISO 4217 code",
)
def journal_line_currency(context: ValidationContext) -> Any:
    """A line's currency, when given, is an ISO 4217 code in capitals ('BHD')."""
    return _gxe().ExpectColumnValuesToMatchRegex(column="currency", regex=CURRENCY)


@expectation(
    "opening_balance.fiscal_year.plausible",
    severity=Severity.ERROR,
    field="fiscal_year",
    message="fiscal year {value} is before 1900 or after next year",
)
def fiscal_year_plausible(context: ValidationContext) -> Any:
    """An opening balance's fiscal year lies between 1900 and next year."""
    return _gxe().ExpectColumnValuesToBeBetween(
        column="fiscal_year", min_value=1900, max_value=context.reference_date.year + 1
    )
