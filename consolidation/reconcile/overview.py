"""What a finance officer browses: the stored runs, newest first, and one run's outcome per
ministry and period with its sign-off, read from the store and the plain result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import ReconcileRun, ReconcileSignoff
from consolidation.reconcile.model import (
    Cell,
    CellStatus,
    Comparison,
    Difference,
    Explanation,
    Reconciliation,
    Signoff,
)

SEVERITY = {
    CellStatus.RECONCILED: 0,
    CellStatus.EXPLAINED: 1,
    CellStatus.TOLERATED: 2,
    CellStatus.DIFFERENT: 3,
}


@dataclass(frozen=True)
class RunRow:
    """One stored run as listed: who ran it when, over what, with what outcome."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    operator: str
    outcome: str
    ministries: tuple[str, ...]
    period_from: str | None
    period_to: str | None
    levels: tuple[str, ...]
    latest: bool
    """Whether it is the latest run of its scope: only that one may be signed off."""
    signoffs: int


@dataclass(frozen=True)
class PeriodOutcome:
    """A ministry-period of a run: its cells, how many differ, its worst status, and the
    sign-off made on this run (if any)."""

    ministry: str
    period: str
    cells: int
    differing: int
    status: CellStatus
    signoff: Signoff | None

    @property
    def may_sign(self) -> bool:
        return self.differing == 0 and (self.signoff is None or self.signoff.status != "signed")


def list_runs(session: Session, *, offset: int = 0, limit: int = 50) -> list[RunRow]:
    latest = dict(
        session.execute(
            sa.select(ReconcileRun.scope_key, sa.func.max(ReconcileRun.id)).group_by(
                ReconcileRun.scope_key
            )
        ).all()
    )
    signed = dict(
        session.execute(
            sa.select(ReconcileSignoff.run_id, sa.func.count()).group_by(ReconcileSignoff.run_id)
        ).all()
    )
    runs = session.scalars(
        sa.select(ReconcileRun).order_by(ReconcileRun.id.desc()).offset(offset).limit(limit)
    )
    return [
        RunRow(
            id=run.id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            operator=run.operator,
            outcome=run.outcome,
            ministries=tuple(run.scope.get("ministries") or ()),
            period_from=run.scope.get("period_from"),
            period_to=run.scope.get("period_to"),
            levels=tuple(run.scope.get("levels") or ()),
            latest=latest.get(run.scope_key) == run.id,
            signoffs=int(signed.get(run.id, 0)),
        )
        for run in runs
    ]


def count_runs(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.count(ReconcileRun.id))) or 0)


def is_latest(session: Session, run_id: int) -> bool:
    """Whether ``run_id`` is the latest run of its scope (the one a sign-off is made on)."""
    key = session.scalar(sa.select(ReconcileRun.scope_key).where(ReconcileRun.id == run_id))
    if key is None:
        return False
    return (
        session.scalar(sa.select(sa.func.max(ReconcileRun.id)).filter_by(scope_key=key)) == run_id
    )


def period_outcomes(result: Reconciliation) -> list[PeriodOutcome]:
    """Per ministry and period of ``result``: cells, differing cells, the worst status, and
    this run's sign-off of it."""
    groups: dict[tuple[str, str], list[CellStatus]] = {}
    for cell in result.cells:
        groups.setdefault((cell.ministry, cell.period), []).append(cell.status)
    signed = {
        (s.ministry, s.period): s
        for s in sorted(result.signoffs, key=lambda s: s.id)
        if s.run_id == result.run_id
    }
    return [
        PeriodOutcome(
            ministry,
            period,
            len(statuses),
            sum(1 for s in statuses if s is CellStatus.DIFFERENT),
            max(statuses, key=SEVERITY.__getitem__),
            signed.get((ministry, period)),
        )
        for (ministry, period), statuses in sorted(groups.items())
    ]


@dataclass(frozen=True)
class Drill:
    """A ministry-period of a run down to its lines: the cells (every comparison and account),
    the located differences and the quarantined or rejected lines that explain a part."""

    ministry: str
    period: str
    cells: list[Cell]
    differences: list[Difference]
    explanations: list[Explanation]


def drill(result: Reconciliation, ministry: str, period: str) -> Drill:
    code = ministry.upper()

    def here(item: Cell | Difference | Explanation) -> bool:
        return item.ministry == code and (item.period == period or not period)

    order = {comparison: rank for rank, comparison in enumerate(Comparison)}
    return Drill(
        code,
        period,
        sorted(
            (c for c in result.cells if here(c)),
            key=lambda c: (-SEVERITY[c.status], order[c.comparison], c.account, c.period),
        ),
        [d for d in result.differences if here(d)],
        [e for e in result.explanations if here(e)],
    )
