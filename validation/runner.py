"""The validator of one entity: great-expectations suite and domain rules on each chunk, and the
checks that span chunks (duplicates, journal balance) at the end.

    validator = EntityValidator("employee", context)
    for chunk in mapped_chunks:
        quarantine(validator.check_chunk(chunk.frame))
    quarantine(validator.finish())

Every failure is one issue row (``consolidation.core.unified.ISSUE_COLUMNS``). A bad row is never an
exception; a chunk that lacks a unified column is (``ValidationError``).
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from consolidation.core.spill import TextSpill
from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, EntitySchema, FieldType, empty_issues
from validation.columns import FILS_PREFIX, fils, fils_column, strings
from validation.context import ValidationContext
from validation.context import repeated_among as twice
from validation.gx_suite import EntitySuite
from validation.messages import a, as_text, issue_rows, label, mask, noun, render
from validation.rules import (
    Rule,
    RuleKind,
    Severity,
    ValidationError,
    all_rules,
    entity_rule,
    rules_for,
)

log = logging.getLogger(__name__)

__all__ = ["EntityValidator", "all_rules", "rules_for"]

_UNIT = "\x1f"
_NONE = "\x00"


class EntityValidator:
    """Validates the mapped chunks of one entity of one source, then the entity as a whole."""

    def __init__(self, entity: str, context: ValidationContext) -> None:
        rules = rules_for(entity)
        self.entity = entity
        self.context = context
        self.schema: EntitySchema = ENTITIES[entity]
        self._order = {r.id: i for i, r in enumerate(rules)}
        self._rules = {r.id: r for r in rules}
        self._row_rules = [r for r in rules if r.kind is RuleKind.ROW]
        self._suite = EntitySuite(entity, rules, context)
        self._trackers = [r.tracker(r, context) for r in rules if r.tracker is not None]
        self._money = self.schema.of_type(FieldType.MONEY)
        self._text = [*self.schema.of_type(FieldType.TEXT), SOURCE_KEY]
        self._columns = [*self.schema.fields, SOURCE_KEY]
        self._counts: Counter[str] = Counter()
        self.rows = 0
        self.chunks = 0
        self._finished = False

    def check_chunk(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The issues of this chunk: its great-expectations suite and every domain rule."""
        if self._finished:
            raise ValidationError(f"{self.entity}: check_chunk after finish()")
        missing = [c for c in self._columns if c not in frame.columns]
        if missing:
            raise ValidationError(
                f"{self.entity} chunk has no column {missing[0]!r}; a mapped chunk has every "
                f"unified field and {SOURCE_KEY}"
            )
        self.chunks += 1
        self.rows += len(frame)
        if frame.empty:
            return empty_issues()
        prepared = self._prepare(frame)
        failures = [
            (self._rules[rule_id], rows)
            for rule_id, rows in self._suite.failures(self._suite.narrow(prepared)).items()
        ]
        for rule in self._row_rules:
            assert rule.check is not None
            verdict = rule.check(prepared, self.context)
            if len(verdict) != len(prepared) or not verdict.index.equals(prepared.index):
                raise ValidationError(
                    f"rule {rule.id} returned a verdict not aligned with the chunk"
                )
            failures.append((rule, np.flatnonzero(~np.asarray(verdict, dtype=bool))))
        for tracker in self._trackers:
            tracker.add(prepared)
        issues = self._issues(prepared, failures)
        log.debug(
            "%s chunk %d: %d rows, %d issues", self.entity, self.chunks, len(frame), len(issues)
        )
        return issues

    def _prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The chunk as the rules read it: text (and source keys) as Arrow strings, converted
        once for the suite, every rule and the trackers; each amount's exact fils beside it."""
        return frame.assign(
            **{name: strings(frame[name]) for name in self._text},
            **{FILS_PREFIX + name: fils_column(frame[name]) for name in self._money},
        )

    def finish(self) -> pd.DataFrame:
        """The issues only the whole entity shows: duplicates and unbalanced journal entries."""
        self._finished = True
        found = [t.issues() for t in self._trackers]
        issues = pd.concat([f for f in found if not f.empty] or [empty_issues()], ignore_index=True)
        self._counts.update(issues["rule_id"].tolist())
        log.info(
            "validated %s: %d rows in %d chunks, %d issues%s",
            self.entity,
            self.rows,
            self.chunks,
            sum(self._counts.values()),
            "".join(f"; {rule_id}: {n}" for rule_id, n in sorted(self._counts.items())),
        )
        return issues

    def _issues(
        self, frame: pd.DataFrame, failures: list[tuple[Rule, npt.NDArray[np.int64]]]
    ) -> pd.DataFrame:
        parts: list[pd.DataFrame] = []
        positions: list[npt.NDArray[np.int64]] = []
        order: list[npt.NDArray[np.int64]] = []
        source_keys = frame[SOURCE_KEY].to_numpy(dtype=object)
        for rule, rows in failures:
            if len(rows) == 0:
                continue
            failing = frame.iloc[rows]
            values = as_text(failing[rule.field]) if rule.field else [None] * len(rows)
            parts.append(
                issue_rows(rule, source_keys[rows], values, render(rule, failing, self.context))
            )
            positions.append(rows)
            order.append(np.full(len(rows), self._order[rule.id]))
            self._counts[rule.id] += len(rows)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s: %d rows fail, e.g. %s %s",
                    rule.id,
                    len(rows),
                    rule.field or "record",
                    mask(rule.field, values[0]),
                )
        if not parts:
            return empty_issues()
        sequence = np.lexsort((np.concatenate(order), np.concatenate(positions)))
        return pd.concat(parts, ignore_index=True).take(sequence).reset_index(drop=True)


_TEXT = pa.large_string()
"""pandas' ``str`` dtype keeps large strings: staying with them spares a copy per column."""


def _strings(values: pd.Series) -> pa.Array:
    """Any column as Arrow text, cheaply: dates as epoch nanoseconds, integers as digits."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        nanos = pc.cast(pa.array(values.to_numpy(dtype="datetime64[ns]")), pa.int64())
        return pc.cast(nanos, _TEXT)
    if isinstance(values.dtype, pd.Int64Dtype):
        return pc.cast(pa.array(values), _TEXT)
    try:
        array = pa.array(values, type=_TEXT, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array([None if v is None or v != v else str(v) for v in values.tolist()], _TEXT)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _money_strings(frame: pd.DataFrame, field: str) -> pa.Array:
    """An amount as text that is equal exactly when the amounts are: its fils, or (for the rare
    amount finer than fils) its normalized Decimal."""
    whole = fils(frame, field)
    result = pc.cast(pa.array(whole), _TEXT)
    finer = np.asarray(whole.isna() & frame[field].notna(), dtype=bool)
    if finer.any():
        exact = [f"~{v.normalize()}" for v in frame[field].to_numpy(dtype=object)[finer]]
        result = pc.replace_with_mask(result, pa.array(finer), pa.array(exact, _TEXT))
    return result


def _joined(parts: list[pa.Array], *, keep_missing: bool) -> pa.Array:
    """Parts joined by a unit separator; a missing part makes the whole missing unless kept
    (as a NUL, apart from an empty text)."""
    if len(parts) == 1 and not keep_missing:
        return parts[0]
    if keep_missing:
        return pc.binary_join_element_wise(
            *parts, pa.scalar(_UNIT, _TEXT), null_handling="replace", null_replacement=_NONE
        )
    return pc.binary_join_element_wise(*parts, pa.scalar(_UNIT, _TEXT), null_handling="emit_null")


def _field_strings(frame: pd.DataFrame, schema: EntitySchema, field: str) -> pa.Array:
    if schema.fields[field].type is FieldType.MONEY:
        return _money_strings(frame, field)
    return _strings(frame[field])


def _hashes(values: pa.Array) -> npt.NDArray[np.uint64]:
    return pd.util.hash_array(values.to_numpy(zero_copy_only=False), categorize=False)


class _Keyed:
    """Every row's entity key as a 64-bit hash in memory, and its source key and entity key as
    text in a spill file: the rows whose hashes repeat are read back and compared exactly."""

    def __init__(self, rule: Rule, context: ValidationContext) -> None:
        self.rule = rule
        self.schema = ENTITIES[rule.entity]
        self._spill = TextSpill(["source", "key"], context.spill_dir, prefix="keys-")
        self._hashes: list[npt.NDArray[np.uint64]] = []
        self._included: list[npt.NDArray[np.bool_]] = []

    def _add_keys(self, frame: pd.DataFrame) -> pa.Array:
        """Spill the chunk's source keys and entity keys; the entity keys."""
        parts = [_field_strings(frame, self.schema, k) for k in self.schema.key]
        keys = _joined(parts, keep_missing=False)
        self._spill.append([_strings(frame[SOURCE_KEY]), keys])
        return keys

    def _candidates(self) -> pd.DataFrame:
        """The rows (positions in the order seen) whose hash is shared with another row, with
        the hash, and their source key and entity key read back from the spill."""
        positions, hashes = twice(self._hashes, self._included)
        table = self._spill.take(positions)
        return pd.DataFrame(
            {
                "source": pd.array(table.column("source"), dtype="str"),
                "key": pd.array(table.column("key"), dtype="str"),
                "order": positions,
                "hash": hashes,
            }
        )

    @staticmethod
    def _originals(group: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Within each group of equal ``by``, the record with the smallest source key (then the
        first seen) is the original; every other one is a duplicate."""
        ordered = group.sort_values([by, "source", "order"], kind="stable")
        first = ~ordered.duplicated(by, keep="first")
        return ordered[first], ordered[~first]


class DuplicateKeys(_Keyed):
    """The same entity key on two records of one source."""

    def __init__(self, rule: Rule, context: ValidationContext) -> None:
        super().__init__(rule, context)

    def add(self, frame: pd.DataFrame) -> None:
        keys = self._add_keys(frame)
        self._hashes.append(_hashes(keys))
        self._included.append(np.asarray(keys.is_valid(), dtype=bool))

    def issues(self) -> pd.DataFrame:
        if not self._hashes:
            return issue_rows(self.rule, [], [], [])
        seen = self._candidates()
        repeated = seen[seen.duplicated("key", keep=False)]  # equal hashes, equal keys too
        originals, copies = self._originals(repeated, "key")
        original_of = dict(zip(originals["key"], originals["source"], strict=True))
        keys = [str(k).replace(_UNIT, " / ") for k in copies["key"]]
        what = " / ".join(label(k) for k in self.schema.key)
        return issue_rows(
            self.rule,
            copies["source"].tolist(),
            keys,
            [
                f"{what} '{key}' is used by another record too; record "
                f"'{original_of[raw]}' is kept as the original"
                for key, raw in zip(keys, copies["key"], strict=True)
            ],
        )


class DuplicateContent(_Keyed):
    """The same content (every field but the key) on records with different keys. Content is
    compared by a 64-bit hash of every field but the key."""

    def __init__(self, rule: Rule, context: ValidationContext) -> None:
        super().__init__(rule, context)
        self._content = [f for f in self.schema.fields if f not in self.schema.key]
        self._descriptive = [
            f
            for f in self._content
            if self.schema.fields[f].type is FieldType.TEXT and f not in _NOT_DESCRIPTIVE
        ]

    def add(self, frame: pd.DataFrame) -> None:
        self._add_keys(frame)
        parts = [_field_strings(frame, self.schema, f) for f in self._content]
        self._hashes.append(_hashes(_joined(parts, keep_missing=True)))
        described = np.zeros(len(frame), dtype=bool)
        for name in self._descriptive:
            described |= np.asarray(frame[name].notna(), dtype=bool)
        self._included.append(described)

    def issues(self) -> pd.DataFrame:
        if not self._hashes:
            return issue_rows(self.rule, [], [], [])
        seen = self._candidates().rename(columns={"hash": "content"})
        originals, copies = self._originals(seen, "content")
        original = originals.set_index("content")
        copies = copies.assign(
            original_source=original["source"].reindex(copies["content"]).to_numpy(),
            original_key=original["key"].reindex(copies["content"]).to_numpy(),
        )
        copies = copies[copies["key"] != copies["original_key"]]
        return issue_rows(
            self.rule,
            copies["source"].tolist(),
            copies["original_source"].tolist(),
            [
                f"this record repeats every field of record '{source}' under another "
                f"{' / '.join(label(k) for k in self.schema.key)}"
                for source in copies["original_source"]
            ],
        )


_NOT_DESCRIPTIVE = {"period", "currency"}
"""Text that does not tell records apart: a record whose only content is dates, amounts, a
period or a currency (a journal entry derived from its lines: a date and a period) is not
compared, or every entry of a busy day would be a "duplicate"."""

_PEOPLE = {"employee"}
"""Where a content duplicate blocks loading: one person entered twice in one ministry would
become two employments (elsewhere a duplicate is flagged, and matching merges vendors)."""

_KEY_IS_IDENTITY = {"payroll_line", "opening_balance"}
"""Entities whose non-key fields are only amounts: equal amounts under different keys are
normal (two employees with the same allowance), so they have no content-duplicate rule."""

for _schema in ENTITIES.values():
    _single = len(_schema.key) == 1
    _key_name = " / ".join(label(k) for k in _schema.key)
    entity_rule(
        f"{_schema.name}.{_schema.key[0] if _single else 'key'}.unique",
        severity=Severity.ERROR,
        field=_schema.key[0] if _single else None,
        doc=f"{a(noun(_schema.name)).capitalize()}'s {_key_name} is unique within its source: "
        "of records sharing one, the one with the smallest source key is kept as the original "
        "and every other one is flagged.",
        tracker=DuplicateKeys,
    )
    if _schema.name not in _KEY_IS_IDENTITY:
        entity_rule(
            f"{_schema.name}.record.unique",
            severity=Severity.ERROR if _schema.name in _PEOPLE else Severity.WARNING,
            field=None,
            doc=f"No two {noun(_schema.name)} records of a source carry the same "
            f"content (every field but the {_key_name}) under different keys: such a pair is "
            "usually one record entered twice. The one with the smallest source key is the "
            "original; every other one is flagged. Records with no descriptive text (only "
            "dates, amounts, a period or a currency) are not compared.",
            tracker=DuplicateContent,
        )
