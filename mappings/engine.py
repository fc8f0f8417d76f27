"""Apply a checked mapping to a chunk of raw records: typed unified columns plus issue rows.

Each field's transforms run on the *distinct* values of its source column (amounts, dates and
codes repeat a great deal), and the results are spread back to the rows by their factorized
codes; a column whose values hardly repeat is transformed directly instead. A value that cannot
be converted becomes missing in the frame and one row in ``issues`` — never a silent null or 0.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from consolidation.core.types import KEY_REPEATS, SOURCE_KEY
from consolidation.core.unified import (
    ISSUE_COLUMNS,
    LINEAGE_COLUMNS,
    ROW_HASH,
    FieldType,
    empty_issues,
)
from mappings.spec import EntityMapping, FieldMapping, MappingError
from mappings.transforms import blank_out, compact_iban, run_steps

_SAMPLE = 20_000
_SMALL = 2_000
_MOSTLY_DISTINCT = 0.9
"""A column is reduced to its distinct values unless nearly all the present values in its first
rows are distinct (line numbers, amounts): factorizing those costs more than it saves."""
_NONE = "\x00"
_UNIT = "\x1f"


@dataclass(frozen=True)
class MappedChunk:
    """Unified rows (every field of the entity, then ``_source_key`` and ``_row_hash``) and the
    issues found while mapping them (``consolidation.core.unified.ISSUE_COLUMNS``)."""

    frame: pd.DataFrame
    issues: pd.DataFrame


def apply_mapping(
    mapping: EntityMapping, raw: pd.DataFrame, *, table: pa.Table | None = None
) -> MappedChunk:
    """Map a raw chunk (text or None values, with ``_source_key``) to the unified entity.
    ``table``, the same records as Arrow text when the caller has them, spares the row hashes
    a conversion."""
    _check_columns(mapping, raw)
    size = len(raw)
    columns: dict[str, Any] = {}
    issues: list[pd.DataFrame] = []
    seen: dict[Any, _Distinct] = {}
    for name, spec in mapping.schema.fields.items():
        field = mapping.fields.get(name)
        if field is None:
            columns[name] = _missing(spec.type, size)
        elif field.is_const:
            columns[name] = _filled(field.type, field.const, size)
        else:
            columns[name], found = _map_field(mapping.target, field, raw, seen)
            if found is not None:
                issues.append(found)
    columns[SOURCE_KEY] = raw[SOURCE_KEY].to_numpy(dtype=object)
    columns[ROW_HASH] = row_hashes(raw, table=table)
    frame = pd.DataFrame(
        {name: _typed(values, raw.index) for name, values in columns.items()},
        index=raw.index,
        copy=False,
    )
    if KEY_REPEATS in raw.columns:
        repeats = _repeated_keys(mapping, raw)
        if repeats is not None:
            issues.append(repeats)
    issue_frame = pd.concat(issues, ignore_index=True) if issues else empty_issues()
    if mapping.distinct:
        frame, issue_frame = _derive(mapping, frame, issue_frame)
    return MappedChunk(frame, issue_frame)


def _repeated_keys(mapping: EntityMapping, raw: pd.DataFrame) -> pd.DataFrame | None:
    """An issue for each record whose source key an earlier record had (the connector gave it
    a key of its own, ``KEY#2``, and noted both rows): the store keeps one record per key, so
    it is kept out rather than let the later one overwrite, or the store refuse, the first."""
    notes = raw[KEY_REPEATS]
    flagged = np.flatnonzero(np.asarray(notes.notna(), dtype=bool))
    if not len(flagged):
        return None
    keys = raw[SOURCE_KEY].to_numpy(dtype=object)[flagged]
    given = [str(key).rsplit("#", 1)[0] for key in keys]
    where = notes.to_numpy(dtype=object)[flagged]
    return pd.DataFrame(
        {
            "_source_key": keys,
            "rule_id": f"{mapping.target}.source_key.unique",
            "severity": "error",
            "field": None,
            "value": given,
            "message": [
                f"source key '{key}' is on {rows} of the source; the first is kept and this "
                "one is kept out (if both are real, declare a key that tells them apart, e.g. "
                "{ordinal_within: COLUMN})"
                for key, rows in zip(given, where, strict=True)
            ],
        },
        columns=ISSUE_COLUMNS,
    ).astype(object)


def _derive(
    mapping: EntityMapping, frame: pd.DataFrame, issues: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One record per target key, keyed and hashed by its mapped values (see ``distinct``)."""
    key = list(mapping.schema.key)
    keys = frame[key[0]].astype(object)
    for name in key[1:]:
        keys = keys.str.cat(frame[name].astype(object), sep="|")
    by_row = dict(zip(frame[SOURCE_KEY], keys, strict=True))
    derived = frame.assign(**{SOURCE_KEY: keys}).loc[keys.notna()]
    derived = derived.drop_duplicates(SOURCE_KEY)
    values = derived.drop(columns=[SOURCE_KEY, ROW_HASH]).astype(object)
    derived[ROW_HASH] = row_hashes(values.where(values.notna(), None).astype(str))
    if not issues.empty:
        issues = issues.assign(_source_key=issues[SOURCE_KEY].map(by_row))
        issues = issues.dropna(subset=[SOURCE_KEY]).drop_duplicates(["_source_key", "rule_id"])
    return derived, issues.reset_index(drop=True)


def _check_columns(mapping: EntityMapping, raw: pd.DataFrame) -> None:
    present = set(raw.columns)
    if SOURCE_KEY not in present:
        raise MappingError(
            f"{mapping.path}: the raw records of {mapping.raw_entity!r} have no {SOURCE_KEY} column"
        )
    for field in mapping.fields.values():
        for column in field.columns:
            if column not in present:
                found = ", ".join(str(c) for c in raw.columns if c != SOURCE_KEY)
                raise MappingError(
                    f"{mapping.path}:{field.line}: {mapping.target}.{field.name}: the raw records "
                    f"of {mapping.raw_entity!r} have no column {column!r}; they have: {found}"
                )


def _text_column(column: pd.Series) -> pd.Series:
    """A raw column as object dtype of str/None, whatever dtype it arrived with."""
    values = column.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = None
    if pd.api.types.infer_dtype(values, skipna=True) not in {"string", "empty"}:
        values = np.array(
            [v if v is None or isinstance(v, str) else str(v) for v in values], dtype=object
        )
    return pd.Series(values, dtype=object, copy=False)


@dataclass(frozen=True)
class _Distinct:
    """A source column reduced to its distinct values; ``codes`` (-1 for missing) spreads them
    back to the rows. ``codes`` is None when the column was kept whole (it hardly repeats)."""

    values: pd.Series
    codes: npt.NDArray[np.intp] | None


def _distinct(source: pd.Series) -> _Distinct:
    sample = source.iloc[:_SAMPLE].dropna()
    if len(source) < _SMALL or sample.nunique() > _MOSTLY_DISTINCT * len(sample):
        return _Distinct(source, None)
    codes, uniques = pd.factorize(source, use_na_sentinel=True)
    return _Distinct(pd.Series(np.asarray(uniques, dtype=object), dtype=object, copy=False), codes)


def _source(field: FieldMapping, raw: pd.DataFrame, seen: dict[Any, _Distinct]) -> _Distinct:
    """The field's source values, distinct; fields reading the same column share the work."""
    key = (field.columns, field.join.sep if field.join else None, field.blank)
    if key not in seen:
        if field.join is not None:
            source = field.join.combine([_text_column(raw[column]) for column in field.columns])
        else:
            source = _text_column(raw[field.columns[0]])
        seen[key] = _distinct(blank_out(source, field.blank))
    return seen[key]


def _map_field(
    entity: str, field: FieldMapping, raw: pd.DataFrame, seen: dict[Any, _Distinct]
) -> tuple[Any, pd.DataFrame | None]:
    distinct = _source(field, raw, seen)
    codes = distinct.codes
    result = run_steps(distinct.values, field.steps, trimmed=field.join is not None)
    values = result.values
    if field.name == "iban" and field.type is FieldType.TEXT:
        values = compact_iban(values)  # the unified store keeps IBANs compact, however mapped
    if field.default is not None:
        blank = np.asarray(values.isna(), dtype=bool) & ~result.failed
        values = _fill(values, blank, field.default)
    column = _spread(values, codes, field.type, field.default)
    if not result.failed.any():
        return column, None
    assert result.reasons is not None and result.problems is not None
    if codes is None:
        rows = np.flatnonzero(result.failed)
        at = rows
    else:
        rows = np.flatnonzero(np.append(result.failed, False)[codes])
        at = codes[rows]
    raw_text = distinct.values.to_numpy(dtype=object)[at]
    reasons = result.reasons[at]
    issues = pd.DataFrame(
        {
            "_source_key": raw[SOURCE_KEY].to_numpy(dtype=object)[rows],
            "rule_id": [f"{entity}.{field.name}.{problem}" for problem in result.problems[at]],
            "severity": "error",
            "field": field.name,
            "value": raw_text,
            "message": [
                f"{field.label} '{text}' {reason}"
                for text, reason in zip(raw_text, reasons, strict=True)
            ],
        },
        columns=ISSUE_COLUMNS,
    ).astype(object)
    return column, issues


def _fill(values: pd.Series, where: npt.NDArray[np.bool_], value: Any) -> pd.Series:
    if not where.any():
        return values
    if isinstance(values.dtype, pd.Int64Dtype):
        filled = values.copy()
        filled[where] = value
        return filled
    array = values.to_numpy(copy=True)
    array[where] = value
    return pd.Series(array, dtype=values.dtype)


def _spread(
    values: pd.Series, codes: npt.NDArray[np.intp] | None, kind: FieldType, fill: Any
) -> Any:
    """The distinct values' results taken back to every row (code -1, a missing raw value,
    gets ``fill``: the default, or missing)."""
    if kind is FieldType.INT:
        array = values.array
        if codes is None:
            return pd.array(array, dtype="Int64")
        taken = array.take(codes, allow_fill=True, fill_value=fill if fill is not None else pd.NA)
        return pd.array(taken, dtype="Int64")
    if kind is FieldType.DATE:
        dates = values.to_numpy(dtype="datetime64[ns]")
        if codes is None:
            return dates
        missing = np.datetime64("NaT", "ns") if fill is None else fill
        return np.append(dates, np.array([missing], dtype="datetime64[ns]"))[codes]
    objects = values.to_numpy(dtype=object)
    if codes is None:
        return objects
    extended = np.empty(len(objects) + 1, dtype=object)
    extended[:-1] = objects
    extended[-1] = fill
    return extended[codes]


def _typed(values: Any, index: pd.Index) -> pd.Series:
    """A column as a Series of exactly its unified dtype (pandas 3 would infer ``str`` for text
    held in an object array)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return pd.Series(values, index=index, dtype=object, copy=False)
    return pd.Series(values, index=index, copy=False)


def _missing(kind: FieldType, size: int) -> Any:
    return _filled(kind, None, size)


def _filled(kind: FieldType, value: Any, size: int) -> Any:
    if kind is FieldType.INT:
        return pd.array([value if value is not None else pd.NA] * size, dtype="Int64")
    if kind is FieldType.DATE:
        return np.full(
            size, value if value is not None else np.datetime64("NaT"), dtype="datetime64[ns]"
        )
    column = np.empty(size, dtype=object)
    column.fill(value)
    return column


def row_hashes(raw: pd.DataFrame, *, table: pa.Table | None = None) -> npt.NDArray[np.object_]:
    """SHA-256 (hex) of each raw record, for lineage.

    The record is hashed as its column names (sorted) and then its values in that order, joined
    by a unit separator, with a missing value marked apart from an empty text; lineage columns
    are left out. So the hash depends only on the record as the source holds it, not on column
    order or on the pandas version. The join runs in Arrow; only the digest is per row.
    """
    names = sorted(str(c) for c in raw.columns if c not in LINEAGE_COLUMNS and c != KEY_REPEATS)
    size = len(raw)
    if size == 0:
        return np.empty(0, dtype=object)
    header = _UNIT.join(names)
    arrays = []
    for name in names:
        if table is not None and name in table.column_names:
            column = table.column(name)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                arrays.append(column.cast(pa.large_string()).combine_chunks())
                continue
        values = raw[name].to_numpy(dtype=object)
        try:
            arrays.append(pa.array(values, type=pa.large_string(), from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array(_text_column(raw[name]).to_numpy(), type=pa.large_string()))
    joined = pc.binary_join_element_wise(
        pa.scalar(header, pa.large_string()),
        *arrays,
        pa.scalar(_UNIT, pa.large_string()),
        null_handling="replace",
        null_replacement=_NONE,
    )
    _, offsets_buffer, data_buffer = joined.buffers()
    blob = data_buffer.to_pybytes() if data_buffer is not None else b""
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[: size + 1].tolist()
    sha256 = hashlib.sha256
    view = memoryview(blob)
    hexes = [sha256(view[a:b]).hexdigest() for a, b in pairwise(offsets)]
    return np.asarray(hexes, dtype=object)
