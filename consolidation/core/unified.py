"""The unified entities that mapping produces and validation checks, before staging.

A mapped chunk is a DataFrame with one column per field below, typed by ``FieldType``:

- ``text``  → object dtype holding ``str`` or ``None``
- ``date``  → ``datetime64[ns]`` (``NaT`` when missing); never Python dates per row
- ``money`` → object dtype holding ``Decimal`` (as written, not rounded) or ``None``
- ``int``   → pandas ``Int64``

plus the lineage columns ``_source_key`` (the raw record's key) and ``_row_hash`` (SHA-256 of the
raw record). Issues found by mapping or validation are rows of an issue frame (``ISSUE_COLUMNS``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pandas as pd

from consolidation.core.types import SOURCE_KEY

ROW_HASH = "_row_hash"
LINEAGE_COLUMNS = (SOURCE_KEY, ROW_HASH)

ISSUE_COLUMNS = ["_source_key", "rule_id", "severity", "field", "value", "message"]
"""One row per failure: the record's source key, a stable rule id (``entity.field.assertion``),
``error`` or ``warning``, the field, the offending value as text, and a plain-language message."""


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    MONEY = "money"
    INT = "int"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class EntitySchema:
    name: str
    domain: str
    key: tuple[str, ...]
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    description: str = ""

    def required(self) -> list[str]:
        return [name for name, spec in self.fields.items() if spec.required]

    def of_type(self, kind: FieldType) -> list[str]:
        return [name for name, spec in self.fields.items() if spec.type is kind]


def _entity(
    name: str, domain: str, key: tuple[str, ...], description: str, *fields: FieldSpec
) -> EntitySchema:
    return EntitySchema(name, domain, key, {f.name: f for f in fields}, description)


T, D, M, N = FieldType.TEXT, FieldType.DATE, FieldType.MONEY, FieldType.INT


def F(name: str, kind: FieldType = T, required: bool = False, description: str = "") -> FieldSpec:  # noqa: N802
    return FieldSpec(name, kind, required, description)


ENTITIES: dict[str, EntitySchema] = {
    e.name: e
    for e in (
        _entity(
            "employee",
            "hr",
            ("employee_no",),
            "A person's employment in one ministry; staged as a person and an employment.",
            F("employee_no", required=True, description="The ministry's own employee number."),
            F("national_id", required=True, description="CPR: 9 digits, YYMM of birth first."),
            F("name_ar", required=True),
            F("name_en"),
            F("birth_date", D, required=True),
            F("gender", description="male or female"),
            F("nationality", description="ISO 3166 alpha-2"),
            F("org_unit_code", required=True),
            F("job_code", required=True),
            F("grade_code"),
            F("hire_date", D, required=True),
            F("end_date", D),
            F("status", required=True, description="active, suspended or terminated"),
            F("base_salary", M, required=True),
            F("iban", required=True),
            F("email"),
            F("phone"),
        ),
        _entity(
            "org_unit",
            "hr",
            ("code",),
            "A department, directorate, section or school.",
            F("code", required=True),
            F("name_ar", required=True),
            F("name_en"),
            F("parent_code"),
        ),
        _entity(
            "job",
            "hr",
            ("code",),
            "A job or position.",
            F("code", required=True),
            F("title_ar"),
            F("title_en"),
            F("grade_code"),
        ),
        _entity(
            "grade",
            "hr",
            ("code",),
            "A pay grade and its salary band.",
            F("code", required=True),
            F("name"),
            F("min_salary", M, required=True),
            F("max_salary", M, required=True),
        ),
        _entity(
            "payroll_line",
            "hr",
            ("employee_no", "period", "component"),
            "One pay component of one employee for one month.",
            F("employee_no", required=True),
            F("period", required=True, description="YYYY-MM"),
            F("component", required=True),
            F("amount", M, required=True),
        ),
        _entity(
            "account",
            "finance",
            ("code",),
            "An account of the ministry's own chart.",
            F("code", required=True),
            F("name_ar"),
            F("name_en"),
            F("account_type"),
            F("parent_code"),
        ),
        _entity(
            "vendor",
            "finance",
            ("vendor_no",),
            "A supplier of the ministry.",
            F("vendor_no", required=True),
            F("cr_number"),
            F("vat_number"),
            F("iban"),
            F("name_ar"),
            F("name_en", required=True),
        ),
        _entity(
            "journal_entry",
            "finance",
            ("entry_no",),
            "A journal entry's header.",
            F("entry_no", required=True),
            F("entry_date", D, required=True),
            F("period", required=True, description="YYYY-MM"),
            F("reference"),
            F("description"),
        ),
        _entity(
            "journal_line",
            "finance",
            ("line_no",),
            "A journal line; sources without entry headers also give the entry's date here.",
            F("line_no", required=True),
            F("entry_no", required=True),
            F("account_code", required=True, description="The source chart's account code."),
            F("vendor_no"),
            F("debit", M, required=True),
            F("credit", M, required=True),
            F("currency"),
            F("description"),
            F("cost_centre"),
            F("entry_date", D),
            F("period"),
            F("reference"),
        ),
        _entity(
            "opening_balance",
            "finance",
            ("account_code", "fiscal_year"),
            "An account's opening balance for a fiscal year.",
            F("account_code", required=True),
            F("fiscal_year", N, required=True),
            F("debit", M, required=True),
            F("credit", M, required=True),
        ),
    )
}


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in ISSUE_COLUMNS})


ENTITY_ORDER = (
    "grade",
    "org_unit",
    "job",
    "account",
    "vendor",
    "employee",
    "payroll_line",
    "journal_entry",
    "journal_line",
    "opening_balance",
)
"""Dependencies first: a job needs its grade, an employee its org unit and job, a line its entry."""

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "employee": frozenset({"national_id", "iban", "base_salary"}),
    "payroll_line": frozenset({"amount"}),
    "vendor": frozenset({"iban"}),
}
"""National ids, IBANs and salaries: masked to every reader but the ministry's own stewards and
central IT, who unmask them with one audited click; never in a URL, a log or an error page."""
