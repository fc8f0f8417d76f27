"""Blocking, shared by person and vendor matching: integer codes of columns, and the candidate
pairs of rows sharing a block (vectorized, never all pairs of a frame)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.matching.exceptions import MatchingError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def require_block_sizes(config: object, *names: str) -> None:
    """Block and group limits below 2 would match nothing: a configuration mistake."""
    for name in names:
        if getattr(config, name) < 2:
            raise MatchingError(
                f"{type(config).__name__}.{name} must be at least 2, got {getattr(config, name)}"
            )


def codes_of(values: pd.Series | npt.NDArray[np.object_]) -> IntArray:
    """Integer codes of a column's values, -1 where missing."""
    codes, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


def combine_codes(*codes: IntArray) -> IntArray:
    """The code of a tuple of codes; -1 where any part is missing."""
    combined = codes[0].copy()
    for part in codes[1:]:
        missing = (combined < 0) | (part < 0)
        merged = combined * (int(part.max(initial=0)) + 1) + part
        combined, _ = pd.factorize(merged)
        combined = combined.astype(np.int64)
        combined[missing] = -1
    return combined


def block_pairs(codes: IntArray, max_block: int) -> tuple[IntArray, IntArray, int]:
    """Every pair of rows sharing a block code (a < b), skipping blocks above ``max_block``.

    Rows are sorted by block; the pairs at offset d are the rows d apart in the same block,
    so the work is one vectorized comparison per offset, never all pairs of the frame.
    Returns the pairs and how many oversized blocks were skipped.
    """
    rows = np.flatnonzero(codes >= 0)
    if len(rows) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0
    order = np.argsort(codes[rows], kind="stable")
    rows, block = rows[order], codes[rows][order]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    counts = np.diff(np.r_[starts, len(block)])
    sizes = np.repeat(counts, counts)
    oversized = int((counts > max_block).sum())
    keep = (sizes >= 2) & (sizes <= max_block)
    rows, block = rows[keep], block[keep]
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    widest = int(counts[counts <= max_block].max(initial=1))
    for offset in range(1, widest):
        same = block[:-offset] == block[offset:]
        if not same.any():
            break
        firsts.append(rows[:-offset][same])
        seconds.append(rows[offset:][same])
    if not firsts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, oversized
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    return np.minimum(a, b), np.maximum(a, b), oversized


def unique_pairs(pairs: Iterable[tuple[IntArray, IntArray]], n: int) -> tuple[IntArray, IntArray]:
    """The union of several pair sets, each pair once."""
    encoded = [a * n + b for a, b in pairs if len(a)]
    if not encoded:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    flat = np.sort(np.concatenate(encoded))
    flat = flat[np.r_[True, flat[1:] != flat[:-1]]]
    return flat // n, flat % n
