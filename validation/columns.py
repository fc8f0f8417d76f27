"""How rules read a mapped chunk: text as Arrow strings, presence, codes, exact fils and amounts,
and a verdict as the Series ``@rule`` returns."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from consolidation.core.money import AmountError, to_fils
from validation.context import KeyIndex

BoolArray = npt.NDArray[np.bool_]

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
