"""Source keys: built from the declared key's columns and positions, and kept unique.

``SourceKeys`` lives for one extraction of one entity. Each chunk's keys are built in Arrow
(column parts joined by ``|``; a row whose key columns are all missing is keyed by a hash of its
content), with the positional parts counted across chunks. A key seen before is found while the
rows stream, before anything is staged: its later rows get a key of their own (``KEY#2``,
``KEY#3``…) and ``_key_repeats`` names both rows' positions, and the mapping turns each such row
into a ``<entity>.source_key.unique`` issue. The first row keeps the key.

Keys are remembered as 64-bit hashes with their first row (12 bytes a row, in a few sorted
arrays merged as they grow), so a ledger of millions of lines costs tens of megabytes, not a set
of strings. Two different keys share a hash with a probability below 1e-6 at ten million keys;
were it to happen, a row would be flagged as a repeat by mistake, in the quarantine, not lost.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
        self._repeats: dict[int, tuple[int, int]] = {}  # hash → (first row, occurrences)

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
        earlier = self._seen.first_rows(hashes)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        again = np.zeros(len(hashes), dtype=bool)
        again[order[1:]] = ordered[1:] == ordered[:-1]
        repeated = np.flatnonzero((earlier > 0) | again)
        self._seen.add(hashes[~again & (earlier == 0)], rows[~again & (earlier == 0)])
        if not len(repeated):
            return keys, None
        texts = keys.to_pylist()
        notes: list[str | None] = [None] * len(texts)
        first_in_chunk: dict[int, int] = {}
        for position in np.flatnonzero(~again & (earlier == 0)):
            first_in_chunk.setdefault(int(hashes[position]), int(rows[position]))
        for position in repeated:
            value = int(hashes[position])
            first, times = self._repeats.get(value, (0, 1))
            if not first:
                first = int(earlier[position]) or first_in_chunk[value]
            times += 1
            self._repeats[value] = (first, times)
            notes[position] = f"rows {first} and {rows[position]}"
            texts[position] = f"{texts[position]}#{times}"
        return pa.array(texts, type=pa.string()), pa.array(notes, type=pa.string())


class _SeenKeys:
    """Hashes of the keys seen, each with its first row, in sorted runs merged like a binary
    counter: adding n keys costs O(n log n) in all, a lookup a binary search per run."""

    def __init__(self) -> None:
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []

    def add(self, hashes: npt.NDArray[np.uint64], rows: npt.NDArray[np.int64]) -> None:
        if not len(hashes):
            return  # a chunk of repeats only: nothing new, and no empty run to search
        order = np.argsort(hashes, kind="stable")
        run = (hashes[order], rows[order])
        while self._runs and len(self._runs[-1][0]) <= len(run[0]):
            top = self._runs.pop()
            merged_hashes = np.concatenate([top[0], run[0]])
            merged_rows = np.concatenate([top[1], run[1]])
            order = np.argsort(merged_hashes, kind="stable")
            run = (merged_hashes[order], merged_rows[order])
        self._runs.append(run)

    def first_rows(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """The first row of each hash seen before, 0 for a new one."""
        found = np.zeros(len(hashes), dtype=np.int64)
        for run_hashes, run_rows in self._runs:
            at = np.searchsorted(run_hashes, hashes).clip(max=len(run_hashes) - 1)
            hit = (run_hashes[at] == hashes) & (found == 0)
            found[hit] = run_rows[at[hit]]
        return found


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
