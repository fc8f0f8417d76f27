"""How a failing row is told to a steward: field labels, values as text (masked in logs),
each rule's rendered message and the issue rows."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS, FieldType
from validation.rules import Rule

if TYPE_CHECKING:
    from validation.context import ValidationContext

_LABELS = {
    "national_id": "national id",
    "name_ar": "Arabic name",
    "name_en": "English name",
    "title_ar": "Arabic title",
    "title_en": "English title",
    "iban": "IBAN",
    "org_unit_code": "org unit",
    "job_code": "job",
    "grade_code": "grade",
    "employee_no": "employee number",
    "entry_no": "entry number",
    "line_no": "line number",
    "account_code": "account",
    "vendor_no": "vendor number",
    "cr_number": "CR number",
    "vat_number": "VAT number",
    "min_salary": "minimum salary",
    "max_salary": "maximum salary",
}


def label(field: str) -> str:
    """A field as a steward reads it: 'hire_date' → 'hire date'."""
    return _LABELS.get(field, field.replace("_", " "))


def noun(entity: str) -> str:
    """An entity as a steward reads it: 'journal_line' → 'journal line'."""
    return entity.replace("_", " ")


def a(phrase: str) -> str:
    """``phrase`` with its indefinite article: 'an IBAN', 'a grade'."""
    return ("an " if phrase[:1].lower() in "aeiou" or phrase.startswith("IBAN") else "a ") + phrase


def as_text(values: pd.Series) -> list[str | None]:
    """Values as a steward reads them: dates 'YYYY-MM-DD', amounts as written, missing None."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        return [None if pd.isna(s) else str(s) for s in stamps]
    return [None if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()]


def _money_fields() -> set[str]:
    return {n for e in ENTITIES.values() for n, s in e.fields.items() if s.type is FieldType.MONEY}


_MONEY = _money_fields()
_PERSONAL = {"name_ar", "name_en", "email", "phone", "birth_date"}


def mask(field: str | None, value: str | None) -> str:
    """A value as it may appear in a log: national ids, IBANs and amounts never in clear."""
    if value is None:
        return "None"
    if field == "national_id":
        return value[:4] + "*" * max(len(value) - 4, 0)
    if field == "iban":
        return f"{value[:4]}****…{value[-4:]}" if len(value) > 8 else "****"
    if field in _MONEY or field in _PERSONAL:
        return "***"
    return value


def render(rule: Rule, rows: pd.DataFrame, context: ValidationContext) -> list[str]:
    """The plain-language message of each failing row.

    A template may use ``{value}`` (the rule's field as text), ``{label}``, ``{today}``,
    ``{ctx.<attribute>}`` and any column of the row by name (as text).
    """
    if callable(rule.message):
        return list(rule.message(rows, context))
    names = {
        name.split(".", 1)[0].split("[", 1)[0]
        for _, name, _, _ in string.Formatter().parse(rule.message)
        if name
    }
    columns = {name: as_text(rows[name]) for name in names if name in rows.columns}
    values = as_text(rows[rule.field]) if rule.field else [None] * len(rows)
    fixed = {"label": label(rule.field) if rule.field else "", "today": context.today}
    return [
        rule.message.format(
            value=value, ctx=context, **fixed, **{k: v[i] for k, v in columns.items()}
        )
        for i, value in enumerate(values)
    ]


def issue_rows(
    rule: Rule,
    source_keys: Sequence[Any] | npt.NDArray[Any],
    values: Sequence[str | None],
    messages: Sequence[str],
) -> pd.DataFrame:
    """Issue rows (``ISSUE_COLUMNS``) of one rule, all columns object like the mapping's."""
    return pd.DataFrame(
        {
            "_source_key": np.asarray(source_keys, dtype=object),
            "rule_id": np.full(len(messages), rule.id, dtype=object),
            "severity": np.full(len(messages), rule.severity.value, dtype=object),
            "field": np.full(len(messages), rule.field, dtype=object),
            "value": np.asarray(values, dtype=object).reshape(len(messages)),
            "message": np.asarray(messages, dtype=object).reshape(len(messages)),
        },
        columns=ISSUE_COLUMNS,
    )
