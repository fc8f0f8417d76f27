"""What the rules need to know beyond the rows themselves: today, thresholds and reference sets.

The pipeline builds one context per source and batch. A reference set left at its default is not
checked: an empty ``org_units``/``jobs``/``employees``/``grade_bands`` means "unknown", and
``None`` for ``entries``/``crosswalk``/``open_periods`` means "this source has none". An empty set
for one of the ``None``-able sets is a real answer: nothing is known, so every value fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd


class KeyIndex:
    """A compact set of text keys, each with an optional label: a source's journal entry
    numbers (a million and more) and their periods. A key is kept as its 64-bit hash (8 bytes,
    2 more for its label) instead of a Python string in a set and a dict (about 250 bytes), so
    memory stays flat as the source grows. Two different keys share a hash with a probability
    below 1e-6 at ten million keys; were it to happen, a line naming a missing entry would pass
    this check and the staging join, which resolves every entry for real, stops the batch."""

    def __init__(self) -> None:
        self._pending: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int16]]] = []
        self._hashes = np.empty(0, dtype=np.uint64)
        self._labels = np.empty(0, dtype=np.int16)
        self._names: list[str | None] = [None]
        self._codes: dict[str | None, int] = {None: 0}

    @classmethod
    def of(cls, keys: Iterable[str]) -> KeyIndex:
        index = cls()
        index.add(pd.Series(list(keys), dtype=object))
        return index

    def add(self, keys: pd.Series, labels: pd.Series | None = None) -> None:
        """Add keys (missing ones are skipped), with a label each (the last one added wins)."""
        keep = np.asarray(keys.notna(), dtype=bool)
        if labels is None:
            codes = np.zeros(int(keep.sum()), dtype=np.int16)
        else:
            texts = labels[keep].astype(object).where(labels[keep].notna(), None).tolist()
            for text in set(texts) - self._codes.keys():
                self._codes[text] = len(self._names)
                self._names.append(text)
            codes = np.array([self._codes[t] for t in texts], dtype=np.int16)
        self._pending.append((_hash(keys[keep]), codes))

    def _merged(self) -> None:
        if not self._pending:
            return
        hashes = np.concatenate([self._hashes, *(h for h, _ in self._pending)])
        labels = np.concatenate([self._labels, *(c for _, c in self._pending)])
        self._pending.clear()
        # the last label given to a key wins: keep each hash's last occurrence
        order = np.argsort(hashes[::-1], kind="stable")
        unique, first = np.unique(hashes[::-1][order], return_index=True)
        self._hashes, self._labels = unique, labels[::-1][order][first]

    def __len__(self) -> int:
        self._merged()
        return len(self._hashes)

    def _positions(self, values: pd.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
        self._merged()
        present = np.asarray(values.notna(), dtype=bool)
        found = np.zeros(len(values), dtype=bool)
        positions = np.zeros(len(values), dtype=np.intp)
        if len(self._hashes) and present.any():
            hashes = _hash(values[present])
            at = np.searchsorted(self._hashes, hashes).clip(max=len(self._hashes) - 1)
            hit = self._hashes[at] == hashes
            found[np.flatnonzero(present)[hit]] = True
            positions[np.flatnonzero(present)] = at
        return found, positions

    def contains(self, values: pd.Series) -> npt.NDArray[np.bool_]:
        """Where each value is a key; missing values are not."""
        return self._positions(values)[0]

    def labels(self, values: pd.Series) -> pd.Series:
        """Each value's label, None where the value is not a key or has no label."""
        found, positions = self._positions(values)
        names = np.array(self._names, dtype=object)
        codes = np.where(found, self._labels[positions] if len(self._labels) else 0, 0)
        return pd.Series(names[codes], index=values.index, dtype=object)


def _hash(values: pd.Series) -> npt.NDArray[np.uint64]:
    text = np.asarray(values.astype(str), dtype=object)
    return np.asarray(pd.util.hash_array(text, categorize=False), dtype=np.uint64)


def key_hashes(values: pd.Series | pd.Index) -> npt.NDArray[np.uint64]:
    """Each text value's 64-bit hash (the hash ``KeyIndex`` keeps)."""
    return _hash(pd.Series(values, dtype=object) if isinstance(values, pd.Index) else values)


def repeated_among(
    parts: list[npt.NDArray[np.uint64]], included: list[npt.NDArray[np.bool_]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """Of hashes kept chunk by chunk, the positions (counted over all chunks) of the included
    ones that occur more than once among the included, and those hashes. Found by sorting one
    copy of the included hashes, so millions of rows take 8 bytes each for a moment."""
    pool = np.concatenate([h[k] for h, k in zip(parts, included, strict=True)] or [_NO_HASHES])
    pool.sort()
    values = np.unique(pool[1:][pool[1:] == pool[:-1]])
    del pool
    positions, hashes = [np.zeros(0, dtype=np.int64)], [_NO_HASHES]
    offset = 0
    for part, keep in zip(parts, included, strict=True):
        if len(values):
            at = np.searchsorted(values, part).clip(max=len(values) - 1)
            hit = np.flatnonzero((values[at] == part) & keep)
            positions.append(hit.astype(np.int64) + offset)
            hashes.append(part[hit])
        offset += len(part)
    return np.concatenate(positions), np.concatenate(hashes)


_NO_HASHES = np.zeros(0, dtype=np.uint64)


@dataclass
class ValidationContext:
    """Today's date, the age threshold and the codes that exist in the same source."""

    reference_date: date
    """"Today" for the rules: no hire or entry date may lie after it."""
    min_age_at_hire: int = 18
    grade_bands: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """Grade code → (minimum, maximum) base salary, from the source's grades."""
    org_units: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    employees: set[str] = field(default_factory=set)
    entries: set[str] | KeyIndex | None = None
    """Journal entry numbers with a header, when the source has entry headers."""
    crosswalk: set[str] | None = None
    """Source account codes of this ministry that the chart crosswalk maps."""
    open_periods: set[str] | None = None
    """Open posting periods, 'YYYY-MM'."""
    declared_years: set[int] | None = None
    """Fiscal years the calendar declares (open, closed or migration); a period of another
    year is counted in ``undeclared`` instead of failing its row. None: no such check."""
    undeclared: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Rows per (entity, year) whose fiscal year the calendar does not declare."""
    spill_dir: Path | None = None
    """Where the checks across chunks keep what they read back at the end (the duplicate
    checks' keys); the system's temporary folder when unset."""

    @property
    def today(self) -> str:
        return self.reference_date.isoformat()

    @property
    def end_of_today(self) -> datetime:
        """The first instant after the reference date: a date is in the future from here on."""
        return datetime.combine(self.reference_date + timedelta(days=1), time())
