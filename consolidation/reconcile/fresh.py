"""The source since its extraction: each finance source is read again, live, and its ledger is
compared with the raw record of the batch the store stands on, per account and period and then
line by line through each row's hash, so a change at the source is located to its key.

Both sides go through the same mapping, chunk by chunk (a streaming pass, for every kind of
source): only one hash per line of the extraction is held, and the values of the lines found
changed are read again at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors import open_connector
from consolidation.core import rawstore
from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import RawChunkFile
from consolidation.core.sources import SourcesConfig
from consolidation.core.types import SOURCE_KEY, ProgressSink
from consolidation.core.unified import ROW_HASH
from consolidation.reconcile.exceptions import ReconcileError
from consolidation.reconcile.ledger import NO_PERIOD, Cells, SourceBatch
from consolidation.reconcile.model import (
    Cell,
    Comparison,
    Difference,
    DifferenceKind,
    Figures,
    LineDifference,
    Scope,
)
from consolidation.staging import source_mapping
from mappings import EntityMapping, apply_mapping

Line = tuple[str, str, Decimal | None, Decimal | None]
"""A mapped line's account, period, debit and credit."""


def _mapped(mapping: EntityMapping, chunks: Iterator[Any]) -> Iterator[pd.DataFrame]:
    for chunk in chunks:
        yield apply_mapping(mapping, chunk.frame, table=chunk.table).frame


def _periods(frames: Iterator[pd.DataFrame]) -> dict[str, str]:
    periods: dict[str, str] = {}
    for frame in frames:
        for entry, period in zip(frame["entry_no"], frame["period"], strict=True):
            if entry is not None and isinstance(period, str):
                periods[str(entry)] = period
    return periods


def _lines(frame: pd.DataFrame, periods: dict[str, str]) -> Iterator[tuple[str, str, Line]]:
    """(key, row hash, line) of a mapped chunk of lines."""
    columns = [
        frame[c]
        for c in (SOURCE_KEY, ROW_HASH, "account_code", "period", "entry_no", "debit", "credit")
    ]
    for key, digest, account, period, entry, debit, credit in zip(*columns, strict=True):
        own = period if isinstance(period, str) else periods.get(str(entry), NO_PERIOD)
        yield str(key), str(digest), (str(account or ""), own, _dec(debit), _dec(credit))


def _one(line: Line) -> Figures:
    figures = Figures()
    figures.add(1, line[2], line[3])
    return figures


def _dec(value: Any) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


class _Side:
    """One side's mapped journal lines, read chunk by chunk."""

    def __init__(self, entry: EntityMapping | None, lines: EntityMapping, chunks: Any) -> None:
        self.entry = entry
        self.lines = lines
        self.chunks = chunks
        """raw entity → an iterator of its raw chunks (called once per pass)."""

    def periods(self) -> dict[str, str]:
        if self.entry is None:
            return {}
        return _periods(_mapped(self.entry, self.chunks(self.entry.raw_entity)))

    def frames(self) -> Iterator[pd.DataFrame]:
        return _mapped(self.lines, self.chunks(self.lines.raw_entity))


def _entity(mappings: list[EntityMapping], target: str) -> EntityMapping | None:
    return next((m for m in mappings if m.target == target and not m.distinct), None)


def fresh_cells(
    session: Session,
    batches: list[SourceBatch],
    config: SourcesConfig,
    raw_dir: Path,
    mappings_dir: Path,
    scope: Scope,
    progress: ProgressSink,
) -> tuple[list[Cell], list[Difference]]:
    cells = Cells(Comparison.LEDGER_SOURCE_FRESH, {})
    differences: list[Difference] = []
    for batch in batches:
        if batch.source_system not in config.sources:
            raise ReconcileError(
                f"source {batch.source_system!r} is not in the sources config "
                "it cannot be read again"
            )
        spec = config.source(batch.source_system)
        mapping = source_mapping(mappings_dir, batch.source_system, spec)
        lines = _entity(list(mapping.entities), "journal_line")
        if lines is None:
            continue
        entry = _entity(list(mapping.entities), "journal_entry")
        paths: dict[str, list[str]] = {}
        for raw_entity, path in session.execute(
            sa.select(RawChunkFile.entity, RawChunkFile.path)
            .filter_by(batch_id=batch.batch_id)
            .order_by(RawChunkFile.entity, RawChunkFile.number)
        ):
            paths.setdefault(raw_entity, []).append(path)

        def extracted(
            raw_entity: str, system: str = batch.source_system, paths: dict[str, list[str]] = paths
        ) -> Iterator[Any]:
            for path in paths.get(raw_entity, []):
                yield rawstore.read_chunk(raw_dir, path, source=system)

        def live(
            raw_entity: str, system: str = batch.source_system, spec: Any = spec
        ) -> Iterator[Any]:
            try:
                connector = open_connector(system, spec, base_dir=config.base_dir)
                with connector:
                    yield from connector.extract(raw_entity)
            except ConsolidationError as exc:
                raise ReconcileError(f"source {system}: cannot be read again: {exc}") from exc

        _compare(
            batch,
            _Side(entry, lines, extracted),
            _Side(entry, lines, live),
            cells,
            differences,
            progress,
        )
    kept = cells.within(scope)
    keys = {(c.ministry, c.account, c.period) for c in kept}
    return kept, [d for d in differences if (d.ministry, d.account, d.period) in keys]


def _compare(
    batch: SourceBatch,
    extracted: _Side,
    live: _Side,
    cells: Cells,
    differences: list[Difference],
    progress: ProgressSink,
) -> None:
    hashes: dict[str, str] = {}
    periods = extracted.periods()
    for frame in extracted.frames():
        for key, digest, (account, period, debit, credit) in _lines(frame, periods):
            hashes[key] = digest
            cells.get(batch.ministry, account, period).right.add(1, debit, credit)
    now: dict[str, Line] = {}
    periods = live.periods()
    for frame in live.frames():
        for key, digest, line in _lines(frame, periods):
            account, period, debit, credit = line
            cells.get(batch.ministry, account, period).left.add(1, debit, credit)
            before = hashes.pop(key, None)
            if before != digest:
                now[key] = line
        progress.advance(len(frame))
    gone = set(hashes)
    if not now and not gone:
        return
    then: dict[str, Line] = {}
    periods = extracted.periods()
    for frame in extracted.frames():
        for key, _, line in _lines(frame, periods):
            if key in now or key in gone:
                then[key] = line
    for key in sorted(set(now) | gone):
        old, new = then.get(key), now.get(key)
        kind = (
            DifferenceKind.ADDED_AT_SOURCE
            if old is None
            else DifferenceKind.REMOVED_AT_SOURCE
            if new is None
            else DifferenceKind.CHANGED_AT_SOURCE
        )
        for account, period in dict.fromkeys(line[:2] for line in (new, old) if line):
            left = _one(new) if new and new[:2] == (account, period) else Figures()
            right = _one(old) if old and old[:2] == (account, period) else Figures()
            differences.append(
                Difference(
                    Comparison.LEDGER_SOURCE_FRESH,
                    batch.ministry,
                    account,
                    period,
                    kind,
                    key,
                    batch.source_system,
                    left,
                    right,
                    [
                        LineDifference(
                            key,
                            account,
                            new[2] if new else None,
                            new[3] if new else None,
                            old[2] if old else None,
                            old[3] if old else None,
                        )
                    ],
                    f"source line {key} of {batch.source_system}: {kind.value} "
                    f"since batch {batch.batch_id}",
                )
            )
