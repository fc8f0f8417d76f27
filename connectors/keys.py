"""Source keys: built from the declared key's columns and positions, and kept unique.

``SourceKeys`` lives for one extraction of one entity. Each chunk's keys are built in Arrow
(column parts joined by ``|``; a row whose key columns are all missing is keyed by a hash of its
content), with the positional parts counted across chunks. A key seen before is found while the
rows stream, before anything is staged: its later rows get a key of their own (``KEY#2``,
``KEY#3``…) and ``_key_repeats`` names both rows' positions, and the mapping turns each such row
into a ``<entity>.source_key.unique`` issue. The first row keeps the key.

Keys are remembered as 64-bit hashes with their first row, in pandas' C hash table (about 27
bytes a row), so a ledger of five million lines costs some 135 MiB, not a set of strings. Two
different keys share a hash with a probability below 1e-6 at ten million keys; were it to
happen, a row would be flagged as a repeat by mistake, in the quarantine, not lost.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas._libs import hashtable  # type: ignore[attr-defined]  # pandas' C hash table

from consolidation.core.sources import KeyPart, KeyPosition
from consolidation.core.types import KEY_REPEATS, SOURCE_KEY


class SourceKeys:
    """Builds one entity's source keys chunk by chunk and flags repeated ones."""

    def __init__(self, key: list[KeyPart]) -> None:
        self.key = key
        self.rows = 0
        self._ordinals: list[dict[tuple[Any, ...], int]] = [
            {} for part in key if isinstance(part, KeyPosition)
        ]
        self._seen = _SeenKeys()
        self._repeats: dict[int, int] = {}  # hash → occurrences, of the keys seen twice

    def add_to(self, table: pa.Table) -> pa.Table:
        """``table`` with ``_source_key`` (and ``_key_repeats`` where a key repeats)."""
        first_row = self.rows + 1
        self.rows += table.num_rows
        keys = self._build(table, first_row)
        keys, repeats = self._unique(keys, first_row)
        table = table.append_column(SOURCE_KEY, keys)
        if repeats is not None:
            table = table.append_column(KEY_REPEATS, repeats)
        return table

    def _build(self, table: pa.Table, first_row: int) -> pa.Array:
        parts: list[pa.Array] = []
        ordinal = 0
        for part in self.key:
            if isinstance(part, str):
                parts.append(table.column(part).combine_chunks())
                continue
            if part.row_number:
                numbers = np.arange(first_row, first_row + table.num_rows)
            else:
                numbers = self._ordinal(table, part.ordinal_within or [], ordinal)
            ordinal += part.ordinal_within is not None
            parts.append(pa.array(numbers.astype(str), type=pa.string()))
        return _joined(table, parts, [isinstance(part, str) for part in self.key])

    def _ordinal(self, table: pa.Table, columns: list[str], which: int) -> npt.NDArray[np.int64]:
        """Each row's 1-based ordinal among the rows with its values in ``columns``, counted
        from the entity's first row (a dict per group: as many entries as groups)."""
        counts = self._ordinals[which]
        groups = zip(*(table.column(c).to_pylist() for c in columns), strict=True)
        out = np.empty(table.num_rows, dtype=np.int64)
        for position, group in enumerate(groups):
            counts[group] = counts.get(group, 0) + 1
            out[position] = counts[group]
        return out

    def _unique(self, keys: pa.Array, first_row: int) -> tuple[pa.Array, pa.Array | None]:
        hashes = _hash(keys)
        rows = np.arange(first_row, first_row + len(hashes), dtype=np.int64)
        earlier = self._seen.lookup(hashes)  # a key of an earlier chunk: its first row
        again = np.asarray(pd.Index(hashes).duplicated(keep="first"), dtype=bool)
        new = (earlier < 0) & ~again
        self._seen.add(hashes[new], rows[new])
        repeated = np.flatnonzero(~new)
        if not len(repeated):
            return keys, None
        firsts = self._seen.lookup(hashes[repeated])  # now every first row is known
        texts = keys.to_pylist()
        notes: list[str | None] = [None] * len(texts)
        for position, first in zip(repeated.tolist(), firsts.tolist(), strict=True):
            value = int(hashes[position])
            times = self._repeats.get(value, 1) + 1
            self._repeats[value] = times
            notes[position] = f"rows {first} and {rows[position]}"
            texts[position] = f"{texts[position]}#{times}"
        return pa.array(texts, type=pa.string()), pa.array(notes, type=pa.string())


class _SeenKeys:
    """Hashes of the keys seen, each with its first row, in pandas' C hash table (khash):
    about 27 bytes a key, a lookup or an insert about 0.3 µs a row whatever the size. A
    Python dict would take some 100 bytes a key; sorted numpy runs searched per chunk cost
    0.8 µs a row at five million keys, and a merge of two runs doubled the memory for a
    moment (docs/benchmarks.md)."""

    def __init__(self) -> None:
        self._table = hashtable.Int64HashTable(1 << 16)

    def add(self, hashes: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64]) -> None:
        if len(hashes):
            self._table.map_keys_to_values(hashes.view(np.int64), rows)

    def lookup(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """The first row of each hash seen before, -1 for a new one."""
        if not len(hashes):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._table.lookup(hashes.view(np.int64)), dtype=np.int64)


def _joined(table: pa.Table, parts: list[pa.Array], from_columns: list[bool]) -> pa.Array:
    """Key parts joined by '|'; a row whose column parts are all missing is keyed by a hash of
    its content (a record without a key still gets one, stable for the same content)."""
    if len(parts) == 1:
        keys = parts[0]
    else:
        keys = pc.binary_join_element_wise(
            *parts, "|", null_handling="replace", null_replacement=""
        )
    columns = [p for p, is_column in zip(parts, from_columns, strict=True) if is_column]
    if not columns:
        return keys
    missing = columns[0].is_null()
    for part in columns[1:]:
        missing = pc.and_(missing, part.is_null())
    if not pc.any(missing).as_py():
        return keys
    texts = keys.to_pylist()
    rows = table.filter(missing).to_pylist()
    positions = [
        p.to_pylist() for p, is_column in zip(parts, from_columns, strict=True) if not is_column
    ]
    for position, row in zip(
        np.flatnonzero(missing.to_numpy(zero_copy_only=False)), rows, strict=True
    ):
        content = _content_key(tuple(row.values()))
        texts[position] = "|".join([content, *(str(p[position]) for p in positions)])
    return pa.array(texts, type=pa.string())


def _content_key(row: tuple[Any, ...]) -> str:
    text = "\x1f".join("" if value is None else str(value) for value in row)
    return "#" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _hash(keys: pa.Array) -> npt.NDArray[np.uint64]:
    values = keys.to_numpy(zero_copy_only=False)
    return np.asarray(pd.util.hash_array(values, categorize=False), dtype=np.uint64)
