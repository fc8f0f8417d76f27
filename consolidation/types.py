"""Boundary types that flow between the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from consolidation.money import ZERO, AmountSum

SOURCE_KEY = "_source_key"
"""The column every raw chunk carries: the record's stable key within its source entity."""

CONTROL_ROLES = ("debit", "credit", "salary")
"""The amounts whose sums are kept as control totals on a batch."""


@dataclass(frozen=True)
class RawChunk:
    """A chunk of raw records, every value text or missing, plus a ``_source_key`` column."""

    source: str
    entity: str
    number: int
    frame: pd.DataFrame

    @property
    def rows(self) -> int:
        return len(self.frame)


@dataclass
class ControlTotals:
    """What a source says it holds: row count and exact sums of the declared amount columns."""

    rows: int = 0
    amounts: dict[str, AmountSum] = field(default_factory=dict)

    def add_chunk(self, frame: pd.DataFrame, control: dict[str, str]) -> None:
        self.rows += len(frame)
        for role, column in control.items():
            running = self.amounts.setdefault(role, AmountSum())
            running.add_texts(frame[column].tolist())

    def merge(self, other: ControlTotals) -> None:
        self.rows += other.rows
        for role, running in other.amounts.items():
            self.amounts.setdefault(role, AmountSum()).merge(running)

    def amount(self, role: str) -> Decimal:
        running = self.amounts.get(role)
        return running.total if running else ZERO

    def unparseable(self) -> int:
        return sum(running.unparseable for running in self.amounts.values())
