"""How well a column fits a unified field: its name against the field's aliases (English or
Arabic, read as canonical tokens), and its sample values against the field's kind."""

from __future__ import annotations

from collections.abc import Sequence

from consolidation.core.unified import FieldType
from mappings.scaffold.fields import (
    ARABIC_FIELDS,
    LATIN_FIELDS,
)
from mappings.scaffold.profile import ColumnProfile
from mappings.scaffold.vocabulary import (
    ENTITY_FIELD_NAMES,
    FIELD_NAMES,
    tokens,
)

ID_FIELDS = frozenset(
    {
        "employee_no",
        "code",
        "org_unit_code",
        "job_code",
        "grade_code",
        "parent_code",
        "vendor_no",
        "entry_no",
        "line_no",
        "account_code",
        "reference",
        "cr_number",
        "cost_centre",
    }
)
CODE_FIELDS = frozenset({"gender", "status", "component", "nationality", "currency"})


def name_score(entity: str, field: str, words: Sequence[str]) -> float:
    """How well a column's name (tokens) says ``field`` of ``entity``: 1 for an exact alias,
    less the more words the column adds, 0 when no alias is wholly in it."""
    have = set(words)
    if not have:
        return 0.0
    aliases = (
        *ENTITY_FIELD_NAMES.get((entity, field), ()),
        *FIELD_NAMES.get(field, ()),
        " ".join(tokens(field)),
    )
    best = 0.0
    for alias in aliases:
        wanted = set(alias.split())
        if wanted and wanted <= have:
            best = max(best, 0.6 + 0.4 * len(wanted) / len(have))
    return best


def content_fit(
    field: str, kind: FieldType, column: ColumnProfile, least: float = 0.8
) -> float | None:
    """A bonus when the sample looks like the field's values, None when it cannot be them;
    ``least`` is the part of the sample that must look right (less for a column whose name
    says the field: a few bad values are what the quarantine is for)."""
    if column.empty:
        return 0.0
    looks_numeric = column.share("decimal") >= 0.5
    dated = column.date is not None and column.date.share >= least
    if kind is FieldType.DATE:
        return 0.2 if dated else None
    if kind is FieldType.MONEY:
        return 0.2 if column.share("amount") >= least else None
    if kind is FieldType.INT:
        return 0.1 if column.share("int") >= least else None
    if field == "period":
        monthly = column.period is not None and column.period.share >= least
        return 0.2 if monthly or dated else None
    if field == "iban":
        return 0.3 if column.share("iban") >= least else None
    if field == "email":
        return 0.3 if column.share("email") >= least else None
    if field == "national_id":
        if column.share("cpr") >= least:
            return 0.2
        return 0.0 if column.share("int") >= least else None
    if field == "phone":
        return 0.1 if column.share("phone") >= least and not column.is_date else None
    if field in ARABIC_FIELDS:
        return 0.1 if column.share("arabic") >= 0.5 else None
    if field in LATIN_FIELDS:
        latin = column.share("latin") >= 0.5 and column.share("arabic") < 0.5
        return 0.1 if latin else None
    if column.is_date or looks_numeric or column.share("email") >= 0.5:
        return None
    if field in CODE_FIELDS:
        return 0.1 if column.few_values else 0.0
    if field in ID_FIELDS and column.share("iban") >= 0.5:
        return None
    return 0.0
