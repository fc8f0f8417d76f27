"""How one column is read as one unified field: the transforms and parameters a field's kind
calls for (dates with their formats, amounts, codes with their maps, digits, names), with a
note on every guess and a warning where a person must decide."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from consolidation.core.money import CURRENCY, SCALE
from consolidation.core.unified import EntitySchema, FieldType
from mappings.scaffold.draft import (
    FieldDraft,
)
from mappings.scaffold.profile import ColumnProfile
from mappings.scaffold.vocabulary import (
    CODE_VOCABULARIES,
    GENDER_DIGITS,
    known_code,
)
from mappings.transforms import DIGITS, human_format

DIGIT_FIELDS = frozenset({"national_id", "vat_number", "phone"})
ARABIC_FIELDS = frozenset({"name_ar", "title_ar"})
LATIN_FIELDS = frozenset({"name_en", "title_en"})
TEXT_FIELDS = ARABIC_FIELDS | LATIN_FIELDS | {"name", "description"}
CODE_MAP_LIMIT = 40
"""More distinct values than this and a ``code`` map is no longer a draft a person can check."""


def placeholder(name: str, kind: FieldType) -> FieldDraft:
    transforms: tuple[str, ...] = ()
    params: dict[str, Any] = {}
    if kind is FieldType.DATE:
        transforms, params = ("date",), {"formats": ["%Y-%m-%d"]}
    elif kind is FieldType.MONEY:
        transforms, params = ("money",), {"scale": SCALE}
    elif kind is FieldType.INT:
        transforms = ("int",)
    return FieldDraft(
        name,
        (),
        transforms,
        params,
        const="",
        basis="placeholder",
        why="no column found: name one in 'from' (until then every record fails validation "
        "for want of it)",
    )


def field_draft(
    name: str,
    schema: EntitySchema,
    columns: tuple[ColumnProfile, ...],
    why: str,
    basis: str,
) -> FieldDraft:
    """The transforms and parameters that read ``columns`` as the unified field ``name``."""
    column = columns[0]
    kind = schema.fields[name].type
    draft = FieldDraft(name, tuple(c.name for c in columns), basis=basis, why=why)
    if kind is FieldType.DATE:
        return _dates(draft, column, ("date",))
    if kind is FieldType.MONEY:
        return _money(draft, column)
    if kind is FieldType.INT:
        return replace(draft, transforms=("int",), notes=_digit_notes(column, "int"))
    if name == "period":
        date_share = column.date.share if column.date is not None else 0.0
        if column.period is not None and column.period.share >= date_share:
            reading = column.period
            formats = [human_format(fmt) for fmt in reading.formats]
            draft = replace(
                draft, transforms=("period",), params={"formats": list(reading.formats)}
            )
            draft.notes.extend(_digit_notes(column, "period"))
            if reading.unread:
                draft.warnings.append(_unread(reading.unread, formats))
            return draft
        return _dates(draft, column, ("date", "period"))
    if name in ("gender", "status", "component"):
        return _coded(draft, name, column)
    if name == "nationality":
        if _all_match(column, r"[A-Za-z]{2}"):
            return replace(draft, transforms=("trim", "upper"))
        return _coded(draft, name, column)
    if name == "currency":
        if _all_match(column, r"[A-Za-z]{3}"):
            return replace(
                draft,
                transforms=("trim", "upper"),
                params={"default": CURRENCY},
                notes=[f"a blank currency is read as {CURRENCY} (default)"],
            )
        return _coded(draft, name, column)
    if name == "account_type":
        return replace(draft, transforms=("trim", "lower"))
    if name == "iban":
        return replace(draft, transforms=("iban",))  # compact: no spaces, upper case
    if name == "email":
        return replace(draft, transforms=("trim", "lower"))
    if name in DIGIT_FIELDS:
        return replace(draft, transforms=("trim", "digits"), notes=_digit_notes(column, name))
    if name in TEXT_FIELDS:
        return replace(draft, transforms=("trim", "collapse_spaces"))
    steps: tuple[str, ...] = ("trim",)
    if column.share("spaces") >= 0.3:
        steps += ("collapse_spaces",)
    if column.arabic_digits or column.arabic_separators:
        steps += ("digits",)
    return replace(draft, transforms=steps, notes=_digit_notes(column, name))


def _all_match(column: ColumnProfile, pattern: str) -> bool:
    return not column.empty and all(re.fullmatch(pattern, value) for value in column.counts)


def _dates(draft: FieldDraft, column: ColumnProfile, steps: tuple[str, ...]) -> FieldDraft:
    reading = column.date
    if reading is None:
        return replace(draft, transforms=steps, params={"formats": ["%Y-%m-%d"]})
    formats = [human_format(fmt) for fmt in reading.formats]
    params: dict[str, Any] = {"formats": list(reading.formats)}
    warnings: list[str] = []
    if reading.calendar == "hijri":
        params["calendar"] = "hijri"
        warnings.append("the years (13xx-14xx) say Hijri: read as Umm al-Qura dates")
    if reading.order_unknown:
        warnings.append(
            f"dd/mm or mm/dd? No sample has a day over 12, so {formats[0]} is a guess "
            "(the order Bahrain writes): ask the source's owner"
        )
    if reading.both_orders:
        warnings.append(
            "some samples read only as dd/mm and others only as mm/dd: both formats are listed, "
            "and a date that reads both ways is quarantined as ambiguous"
        )
    if reading.unread:
        warnings.append(_unread(reading.unread, formats))
    notes = _digit_notes(column, "date")
    return replace(draft, transforms=steps, params=params, warnings=warnings, notes=notes)


def _unread(examples: tuple[str, ...], formats: list[str]) -> str:
    shown = ", ".join(repr(text[:30]) for text in examples)
    return f"some samples read under none of {', '.join(formats)}: {shown}"


def _money(draft: FieldDraft, column: ColumnProfile) -> FieldDraft:
    notes = _digit_notes(column, "money")
    if column.thousands:
        notes.append(f"',' between thousands in {_samples(column.thousands)}: 'money' reads them")
    warnings = []
    if column.decimal_comma:
        warnings.append(
            f"{_samples(column.decimal_comma)} look written with a decimal comma (1.234,50): "
            "money reads ',' as a thousands separator, so fix these at the source"
        )
    if column.decimals > SCALE:
        warnings.append(
            f"samples carry up to {column.decimals} decimals; scale {SCALE} (BHD fils) makes "
            "validation flag an amount finer than a fil"
        )
    params: dict[str, Any] = {"scale": SCALE}
    if draft.name in ("debit", "credit") and column.blanks:
        # a ledger export leaves the other side of a line empty: that is 0, not a missing value
        params["empty"] = "zero"
        notes.append(f"{_samples(column.blanks)} blank: read as 0 (empty: zero)")
    return replace(draft, transforms=("money",), params=params, warnings=warnings, notes=notes)


def _digit_notes(column: ColumnProfile, step: str) -> list[str]:
    """What the sample's Arabic-Indic digits and separators mean for the proposed transform."""
    if not (column.arabic_digits or column.arabic_separators):
        return []
    found = []
    if column.arabic_digits:
        found.append(f"Arabic-Indic digits in {_samples(column.arabic_digits)}")
    if column.arabic_separators:
        found.append(
            f"the Arabic decimal or thousands separator (٫ ٬) in {column.arabic_separators}"
        )
    reader = (
        f"'{step}' reads them itself"
        if step in ("date", "period", "money", "int")
        else "'digits' turns them into 0-9"
    )
    return [f"{' and '.join(found)}: {reader}"]


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"


def _coded(draft: FieldDraft, name: str, column: ColumnProfile) -> FieldDraft:
    """A ``code`` map of every distinct sample value: to the unified code the vocabulary knows
    for it, otherwise to itself, each to be confirmed."""
    values = column.values()
    if not values or len(values) > CODE_MAP_LIMIT:
        warning = (
            f"{len(values)} distinct values: too many for a code map; map them with a lookup table"
            if values
            else "no values in the sample: add a code map once values are known"
        )
        return replace(draft, transforms=("trim",), warnings=[warning])
    table: dict[str, str] = {}
    notes: dict[str, str] = {}
    unknown = []
    for value in values:
        code = known_code(name, value)
        if code is None and name == "gender":
            code = GENDER_DIGITS.get(value.translate(DIGITS))
            if code is not None:
                notes[value] = f"confirm: {value} = {code} is a common convention, not a rule"
        if code is None:
            unknown.append(value)
            table[value] = value
            notes[value] = "confirm: not recognised, kept as written"
        else:
            table[value] = code
            notes.setdefault(value, "confirm")
    warnings = []
    if unknown:
        expected = sorted(set(CODE_VOCABULARIES[name].values())) if name != "currency" else []
        hint = f"; the unified codes are {', '.join(expected)}" if 0 < len(expected) <= 8 else ""
        warnings.append(
            f"{len(unknown)} of {len(values)} codes are not recognised and map to themselves{hint}"
        )
    return replace(
        draft, transforms=("code",), params={"map": table}, code_notes=notes, warnings=warnings
    )
