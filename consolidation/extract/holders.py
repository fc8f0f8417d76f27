"""Who holds a batch open. A batch records the process working on it (id, host, heartbeat)
from its start until it rests — extracted by ``consolidate extract`` alone, staged, failed —
so that one left ``running`` or ``extracted`` by a process that died (SIGKILL, a crash, a lost
machine) is found at the next run and marked ``interrupted``, its accounting incomplete.

On the same host the process id is asked directly; a batch held on another host is taken for
dead when its heartbeat is older than ``stale_after``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from consolidation.core import audit
from consolidation.core.schema import Batch, BatchStatus, SourceSystem, table_of

log = logging.getLogger(__name__)
OPEN = (BatchStatus.RUNNING, BatchStatus.EXTRACTED)
STALE_AFTER = timedelta(hours=12)


def this_process() -> dict[str, Any]:
    """The holder columns for the current process, now."""
    return {"pid": os.getpid(), "host": socket.gethostname()[:255], "heartbeat_at": _now()}


def hold(engine: sa.Engine, batch_id: int) -> None:
    """The current process takes the batch (a transform of a batch extracted earlier)."""
    batch = table_of(Batch)
    with engine.begin() as connection:
        connection.execute(sa.update(batch).where(batch.c.id == batch_id).values(**this_process()))


def release(engine: sa.Engine, batch_ids: Iterable[int]) -> None:
    """The batches rest: no process holds them any more."""
    ids = list(batch_ids)
    if not ids:
        return
    batch = table_of(Batch)
    with engine.begin() as connection:
        connection.execute(
            sa.update(batch).where(batch.c.id.in_(ids)).values(pid=None, heartbeat_at=_now())
        )


def close_interrupted(
    engine: sa.Engine, *, actor: str, stale_after: timedelta = STALE_AFTER
) -> list[int]:
    """Mark ``interrupted`` every open batch whose holder is gone; their ids."""
    batch, source = table_of(Batch), table_of(SourceSystem)
    here = socket.gethostname()[:255]
    now = _now()
    with engine.begin() as connection:
        rows = connection.execute(
            sa.select(batch.c.id, batch.c.pid, batch.c.host, batch.c.heartbeat_at, source.c.code)
            .join(source, source.c.id == batch.c.source_system_id)
            .where(batch.c.status.in_(OPEN), batch.c.pid.is_not(None))
        ).all()
        dead = []
        for row in rows:
            if row.host == here:
                gone = not process_alive(int(row.pid))
            else:
                beat = row.heartbeat_at
                gone = beat is None or now - _aware(beat) > stale_after
            if not gone:
                continue
            how = (
                f"process {row.pid} on {row.host} ended without closing it"
                if row.host == here
                else f"process {row.pid} on {row.host} has given no sign since {row.heartbeat_at}"
            )
            message = f"interrupted: {how}; its accounting is incomplete, run the source again"
            connection.execute(
                sa.update(batch)
                .where(batch.c.id == row.id, batch.c.status.in_(OPEN))
                .values(status=BatchStatus.INTERRUPTED, finished_at=now, message=message, pid=None)
            )
            audit.record(
                connection, actor, audit.Event.BATCH_INTERRUPTED, "batch", row.id,
                source=row.code, pid=row.pid, host=row.host,
            )  # fmt: skip
            log.warning("batch %s of %s: %s", row.id, row.code, message)
            dead.append(int(row.id))
    return dead


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host is alive (a reaped or zombie one is not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers kill(0): it is dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
