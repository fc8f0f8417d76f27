"""What extraction recorded: batches with their row accounting and control totals, their raw
files' integrity, and the original source record behind a unified row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import rawstore
from consolidation.core.money import control_text
from consolidation.core.schema import Batch, Ministry, RawChunkFile, SourceSystem
from consolidation.extract.exceptions import ExtractError


class BatchRecords:
    """What extraction recorded in one store, read as central IT reads it."""

    def __init__(self, engine: sa.Engine, raw_dir: Path) -> None:
        self.engine = engine
        self.raw_dir = raw_dir

    def recent(self, *, limit: int | None = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Batches, newest first, a page at a time (``limit`` None for all)."""
        with Session(self.engine) as session:
            query = (
                sa.select(Batch, SourceSystem.code, Ministry.code)
                .join(SourceSystem, Batch.source_system_id == SourceSystem.id)
                .join(Ministry, SourceSystem.ministry_id == Ministry.id)
                .order_by(Batch.id.desc())
                .offset(offset)
                .limit(limit)
            )
            return [
                batch_dict(batch, source, ministry)
                for batch, source, ministry in session.execute(query)
            ]

    def count(self) -> int:
        """How many batches there are."""
        with Session(self.engine) as session:
            return int(session.execute(sa.select(sa.func.count(Batch.id))).scalar_one())

    def show(self, batch_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One batch, with its row accounting and control totals per entity."""
        with Session(self.engine) as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise ExtractError(f"no batch {batch_id}")
            system = batch.source_system
            entities = [
                {
                    "entity": e.entity,
                    "rows_extracted": e.rows_extracted,
                    "rows_staged": e.rows_staged,
                    "rows_quarantined": e.rows_quarantined,
                    "rows_rejected": e.rows_rejected,
                    "rows_withdrawn": e.rows_withdrawn,
                    "control_debit_amount": control_text(e.control_debit_amount),
                    "control_credit_amount": control_text(e.control_credit_amount),
                    "control_salary_amount": control_text(e.control_salary_amount),
                    "control_unparseable": e.control_unparseable,
                }
                for e in batch.entities
            ]
            return batch_dict(batch, system.code, system.ministry.code), entities

    def verify(self, batch_id: int) -> list[str]:
        """What is wrong with the batch's raw files (missing, altered); empty if all intact."""
        with Session(self.engine) as session:
            chunks = session.scalars(sa.select(RawChunkFile).filter_by(batch_id=batch_id)).all()
            if not chunks:
                raise ExtractError(f"batch {batch_id} has no raw chunks")
            problems = [rawstore.verify_chunk(self.raw_dir, c.path, c.sha256) for c in chunks]
        return [problem for problem in problems if problem]

    def raw_record(self, batch_id: int, entity: str, source_key: str) -> dict[str, Any] | None:
        """The original source record behind a unified row."""
        with Session(self.engine) as session:
            paths = list(
                session.scalars(
                    sa.select(RawChunkFile.path)
                    .filter_by(batch_id=batch_id, entity=entity)
                    .order_by(RawChunkFile.number)
                )
            )
        return rawstore.find_record(self.raw_dir, paths, source_key)


def batch_dict(batch: Batch, source: str, ministry: str) -> dict[str, Any]:
    return {
        "id": batch.id,
        "source": source,
        "ministry": ministry,
        "domain": batch.domain.value,
        "status": batch.status.value,
        "operator": batch.operator,
        "started_at": batch.started_at.isoformat() if batch.started_at else None,
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "rows_extracted": batch.rows_extracted,
        "rows_staged": batch.rows_staged,
        "rows_quarantined": batch.rows_quarantined,
        "rows_rejected": batch.rows_rejected,
        "rows_withdrawn": batch.rows_withdrawn,
        "control_row_count": batch.control_row_count,
        "control_debit_amount": control_text(batch.control_debit_amount),
        "control_credit_amount": control_text(batch.control_credit_amount),
        "control_salary_amount": control_text(batch.control_salary_amount),
        "control_unparseable": batch.control_unparseable,
        "currency": batch.currency,
        "message": batch.message,
    }
