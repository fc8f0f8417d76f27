"""Extracting one source into the raw area, as one batch with its lineage and control totals;
and marking a batch failed when a stage fails, with its message."""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors import open_connector
from consolidation.core import audit, rawstore
from consolidation.core.errors import ConsolidationError, StageFailed, StoreError
from consolidation.core.money import ZERO
from consolidation.core.schema import (
    Batch,
    BatchEntity,
    BatchStatus,
    Domain,
    RawChunkFile,
    SourceSystem,
)
from consolidation.core.secrets import scrub
from consolidation.core.sources import SourceSpec
from consolidation.core.types import ControlTotals, ProgressSink
from consolidation.extract.exceptions import ExtractError
from consolidation.extract.holders import this_process
from consolidation.extract.settings import ExtractSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntityExtract:
    entity: str
    rows: int
    chunks: int
    totals: ControlTotals


@dataclass(frozen=True)
class ExtractResult:
    batch_id: int
    source: str
    ministry: str
    domain: str
    entities: list[EntityExtract]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(entity.rows for entity in self.entities)

    def amount(self, role: str) -> Decimal:
        return sum((entity.totals.amount(role) for entity in self.entities), ZERO)

    @property
    def unparseable(self) -> int:
        return sum(entity.totals.unparseable() for entity in self.entities)


def _now() -> datetime:
    return datetime.now(UTC)


def extract_source(
    engine: sa.Engine,
    settings: ExtractSettings,
    name: str,
    spec: SourceSpec,
    *,
    base_dir: Path,
    since: datetime | None,
    progress: ProgressSink,
    hold: bool = False,
) -> ExtractResult:
    """Extract every entity of one source into the raw area, as one batch with lineage. The
    batch is held by this process until extracted, and beyond when ``hold`` (a run that maps it
    next), so that a process dying on the way leaves a batch the next run marks interrupted."""
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        system = session.scalars(sa.select(SourceSystem).filter_by(code=name)).one_or_none()
        if system is None:
            raise ExtractError(f"source {name!r} is not registered; run register_sources first")
        batch = Batch(
            source_system_id=system.id,
            domain=Domain(spec.domain),
            status=BatchStatus.RUNNING,
            operator=settings.operator,
            since=since,
            started_at=_now(),
            **this_process(),
        )
        session.add(batch)
        session.flush()
        audit.record(
            session,
            settings.operator,
            audit.Event.BATCH_STARTED,
            "batch",
            batch.id,
            source=name,
            stage="extract",
        )
        batch_id = batch.id
    log.info("batch %s: extracting source %s", batch_id, name)
    with failing(engine, batch_id, name, settings.operator):
        entities = _extract_entities(
            engine, settings, batch_id, name, spec, base_dir, since, progress
        )
        seconds = time.perf_counter() - started
        result = ExtractResult(batch_id, name, spec.ministry, spec.domain, entities, seconds)
        with Session(engine) as session, session.begin():
            batch = session.get_one(Batch, batch_id)
            for item in entities:
                session.add(
                    BatchEntity(
                        batch_id=batch_id,
                        entity=item.entity,
                        rows_extracted=item.rows,
                        control_debit_amount=item.totals.amount("debit"),
                        control_credit_amount=item.totals.amount("credit"),
                        control_salary_amount=item.totals.amount("salary"),
                        control_unparseable=item.totals.unparseable(),
                    )
                )
            batch.rows_extracted = batch.control_row_count = result.rows
            batch.control_debit_amount = result.amount("debit")
            batch.control_credit_amount = result.amount("credit")
            batch.control_salary_amount = result.amount("salary")
            batch.control_unparseable = result.unparseable
            batch.status = BatchStatus.EXTRACTED
            batch.finished_at = batch.heartbeat_at = _now()
            if not hold:
                batch.pid = None
            audit.record(
                session,
                settings.operator,
                audit.Event.BATCH_EXTRACTED,
                "batch",
                batch_id,
                source=name,
                rows=result.rows,
                seconds=round(seconds, 3),
            )
    log.info("batch %s: extracted %s rows from %s in %.1fs", batch_id, result.rows, name, seconds)
    return result


def _extract_entities(
    engine: sa.Engine,
    settings: ExtractSettings,
    batch_id: int,
    name: str,
    spec: SourceSpec,
    base_dir: Path,
    since: datetime | None,
    progress: ProgressSink,
) -> list[EntityExtract]:
    results: list[EntityExtract] = []
    # Each chunk is compressed, fsynced and checksummed on a writer thread (Arrow and the
    # file system release the GIL) while the connector reads the next one; at most two
    # chunks wait, and they are recorded in the order they were read.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-writer")
    pending: deque[Future[rawstore.WrittenChunk]] = deque()

    def record(future: Future[rawstore.WrittenChunk]) -> None:
        written = future.result()
        with Session(engine) as session, session.begin():
            session.add(RawChunkFile(batch_id=batch_id, **written.__dict__))
        progress.advance(written.row_count)

    try:
        connector = open_connector(
            name, spec, base_dir=base_dir, chunk_size=settings.chunk_size, limits=settings.limits
        )
        with connector:
            for entity in connector.entities:
                progress.start(f"{name}.{entity}", connector.estimate_rows(entity))
                rows = chunks = 0
                for chunk in connector.extract(entity, since=since):
                    pending.append(
                        writer.submit(rawstore.write_chunk, settings.raw_dir, batch_id, chunk)
                    )
                    while len(pending) > 2:
                        record(pending.popleft())
                    rows += chunk.rows
                    chunks += 1
                while pending:
                    record(pending.popleft())
                progress.finish()
                totals = connector.totals.get(entity, ControlTotals())
                results.append(EntityExtract(entity, rows, chunks, totals))
    except BaseException:
        # The chunks read before the failure stay recorded, as their batch's lineage; the
        # failure itself is what the caller reports, so one in recording is not raised.
        while pending:
            future = pending.popleft()
            if future.exception() is None:
                with suppress(Exception):
                    record(future)
        raise
    finally:
        writer.shutdown(wait=True, cancel_futures=True)
    return results


@contextmanager
def failing(engine: sa.Engine, batch_id: int, name: str, actor: str) -> Iterator[None]:
    """A stage's error marks its batch failed and reaches the user as one line."""
    try:
        try:
            yield
        except sa.exc.StatementError as exc:
            # our own error raised while a statement bound its values (a Money column refusing
            # an amount): the driver's wrapper adds only the statement
            if isinstance(exc.orig, ConsolidationError):
                raise exc.orig from exc
            if isinstance(exc, sa.exc.IntegrityError):
                raise StoreError(constraint_message(exc)) from exc
            raise
    except ConsolidationError as exc:
        fail_batch(engine, batch_id, exc, actor)
        raise StageFailed(
            f"batch {batch_id}, source {name!r}: {exc}", transient=exc.transient
        ) from exc
    except Exception as exc:
        # not a known failure: still one line naming the batch and source, never a traceback
        fail_batch(engine, batch_id, exc, actor)
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise StageFailed(
            f"batch {batch_id}, source {name!r} failed unexpectedly: {type(exc).__name__}"
            + (f": {detail}" if detail else "")
        ) from exc
    except KeyboardInterrupt:
        fail_batch(engine, batch_id, KeyboardInterrupt("interrupted by the operator"), actor)
        raise


_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE)\s+[`\"]?(\w+)", re.IGNORECASE)


def constraint_message(exc: sa.exc.IntegrityError) -> str:
    """A constraint the store enforced, as one line naming the entity and the key: the stages
    find repeated keys before the store does, so this names what slipped past them."""
    text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "a constraint"
    found = _TABLE.search(exc.statement or "")
    entity = found.group(1) if found else None
    key = _repeated_key(exc.params)
    return (
        "the store refused a row"
        + (f" of {entity}" if entity else "")
        + (f" with source key {key!r}" if key else "")
        + f" ({text}); no stage caught it first, which is a defect to report with this batch"
    )


def _repeated_key(params: Any) -> str | None:
    """The source key written twice in one statement's rows, if any; else the first row's."""
    rows = params if isinstance(params, list | tuple) else [params]
    keys = [row.get("source_key") for row in rows if isinstance(row, dict)]
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            return str(key)
        seen.add(key)
    return str(keys[0]) if len(keys) == 1 and keys[0] is not None else None


def fail_batch(engine: sa.Engine, batch_id: int, exc: BaseException, actor: str) -> None:
    with Session(engine) as session, session.begin():
        batch = session.get_one(Batch, batch_id)
        batch.status = BatchStatus.FAILED
        batch.finished_at = _now()
        batch.pid = None
        # one line: a driver's error goes on with the statement and its parameters (values of
        # records), which have no place in a batch's message or the audit log
        text = str(exc).strip()
        line = scrub(text.splitlines()[0][:500]) if text else type(exc).__name__
        batch.message = line
        audit.record(session, actor, audit.Event.BATCH_FAILED, "batch", batch_id, error=line)
    log.info("batch %s failed: %s", batch_id, exc)  # the caller reports it, once
