"""A load's run in the store (``load_run``): who loaded what, where, how, and how it ended."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import LoadRun, table_of
from consolidation.load.report import LoadReport
from consolidation.load.targets import Selection


def start_run(
    engine: sa.Engine,
    selection: Selection,
    *,
    url: str,
    database: str,
    operator: str,
    workers: int,
    batch_size: int,
) -> int:
    """A new run; a run still 'running' was cut off (one load at a time)."""
    with Session(engine) as session, session.begin():
        runs = table_of(LoadRun)
        session.execute(
            runs.update().where(runs.c.status == "running").values(status="interrupted")
        )
        run = LoadRun(
            operator=operator,
            central_url=url,
            central_database=database,
            sources=",".join(selection.sources) if selection.sources else "*",
            workers=workers,
            batch_size=batch_size,
            status="running",
            started_at=datetime.now(UTC),
            summary={},
        )
        session.add(run)
        session.flush()
        return run.id


def finish_run(
    engine: sa.Engine, run_id: int, report: LoadReport, status: str, message: str | None
) -> None:
    with Session(engine) as session, session.begin():
        run = session.get_one(LoadRun, run_id)
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.summary = report.as_dict()
        run.message = message
