"""Column-shape checks: built-in great-expectations expectations, one suite per entity.

Every required field has a not-null expectation; formats are regexes, codes are value sets and
dates are ranges. Each expectation is a registered rule (``@expectation``) whose id maps GE's
failing rows back to issues.

great-expectations is imported only when a suite is first built (it takes seconds), with its
analytics off and its progress bars silenced, into one process-wide ephemeral context with one
pandas datasource. How a chunk is handed to it matters at a million rows:

- GE fingerprints every batch by hashing the whole DataFrame, so it gets a *narrow view*: only
  the columns its expectations read, each in the cheapest dtype that keeps what they test —
  text as Arrow strings, dates as ``datetime64[ns]`` (other units make GE compare dates one row
  at a time in Python), integers as floats, and a column that is only checked for presence as
  its presence mask (nullable boolean), which hashes in milliseconds where high-cardinality
  text takes a third of a second per million rows.
- The view's index is the row position, named ``_row``: with ``exclude_unexpected_values`` GE
  then lists the failing positions without looking up each row.
- The suite runs through GE's v1 ``Validator``, the engine behind ``Batch.validate`` and
  ``ValidationDefinition.run`` (not itself marked public). ``Batch.validate`` fetches, and so
  fingerprints, the batch a second time (+1 s on a million employee rows);
  ``ValidationDefinition.run`` also serializes each result into the context's in-memory result
  store (+1.1 s when 30% of a million rows fail one check) and keeps one result per chunk for
  the life of the process. ``bench/validation.py`` measures the three.
"""

from __future__ import annotations

import enum
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.core.unified import ENTITIES, FieldType
from validation.columns import strings
from validation.context import ValidationContext
from validation.messages import a, label, noun
from validation.rules import Rule, RuleKind, Severity, ValidationError, expectation

ROW = "_row"
"""The index name of the view GE sees: the row's position in the chunk."""

RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
}

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


# --- required fields ---------------------------------------------------------------------------


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


# --- employee ----------------------------------------------------------------------------------


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


# --- periods, dates and codes of the other entities -------------------------------------------


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


# --- running a suite ---------------------------------------------------------------------------


class View(enum.Enum):
    """How a column appears in the narrow view GE validates."""

    PRESENCE = "presence"
    STRINGS = "strings"
    DATES = "dates"
    NUMBERS = "numbers"


@dataclass
class _Gx:
    module: Any
    context: Any
    datasource: Any
    batch_definitions: dict[str, Any]


_STATE: list[_Gx] = []
_LOCK = threading.Lock()


def _gx() -> _Gx:
    """The process-wide ephemeral GE context and its one pandas datasource, made on first use."""
    with _LOCK:
        if not _STATE:
            os.environ["GX_ANALYTICS_ENABLED"] = "False"
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            )
            context = gx.get_context(mode="ephemeral", project_config=config)
            datasource = context.data_sources.add_pandas(name="validation")
            _STATE.append(_Gx(gx, context, datasource, {}))
        return _STATE[0]


def _batch_definition(entity: str) -> Any:
    state = _gx()
    with _LOCK:
        if entity not in state.batch_definitions:
            asset = state.datasource.add_dataframe_asset(name=entity)
            state.batch_definitions[entity] = asset.add_batch_definition_whole_dataframe("chunk")
        return state.batch_definitions[entity]


class EntitySuite:
    """The expectation suite of one entity, built once and run on each chunk's narrow view."""

    def __init__(self, entity: str, rules: Sequence[Rule], context: ValidationContext) -> None:
        self.entity = entity
        self.rules = {r.id: r for r in rules if r.kind is RuleKind.EXPECTATION}
        self.batch_definition = _batch_definition(entity)
        expectations: list[Any] = []
        checks: dict[str, set[str]] = {}
        for rule in self.rules.values():
            assert rule.build is not None and rule.field is not None
            built = rule.build(context)
            built.meta = {"rule_id": rule.id}
            expectations.append(built)
            checks.setdefault(rule.field, set()).add(built.expectation_type)
        self.suite = _gx().module.ExpectationSuite(name=entity, expectations=expectations)
        fields = ENTITIES[entity].fields
        self.views: dict[str, View] = {}
        for column, kinds in checks.items():
            kind = fields[column].type
            if kinds == {"expect_column_values_to_not_be_null"}:
                self.views[column] = View.PRESENCE
            elif kind is FieldType.TEXT:
                self.views[column] = View.STRINGS
            elif kind is FieldType.DATE:
                self.views[column] = View.DATES
            elif kind is FieldType.INT:
                self.views[column] = View.NUMBERS
            else:
                raise ValidationError(
                    f"{entity}.{column}: a {kind} field may only have a not-null expectation"
                )

    def narrow(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The columns GE reads, each in the cheapest dtype that keeps what is tested."""
        columns: dict[str, Any] = {}
        for column, view in self.views.items():
            values = frame[column]
            if view is View.PRESENCE:
                missing = np.asarray(values.isna(), dtype=bool)
                columns[column] = pd.arrays.BooleanArray(np.ones(len(values), dtype=bool), missing)
            elif view is View.STRINGS:
                columns[column] = strings(values).array
            elif view is View.DATES:
                columns[column] = values.to_numpy(dtype="datetime64[ns]")
            else:
                columns[column] = values.to_numpy(dtype="float64", na_value=np.nan)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(frame), name=ROW), copy=False)

    def failures(self, view: pd.DataFrame) -> dict[str, npt.NDArray[np.int64]]:
        """Run the suite on a narrow view: rule id → positions of the rows that fail it."""
        from great_expectations.validator.v1_validator import Validator

        validator = Validator(
            self.batch_definition,
            result_format=RESULT_FORMAT,
            batch_parameters={"dataframe": view},
        )
        result = validator.validate_expectation_suite(self.suite)
        found: dict[str, npt.NDArray[np.int64]] = {}
        for outcome in result.results:
            config = outcome.expectation_config
            if config is None or not config.meta or config.meta.get("rule_id") not in self.rules:
                raise ValidationError(
                    f"great-expectations returned a result of no {self.entity} rule"
                )
            rule_id = str(config.meta["rule_id"])
            problem = _exception(outcome.exception_info)
            if problem is not None:
                raise ValidationError(f"great-expectations could not evaluate {rule_id}: {problem}")
            listed = outcome.result.get("unexpected_index_list") or []
            rows = np.asarray(listed[0][ROW] if listed else [], dtype=np.int64)
            if len(rows) != (outcome.result.get("unexpected_count") or 0):
                raise ValidationError(
                    f"great-expectations reported {outcome.result.get('unexpected_count')} "
                    f"failures of {rule_id} but listed {len(rows)} rows"
                )
            found[rule_id] = rows
        return found


def _exception(info: Any) -> str | None:
    """The message of an exception GE caught while evaluating an expectation, if any."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message"))
    return None
