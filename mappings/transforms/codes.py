"""Steps that translate codes: ``code`` (a map written in the mapping file) and ``lookup`` (a CSV
table beside it)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

import numpy as np
import pandas as pd

from mappings.transforms.base import (
    SPACES,
    BoolArray,
    ParamError,
    Step,
    StepResult,
    ValueFailure,
    non_blank,
    object_text,
    reasons_at,
)


def _listing(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" … ({len(values)} in all)" if len(values) > limit else "")


@dataclass(frozen=True)
class _Translate(Step):
    """Replace each value by its entry in ``table`` (keys trimmed); a value that is not a key is a
    failure. An entry may map to None (blank) on purpose."""

    table: Mapping[str, str | None]
    ignore_case: bool

    @abstractmethod
    def missing(self, size: int, mask: BoolArray) -> ValueFailure: ...

    def apply(self, values: pd.Series) -> StepResult:
        keys = object_text(values.str.strip(SPACES))
        if self.ignore_case:
            keys = object_text(keys.str.casefold())
        known = np.asarray(keys.isin(list(self.table)), dtype=bool)
        mapped = keys.map(self.table).where(known, None)
        result = object_text(mapped)
        bad = non_blank(keys) & ~known
        if not bad.any():
            return StepResult(result)
        return StepResult(result, (self.missing(len(keys), bad),))


def _keyed(table: Mapping[str, str | None], ignore_case: bool, param: str) -> dict[str, str | None]:
    keyed: dict[str, str | None] = {}
    for key, value in table.items():
        clean = key.strip(SPACES)
        if ignore_case:
            clean = clean.casefold()
        value = value.strip(SPACES) or None if value is not None else None
        if clean in keyed and keyed[clean] != value:
            raise ParamError(
                param, f"key {key!r} appears twice (after trimming/case) with different values"
            )
        keyed[clean] = value
    return keyed


@dataclass(frozen=True)
class Code(_Translate):
    """Translate source codes by ``map`` (keys matched after trim; exactly, or ignoring case with
    ``ignore_case: true``). An unmapped non-blank code is an ``unmapped_code`` issue."""

    name: ClassVar[str] = "code"
    params: ClassVar[tuple[str, ...]] = ("map", "ignore_case")

    @classmethod
    def build(cls, table: Mapping[str, str | None] | None, ignore_case: bool = False) -> Code:
        if not table:
            raise ParamError("map", "'code' needs 'map', e.g. {M: male, F: female}")
        return cls(MappingProxyType(_keyed(table, ignore_case, "map")), ignore_case)

    def missing(self, size: int, mask: BoolArray) -> ValueFailure:
        known = _listing(sorted(self.table))
        reason = f"is not one of the codes the mapping knows ({known})"
        return ValueFailure("unmapped_code", mask, reasons_at(size, mask, reason))


@lru_cache(maxsize=64)
def _read_table(path: Path, stamp: tuple[int, int]) -> pd.DataFrame:
    """A lookup CSV as text; cached per file version (``stamp`` is its mtime and size)."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False
    )


def read_lookup(path: Path, key: str, value: str) -> dict[str, str | None]:
    """The ``key`` → ``value`` pairs of a lookup CSV (UTF-8, header row), read once per version."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ParamError("table", f"lookup table {path} does not exist") from None
    try:
        frame = _read_table(path.resolve(), (stat.st_mtime_ns, stat.st_size))
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = " ".join(str(exc).split())
        raise ParamError("table", f"lookup table {path} is not a UTF-8 CSV: {message}") from None
    for param, column in (("key", key), ("value", value)):
        if column not in frame.columns:
            raise ParamError(
                param,
                f"lookup table {path.name} has no column {column!r}; "
                f"it has: {', '.join(map(str, frame.columns))}",
            )
    pairs: dict[str, str | None] = {}
    for line, (k, v) in enumerate(zip(frame[key], frame[value], strict=True), start=2):
        k, v = k.strip(SPACES), v.strip(SPACES)
        if k in pairs and pairs[k] != (v or None):
            raise ParamError(
                "table",
                f"lookup table {path.name} line {line}: key {k!r} appears again with another value",
            )
        pairs[k] = v or None
    return pairs


@dataclass(frozen=True)
class Lookup(_Translate):
    """Translate through a CSV table beside the mapping file (``table``, ``key`` and ``value``
    columns). A non-blank value absent from the table is a ``lookup_missing`` issue."""

    name: ClassVar[str] = "lookup"
    params: ClassVar[tuple[str, ...]] = ("table", "key", "value", "ignore_case")
    source: str = ""
    key_column: str = ""

    @classmethod
    def build(
        cls,
        base_dir: Path,
        table: str | None,
        key: str | None,
        value: str | None,
        ignore_case: bool = False,
    ) -> Lookup:
        for param, given in (("table", table), ("key", key), ("value", value)):
            if not given:
                raise ParamError(
                    param, f"'lookup' needs 'table', 'key' and 'value'; '{param}' is missing"
                )
        assert table and key and value
        pairs = read_lookup(base_dir / table, key, value)
        return cls(MappingProxyType(_keyed(pairs, ignore_case, "table")), ignore_case, table, key)

    def missing(self, size: int, mask: BoolArray) -> ValueFailure:
        reason = f"is not in the lookup table {self.source} (column {self.key_column})"
        return ValueFailure("lookup_missing", mask, reasons_at(size, mask, reason))
