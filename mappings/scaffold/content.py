"""Fields found by content alone, for columns whose names say nothing the vocabulary knows
(``col_7``, a misspelling, a header in a third language): the source key, IBANs, e-mails, CPRs,
phone numbers, codes the vocabularies recognise (genders, statuses, countries, pay components,
currencies), people's and things' names by script, dates and amounts where the count of
columns and fields leaves one reading, months. Each guess says it was made by content only."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from consolidation.core.unified import EntitySchema, FieldType
from mappings.scaffold.profile import ColumnProfile
from mappings.scaffold.reading import describe
from mappings.scaffold.vocabulary import (
    CODE_VOCABULARIES,
    GENDER_DIGITS,
    REFERENCES,
    known_code,
)
from mappings.transforms import DIGITS

Guess = tuple[str, ColumnProfile, str]
"""A field, the column proposed for it, and why."""
Take = Callable[[str, ColumnProfile, str], None]

_PATTERNS = (
    ("iban", "iban"),
    ("email", "email"),
    ("national_id", "cpr"),
    ("vat_number", "vat"),
    ("cr_number", "cr"),
    ("phone", "phone"),
)
_NAMES = {"arabic": ("name_ar", "title_ar"), "latin": ("name_en", "title_en")}


def by_content(
    schema: EntitySchema,
    columns: Mapping[str, ColumnProfile],
    taken: set[str],
    placed: set[str],
    key: Sequence[str],
    keys: Mapping[str, set[str]],
) -> list[Guess]:
    """Guesses for the fields of ``schema`` not ``placed`` yet, from the columns not ``taken``;
    ``keys`` holds the key values of the source's other entities (a unified entity → its keys),
    so that a column of their codes is found to refer to them."""
    free = {name: column for name, column in columns.items() if name not in taken}
    wanted = [name for name in schema.fields if name not in placed]
    guesses: list[Guess] = []

    def take(field: str, column: ColumnProfile, why: str) -> None:
        guesses.append((field, column, f"found by content only: {why}"))
        free.pop(column.name, None)
        wanted.remove(field)

    _key(schema, free, wanted, key, take)
    _references(schema, free, wanted, keys, take)
    for field, kind in _PATTERNS:
        if field in wanted:
            column = _most(free, kind, 0.9, distinct=field == "national_id")
            if column is not None:
                take(field, column, describe(column))
    for field in ("gender", "status", "nationality", "component", "currency", "account_type"):
        if field in wanted:
            column = _coded(free, field)
            if column is not None:
                take(field, column, f"its values are {field} codes ({describe(column)})")
    for script, fields in _NAMES.items():
        named = next((f for f in fields if f in wanted), None)
        column = _texts(free, script) if named is not None else None
        if named is not None and column is not None:
            take(named, column, f"{script.title()} names ({describe(column)})")
    _dates(schema, free, wanted, take)
    _amounts(schema, free, wanted, take)
    if "period" in wanted:
        column = next((c for c in free.values() if c.is_period), None)
        if column is not None:
            take("period", column, describe(column))
    if "fiscal_year" in wanted:
        column = next((c for c in free.values() if _years(c)), None)
        if column is not None:
            take("fiscal_year", column, f"years ({describe(column)})")
    return guesses


def _key(
    schema: EntitySchema,
    free: dict[str, ColumnProfile],
    wanted: list[str],
    key: Sequence[str],
    take: Take,
) -> None:
    """The source key's columns, in order, for the unified key's fields."""
    if len(key) != len(schema.key):
        return
    for column_name, field in zip(key, schema.key, strict=True):
        column = free.get(column_name)
        if column is not None and field in wanted and not column.is_date:
            take(field, column, f"the source key; {describe(column)}")


def _references(
    schema: EntitySchema,
    free: dict[str, ColumnProfile],
    wanted: list[str],
    keys: Mapping[str, set[str]],
    take: Take,
) -> None:
    """A column whose values are nearly all keys of an entity a field refers to."""
    for field in list(wanted):
        ref = REFERENCES.get((schema.name, field))
        if ref is None or not keys.get(ref[0]):
            continue
        known = keys[ref[0]]
        for column in free.values():
            if column.empty or column.is_date or column.share("decimal") >= 0.5:
                continue
            inside = sum(times for value, times in column.counts.items() if value in known)
            if inside >= 0.9 * column.count and column.distinct >= 3:
                take(field, column, f"its values are {ref[0]} keys; {describe(column)}")
                break


def _most(
    free: Mapping[str, ColumnProfile], kind: str, least: float, *, distinct: bool = False
) -> ColumnProfile | None:
    for column in free.values():
        if column.empty or column.is_date or column.share(kind) < least:
            continue
        if distinct and column.distinct < 0.5 * column.count:
            continue
        return column
    return None


def _coded(free: Mapping[str, ColumnProfile], field: str) -> ColumnProfile | None:
    """A column with few values, nearly all of them codes of ``field``'s vocabulary."""
    for column in free.values():
        if not column.few_values:
            continue
        if field == "currency":
            if all(re.fullmatch(r"[A-Z]{3}", value) for value in column.counts):
                return column
            continue
        known = sum(
            times
            for value, times in column.counts.items()
            if known_code(field, value) is not None
            or (
                field == "gender"
                and value.translate(DIGITS) in GENDER_DIGITS
                and len(column.counts) <= 2
            )
        )
        if field in CODE_VOCABULARIES and known >= 0.8 * column.count:
            return column
    return None


def _texts(free: Mapping[str, ColumnProfile], script: str) -> ColumnProfile | None:
    """The column that most looks like names in ``script``: words, nearly all distinct."""
    best: ColumnProfile | None = None
    for column in free.values():
        if column.empty or column.share(script) < 0.8 or column.share("spaces") < 0.5:
            continue
        if script == "latin" and column.share("arabic") >= 0.5:
            continue
        if column.distinct < 0.5 * column.count:
            continue
        if best is None or column.distinct > best.distinct:
            best = column
    return best


def _dates(
    schema: EntitySchema, free: dict[str, ColumnProfile], wanted: list[str], take: Take
) -> None:
    """The required dates, when as many dated columns (no time of day) are left: by the order
    life runs, the earliest dates to the field that comes first (born, then hired)."""
    fields = [
        name
        for name in wanted
        if schema.fields[name].type is FieldType.DATE and schema.fields[name].required
    ]
    dated = [
        c
        for c in free.values()
        if c.is_date and c.date is not None and not any("%H" in f for f in c.date.formats)
    ]
    if not fields or len(fields) != len(dated):
        return
    dated.sort(key=_median_day)
    for field, column in zip(fields, dated, strict=True):
        where = "the only dates left" if len(fields) == 1 else "dates, matched by how early"
        take(field, column, f"{where} ({describe(column)})")


def _median_day(column: ColumnProfile) -> float:
    assert column.date is not None
    days = []
    for value in column.counts:
        for fmt in column.date.formats:
            try:
                days.append(datetime.strptime(value.translate(DIGITS), fmt).toordinal())
                break
            except ValueError:
                continue
    return statistics.median(days) if days else 0.0


def _amounts(
    schema: EntitySchema, free: dict[str, ColumnProfile], wanted: list[str], take: Take
) -> None:
    """The required amounts, when as many amount columns are left: in the columns' order."""
    fields = [
        name
        for name in wanted
        if schema.fields[name].type is FieldType.MONEY and schema.fields[name].required
    ]
    amounts = [c for c in free.values() if not c.empty and c.share("decimal") >= 0.8]
    if not fields or len(fields) != len(amounts):
        return
    for field, column in zip(fields, amounts, strict=True):
        where = "the only amounts left" if len(fields) == 1 else "amounts, in column order"
        take(field, column, f"{where} ({describe(column)})")


def _years(column: ColumnProfile) -> bool:
    return (
        not column.empty
        and column.share("int") == 1.0
        and all(1990 <= int(value.translate(DIGITS)) <= 2100 for value in column.counts)
    )
