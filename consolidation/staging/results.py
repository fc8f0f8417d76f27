"""What became of a batch: per raw entity, extracted = staged + quarantined + rejected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from consolidation.core.schema import Batch, BatchEntity, BatchStatus, table_of
from consolidation.staging.stager import StageCounts


@dataclass
class EntityOutcome:
    """What became of one raw entity's records (derived entities are not counted)."""

    raw_entity: str
    target: str
    derived: bool
    extracted: int = 0
    staged: int = 0
    quarantined: int = 0
    rejected: int = 0
    withdrawn: int = 0
    """Of the quarantined and rejected, records whose earlier version was staged: withdrawn
    from the store, since the source no longer has it."""
    counts: StageCounts = field(default_factory=StageCounts)

    @property
    def balanced(self) -> bool:
        return self.derived or self.extracted == self.staged + self.quarantined + self.rejected


@dataclass
class TransformResult:
    batch_id: int
    source: str
    ministry: str
    outcomes: list[EntityOutcome]
    issues: Counter[tuple[str, str]]
    seconds: float

    def counted(self) -> list[EntityOutcome]:
        return [o for o in self.outcomes if not o.derived]


def write_accounting(
    connection: sa.Connection, batch_id: int, outcomes: list[EntityOutcome]
) -> None:
    """The batch's row accounting, per raw entity and in all, and its status: staged."""
    table = table_of(BatchEntity)
    totals = Counter[str]()
    for outcome in outcomes:
        if outcome.derived:
            continue
        connection.execute(
            sa.update(table)
            .where(table.c.batch_id == batch_id, table.c.entity == outcome.raw_entity)
            .values(
                rows_staged=outcome.staged,
                rows_quarantined=outcome.quarantined,
                rows_rejected=outcome.rejected,
                rows_withdrawn=outcome.withdrawn,
            )
        )
        totals.update(
            staged=outcome.staged,
            quarantined=outcome.quarantined,
            rejected=outcome.rejected,
            withdrawn=outcome.withdrawn,
        )
    batch = table_of(Batch)
    connection.execute(
        sa.update(batch)
        .where(batch.c.id == batch_id)
        .values(
            rows_staged=totals["staged"],
            rows_quarantined=totals["quarantined"],
            rows_rejected=totals["rejected"],
            rows_withdrawn=totals["withdrawn"],
            status=BatchStatus.STAGED,
            finished_at=datetime.now(UTC),
            pid=None,
        )
    )
