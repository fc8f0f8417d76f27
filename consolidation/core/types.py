"""Boundary types that flow between the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from consolidation.core.money import ZERO, AmountSum

SOURCE_KEY = "_source_key"
KEY_REPEATS = "_key_repeats"
"""On a raw record whose source key an earlier record already had: both rows' positions."""
"""The column every raw chunk carries: the record's stable key within its source entity."""

CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class ReadLimits:
    """What a file source may hold before it is parsed, so a hostile file is refused in one
    line instead of eating memory and time (settings ``sources.*``)."""

    workbook_max_part_bytes: int = 2 * 1024**3
    """The uncompressed size of any one part of an .xlsx (a sheet's XML)."""
    workbook_max_ratio: int = 100
    """How far a part of over 1 MiB may be compressed; sheet XML reaches about 10 to 30."""
    workbook_max_rows: int = 5_000_000
    workbook_max_columns: int = 2_000
    csv_max_field_chars: int = 100_000
    """The longest value one CSV field may hold."""


"""How many records a connector yields per chunk unless told otherwise."""

CONTROL_ROLES = ("debit", "credit", "salary")
"""The amounts whose sums are kept as control totals on a batch."""


@dataclass(frozen=True)
class RawChunk:
    """A chunk of raw records as an Arrow table whose every column is text (null for missing),
    a ``_source_key`` column among them. ``frame`` is the same records as a DataFrame of
    ``str``/``None``, made only when asked for: the pipeline writes the table as it is."""

    source: str
    entity: str
    number: int
    table: pa.Table

    @classmethod
    def of_frame(cls, source: str, entity: str, number: int, frame: pd.DataFrame) -> RawChunk:
        return cls(source, entity, number, text_table(frame))

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    @cached_property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: pd.Series(
                    self.table.column(name).to_numpy(zero_copy_only=False), dtype=object
                )
                for name in self.table.column_names
            }
        )


def text_array(series: pd.Series) -> pa.Array:
    """An object column as Arrow text, missing values null: text converts in C, other values
    (``Decimal`` amounts, exact) through ``str()``."""
    values = series.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        present = np.asarray(pd.notna(values), dtype=bool)
        texts = np.full(len(values), None, dtype=object)
        texts[present] = list(map(str, values[present]))
        return pa.array(texts, type=pa.string(), from_pandas=True)


def text_table(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame as an Arrow table of text columns (see ``text_array``)."""
    return pa.table({str(name): text_array(frame[name]) for name in frame.columns})


@dataclass
class ControlTotals:
    """What a source says it holds: row count and exact sums of the declared amount columns."""

    rows: int = 0
    amounts: dict[str, AmountSum] = field(default_factory=dict)

    def add_chunk(self, table: pa.Table, control: dict[str, str]) -> None:
        self.rows += table.num_rows
        for role, column in control.items():
            running = self.amounts.setdefault(role, AmountSum())
            running.add_array(table.column(column))

    def merge(self, other: ControlTotals) -> None:
        self.rows += other.rows
        for role, running in other.amounts.items():
            self.amounts.setdefault(role, AmountSum()).merge(running)

    def amount(self, role: str) -> Decimal:
        running = self.amounts.get(role)
        return running.total if running else ZERO

    def unparseable(self) -> int:
        return sum(running.unparseable for running in self.amounts.values())


class ProgressSink(Protocol):
    """Where long work reports its progress (a Rich bar on a terminal, plain lines in CI)."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """Progress nobody watches."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass
