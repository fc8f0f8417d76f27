"""The rule registry: every check validation runs, with a stable id, severity and business fact.

A rule has one of three forms, all in one registry:

- ``@rule`` — a domain rule: a vectorized ``(frame, context) -> bool Series`` (True = pass) run on
  every chunk (``hr.py``, ``finance.py``);
- ``@expectation`` — a column-shape check (not null, regex, value set, between) that a built-in
  great-expectations expectation runs on every chunk (``suites.py``);
- ``entity_rule`` — a check across chunks (duplicates, journal balance) that a tracker keeps
  state for and reports at ``finish()``.

Rule ids read ``entity.field.assertion`` and never change once published: stewards filter the
quarantine by them. The entity of an issue is the first part of its rule id.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from consolidation.core.errors import ConsolidationError
from consolidation.core.money import AmountError, to_fils
from consolidation.core.schema import Severity
from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS, FieldType
from validation.context import KeyIndex

if TYPE_CHECKING:
    from validation.context import ValidationContext

__all__ = [
    "Rule",
    "RuleKind",
    "Severity",
    "ValidationError",
    "all_rules",
    "entity_rule",
    "expectation",
    "rule",
    "rules_for",
]

BoolArray = npt.NDArray[np.bool_]
RowCheck = Callable[[pd.DataFrame, "ValidationContext"], pd.Series]
ExpectationFactory = Callable[["ValidationContext"], Any]
"""Builds a great-expectations ``Expectation`` (typed ``Any``: GE is imported only when used)."""
MessageFn = Callable[[pd.DataFrame, "ValidationContext"], Sequence[str]]


class ValidationError(ConsolidationError):
    """Validation could not run: an unknown entity, a chunk without a unified column, or a rule
    that great-expectations could not evaluate. Bad rows are never this: they are issues."""


class RuleKind(enum.StrEnum):
    ROW = "row"
    """A domain rule, run on every chunk."""
    EXPECTATION = "expectation"
    """A great-expectations expectation, run on every chunk."""
    ENTITY = "entity"
    """A check across chunks, reported at ``finish()``."""


class Tracker(Protocol):
    """The state an entity rule keeps across the chunks of one entity."""

    def add(self, frame: pd.DataFrame) -> None: ...

    def issues(self) -> pd.DataFrame: ...


TrackerFactory = Callable[["Rule", "ValidationContext"], Tracker]


@dataclass(frozen=True)
class Rule:
    """One named assertion. ``entity`` is what the rule reads; the issue's entity is the id's
    first part (``journal_entry.lines.balanced`` reads journal lines, flags entries)."""

    id: str
    severity: Severity
    field: str | None
    kind: RuleKind
    entity: str
    doc: str
    message: str | MessageFn
    check: RowCheck | None = None
    build: ExpectationFactory | None = None
    tracker: TrackerFactory | None = None

    @property
    def issue_entity(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def summary(self) -> str:
        """The docstring as one line, for tables."""
        return " ".join(self.doc.split())


_ID = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_0-9]*$")
_REGISTRY: dict[str, Rule] = {}


def _register(rule: Rule) -> Rule:
    if not _ID.match(rule.id):
        raise ValueError(f"rule id {rule.id!r} is not of the form entity.field.assertion")
    if rule.id in _REGISTRY:
        raise ValueError(f"rule id {rule.id!r} is declared twice")
    for entity in (rule.entity, rule.issue_entity):
        if entity not in ENTITIES:
            raise ValueError(f"rule {rule.id!r}: unknown entity {entity!r}")
    if rule.field is not None and rule.field not in ENTITIES[rule.entity].fields:
        raise ValueError(f"rule {rule.id!r}: {rule.entity} has no field {rule.field!r}")
    if not rule.doc.strip():
        raise ValueError(f"rule {rule.id!r} has no docstring stating the business fact")
    _REGISTRY[rule.id] = rule
    return rule


def _entity_of(rule_id: str, reads: str | None) -> str:
    return reads if reads is not None else rule_id.split(".", 1)[0]


def rule(
    rule_id: str,
    *,
    severity: Severity,
    field: str | None,
    message: str | MessageFn,
    reads: str | None = None,
) -> Callable[[RowCheck], RowCheck]:
    """Declare a domain rule: the function returns a boolean Series aligned with the frame,
    True where the row passes; its docstring states the business fact."""

    def declare(check: RowCheck) -> RowCheck:
        _register(
            Rule(
                rule_id,
                severity,
                field,
                RuleKind.ROW,
                _entity_of(rule_id, reads),
                check.__doc__ or "",
                message,
                check=check,
            )
        )
        return check

    return declare


def expectation(
    rule_id: str, *, severity: Severity, field: str, message: str | MessageFn
) -> Callable[[ExpectationFactory], ExpectationFactory]:
    """Declare a column-shape check: the function builds the great-expectations expectation
    for ``field`` (given the context); its docstring states the business fact."""

    def declare(build: ExpectationFactory) -> ExpectationFactory:
        _register(
            Rule(
                rule_id,
                severity,
                field,
                RuleKind.EXPECTATION,
                _entity_of(rule_id, None),
                build.__doc__ or "",
                message,
                build=build,
            )
        )
        return build

    return declare


def entity_rule(
    rule_id: str,
    *,
    severity: Severity,
    field: str | None,
    doc: str,
    tracker: TrackerFactory,
    reads: str | None = None,
) -> Rule:
    """Declare a check across chunks; ``tracker`` builds the state that reports its issues."""
    return _register(
        Rule(
            rule_id,
            severity,
            field,
            RuleKind.ENTITY,
            _entity_of(rule_id, reads),
            doc,
            "",
            tracker=tracker,
        )
    )


_KIND_ORDER = {RuleKind.EXPECTATION: 0, RuleKind.ROW: 1, RuleKind.ENTITY: 2}


def rules_for(entity: str) -> list[Rule]:
    """Every rule that reads ``entity``'s rows: column-shape checks, then domain rules, then
    checks across chunks, each in declaration order (the order of a record's issues)."""
    if entity not in ENTITIES:
        raise ValidationError(f"unknown entity {entity!r}; expected one of {', '.join(ENTITIES)}")
    return sorted((r for r in _REGISTRY.values() if r.entity == entity), key=_kind_order)


def all_rules() -> list[Rule]:
    """Every rule, entity by entity in the unified schema's order."""
    return [r for entity in ENTITIES for r in rules_for(entity)]


def _kind_order(rule: Rule) -> int:
    return _KIND_ORDER[rule.kind]


# --- reading a mapped frame --------------------------------------------------------------------

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


_STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default ``str`` dtype."""


def strings(values: pd.Series) -> pd.Series:
    """Text as Arrow-backed strings (regex and slicing run in Arrow; missing stays missing).

    Object text goes to Arrow directly, about twice as fast as ``astype("str")``, which checks
    every value first; anything that is not text falls back to ``astype``."""
    if isinstance(values.dtype, pd.StringDtype):
        return values
    if values.dtype == object:
        try:
            array = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            return pd.Series(array, index=values.index, name=values.name, dtype=_STR)
    return values.astype(_STR)


def text(frame: pd.DataFrame, field: str) -> pd.Series:
    return strings(frame[field])


def matches(values: pd.Series, pattern: str) -> BoolArray:
    """Where text matches ``pattern`` (anchor it for a full match; RE2 syntax); missing → False."""
    result = strings(values).str.contains(pattern, regex=True)
    return np.asarray(result.fillna(False), dtype=bool)


def present(frame: pd.DataFrame, field: str) -> BoolArray:
    return np.asarray(frame[field].notna(), dtype=bool)


def among(values: pd.Series, codes: Collection[str] | KeyIndex) -> BoolArray:
    """Where a value is one of ``codes``; missing → False. Looks up each distinct value in the
    set, so the cost follows the chunk, not the size of ``codes`` (``Series.isin`` would turn a
    500,000-entry set into an array and hash it again for every chunk)."""
    if isinstance(codes, KeyIndex):
        return codes.contains(values)
    positions, distinct = pd.factorize(values)
    found = np.array([str(v) in codes for v in distinct] + [False], dtype=bool)
    return found[positions]


def passing(frame: pd.DataFrame, ok: npt.ArrayLike) -> pd.Series:
    """A rule's verdict as the boolean Series aligned with the frame that ``@rule`` returns."""
    return pd.Series(np.asarray(ok, dtype=bool), index=frame.index)


FILS_PREFIX = "_fils_"
"""The validator adds ``_fils_<field>`` per money field: pandas ``Int64`` fils, NA where the
amount is missing or is not a whole number of fils. Rules read it through ``fils()``."""


def fils_column(values: pd.Series) -> pd.Series:
    """Exact integer fils of each amount (``money.to_fils``); NA if missing or finer than fils."""

    def one(amount: Any) -> int | None:
        if not isinstance(amount, Decimal):
            return None
        try:
            return to_fils(amount)
        except AmountError:
            return None

    found = np.array([one(v) for v in values.to_numpy(dtype=object)], dtype=object)
    missing = pd.isna(found)
    found[missing] = 0
    whole = pd.arrays.IntegerArray(found.astype(np.int64), missing)
    return pd.Series(whole, index=values.index, copy=False)


def fils(frame: pd.DataFrame, field: str) -> pd.Series:
    helper = FILS_PREFIX + field
    return frame[helper] if helper in frame.columns else fils_column(frame[field])


def amounts(frame: pd.DataFrame, field: str, *, missing: Decimal) -> npt.NDArray[np.object_]:
    """A money field's Decimals, with ``missing`` put in for absent ones so comparisons work."""
    values = frame[field].to_numpy(dtype=object)
    absent = ~present(frame, field)
    if absent.any():
        values = values.copy()
        values[absent] = missing
    return values


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


# --- rules every entity with such fields has ---------------------------------------------------


def decimals_rules(entity: str) -> None:
    """``<entity>.<money field>.max_three_decimals`` for each money field of ``entity``."""
    for name in ENTITIES[entity].of_type(FieldType.MONEY):

        def check(frame: pd.DataFrame, context: ValidationContext, name: str = name) -> pd.Series:
            return passing(frame, ~present(frame, name) | np.asarray(fils(frame, name).notna()))

        check.__doc__ = (
            f"{a(noun(entity)).capitalize()}'s {label(name)} is a whole number of fils: BHD has "
            "three decimals, and an amount finer than that cannot be posted without rounding it."
        )
        rule(
            f"{entity}.{name}.max_three_decimals",
            severity=Severity.ERROR,
            field=name,
            message="{label} {value} has more than 3 decimals (BHD is kept to the fils)",
        )(check)


ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_MOJIBAKE_LEAD = "[طظعغ]"
"""UTF-8 lead bytes 0xD8–0xDB of Arabic letters read as cp1256: every mis-decoded Arabic letter
starts with one of these, so only values containing one need the exact test."""


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def repaired(value: str) -> str | None:
    """The text ``value`` should be if some of it is Arabic UTF-8 mis-decoded as cp1256, else
    None. ASCII reads the same either way, so each run of non-ASCII characters is tried on its
    own: a name joined from parts of which one was garbled ('محمد ط§ظ„ط¨ظ†ط¹ظ„ظٹ') is caught
    as surely as one garbled whole."""
    garbled = False

    def fix(run: re.Match[str]) -> str:
        nonlocal garbled
        try:
            fixed = run.group().encode("cp1256").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run.group()
        if fixed != run.group() and ARABIC_LETTER.search(fixed):
            garbled = True
            return fixed
        return run.group()

    result = _NON_ASCII.sub(fix, value)
    return result if garbled else None


def mojibake_free(frame: pd.DataFrame, field: str) -> BoolArray:
    values = text(frame, field)
    suspects = matches(values, _MOJIBAKE_LEAD)
    ok = np.ones(len(frame), dtype=bool)
    if suspects.any():
        candidates = values[suspects]
        codes, uniques = pd.factorize(candidates)
        garbled = np.array([repaired(str(u)) is not None for u in uniques], dtype=bool)
        ok[np.flatnonzero(suspects)] = ~garbled[codes]
    return ok


def mojibake_rules(entity: str, fields: Sequence[str], severity: Severity) -> None:
    """``<entity>.<field>.not_mojibake`` for each of ``fields``."""
    for name in fields:

        def check(frame: pd.DataFrame, context: ValidationContext, name: str = name) -> pd.Series:
            return passing(frame, mojibake_free(frame, name))

        def message(rows: pd.DataFrame, context: ValidationContext, name: str = name) -> list[str]:
            return [
                f"{label(name)} '{v}' is garbled Arabic (UTF-8 read as Windows-1256); "
                f"it should read '{repaired(v)}'"
                for v in rows[name].tolist()
            ]

        check.__doc__ = (
            f"{a(noun(entity)).capitalize()}'s {label(name)} is readable text, not Arabic whose "
            "UTF-8 bytes were decoded as Windows-1256 (mojibake such as 'ظ…ط­ظ…ط¯' for 'محمد'), "
            "in whole or in part."
        )
        rule(f"{entity}.{name}.not_mojibake", severity=severity, field=name, message=message)(check)
