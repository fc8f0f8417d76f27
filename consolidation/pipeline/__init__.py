"""The pipeline wires the stages together: extract → (map → validate → match → stage) → load.

This is the only module that imports the stage packages. The CLI and the web app call it.
Each stage returns a typed result; a stage's failure is recorded on its batch and re-raised
as one line.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from connectors import Connector, open_connector
from consolidation.core import memory, rawstore, store
from consolidation.core.errors import ConsolidationError, StageFailed
from consolidation.core.money import ZERO, control_text
from consolidation.core.schema import (
    AuditEvent,
    Batch,
    BatchEntity,
    BatchStatus,
    Domain,
    Ministry,
    RawChunkFile,
    SourceSystem,
)
from consolidation.core.settings import Settings
from consolidation.core.sources import SourcesConfig, load_sources
from consolidation.core.types import ControlTotals
from consolidation.reference import ReferenceData, load_reference

if TYPE_CHECKING:
    from consolidation.pipeline.match import MatchOutcome
    from consolidation.pipeline.revalidate import RevalidateResult
    from consolidation.pipeline.transform import TransformResult

log = logging.getLogger(__name__)


class ProgressSink(Protocol):
    """Where long work reports its progress (a Rich bar on a terminal, plain lines in CI)."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


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


@dataclass(frozen=True)
class RunResult:
    extracts: list[ExtractResult]
    transforms: list[TransformResult]
    persons: MatchOutcome
    vendors: MatchOutcome


@dataclass
class Pipeline:
    """The product's services over one store and one sources config."""

    settings: Settings
    sources_path: Path | None = None
    _engine: sa.Engine | None = field(default=None, init=False, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, init=False, repr=False)
    _config: SourcesConfig | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        memory.cap_malloc_arenas()  # batches of millions of rows: keep the heap from creeping

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = store.make_engine(self.settings.store)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = store.make_sessionmaker(self.engine)
        return self._sessions

    @property
    def config(self) -> SourcesConfig:
        if self._config is None:
            self._config = load_sources(self.sources_path or self.settings.sources.config)
        return self._config

    @property
    def raw_dir(self) -> Path:
        return self.settings.store.raw_dir

    @property
    def mappings_dir(self) -> Path:
        import mappings

        return self.settings.mappings.directory or Path(mappings.__file__).resolve().parent

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with store.session_scope(self.sessions) as session:
            yield session

    def audit(
        self, session: Session, action: str, target_type: str, target_id: object, **detail: Any
    ) -> None:
        session.add(
            AuditEvent(
                at=_now(),
                actor=self.settings.operator,
                action=action,
                target_type=target_type,
                target_id=str(target_id),
                detail=detail,
            )
        )

    # --- reference data -------------------------------------------------------------------------

    def register_sources(self) -> None:
        """Upsert the declared ministries and source systems into the store."""
        config = self.config
        with self.session() as session:
            ministries = {m.code: m for m in session.scalars(sa.select(Ministry))}
            for code, spec in config.ministries.items():
                ministry = ministries.get(code)
                if ministry is None:
                    ministry = ministries[code] = Ministry(code=code)
                    session.add(ministry)
                ministry.name_ar, ministry.name_en = spec.name_ar, spec.name_en
            session.flush()
            systems = {s.code: s for s in session.scalars(sa.select(SourceSystem))}
            for name, source in config.sources.items():
                system = systems.get(name)
                if system is None:
                    system = SourceSystem(code=name)
                    session.add(system)
                system.ministry_id = ministries[source.ministry].id
                system.kind, system.domain, system.name = (
                    source.kind,
                    Domain(source.domain),
                    source.name,
                )

    def connector(self, name: str) -> Connector:
        config = self.config
        return open_connector(
            name,
            config.source(name),
            base_dir=config.base_dir,
            chunk_size=self.settings.sources.chunk_size,
        )

    # --- extract --------------------------------------------------------------------------------

    def extract(
        self, name: str, *, since: datetime | None = None, progress: ProgressSink | None = None
    ) -> ExtractResult:
        """Extract every entity of one source into the raw area, as one batch with lineage."""
        progress = progress or NoProgress()
        source = self.config.source(name)
        started = time.perf_counter()
        with self.session() as session:
            system = session.scalars(sa.select(SourceSystem).filter_by(code=name)).one_or_none()
            if system is None:
                raise StageFailed(f"source {name!r} is not registered; run register_sources first")
            batch = Batch(
                source_system_id=system.id,
                domain=Domain(source.domain),
                status=BatchStatus.RUNNING,
                operator=self.settings.operator,
                since=since,
                started_at=_now(),
            )
            session.add(batch)
            session.flush()
            self.audit(session, "batch.start", "batch", batch.id, source=name, stage="extract")
            batch_id = batch.id
        log.info("batch %s: extracting source %s", batch_id, name)
        with self._failing(batch_id, name):
            entities = self._extract_entities(batch_id, name, since, progress)
        seconds = time.perf_counter() - started
        with self.session() as session:
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
            result = ExtractResult(
                batch_id, name, source.ministry, source.domain, entities, seconds
            )
            batch.rows_extracted = batch.control_row_count = result.rows
            batch.control_debit_amount = result.amount("debit")
            batch.control_credit_amount = result.amount("credit")
            batch.control_salary_amount = result.amount("salary")
            batch.control_unparseable = result.unparseable
            batch.status = BatchStatus.EXTRACTED
            batch.finished_at = _now()
            self.audit(
                session,
                "batch.extracted",
                "batch",
                batch_id,
                source=name,
                rows=result.rows,
                seconds=round(seconds, 3),
            )
        log.info(
            "batch %s: extracted %s rows from %s in %.1fs", batch_id, result.rows, name, seconds
        )
        return result

    def _extract_entities(
        self, batch_id: int, name: str, since: datetime | None, progress: ProgressSink
    ) -> list[EntityExtract]:
        results: list[EntityExtract] = []
        # Each chunk is compressed, fsynced and checksummed on a writer thread (Arrow and the
        # file system release the GIL) while the connector reads the next one; at most two
        # chunks wait, and they are recorded in the order they were read.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-writer")
        pending: deque[Future[rawstore.WrittenChunk]] = deque()

        def record(future: Future[rawstore.WrittenChunk]) -> None:
            written = future.result()
            with self.session() as session:
                session.add(RawChunkFile(batch_id=batch_id, **written.__dict__))
            progress.advance(written.row_count)

        try:
            with self.connector(name) as connector:
                for entity in connector.entities:
                    progress.start(f"{name}.{entity}", connector.estimate_rows(entity))
                    rows = chunks = 0
                    for chunk in connector.extract(entity, since=since):
                        pending.append(
                            writer.submit(rawstore.write_chunk, self.raw_dir, batch_id, chunk)
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
    def _failing(self, batch_id: int, name: str) -> Iterator[None]:
        """A stage's error marks its batch failed and reaches the user as one line."""
        try:
            yield
        except ConsolidationError as exc:
            self._fail(batch_id, exc)
            raise StageFailed(
                f"batch {batch_id}, source {name!r}: {exc}", transient=exc.transient
            ) from exc
        except Exception as exc:
            self._fail(batch_id, exc)
            raise

    def _fail(self, batch_id: int, exc: BaseException) -> None:
        with self.session() as session:
            batch = session.get_one(Batch, batch_id)
            batch.status = BatchStatus.FAILED
            batch.finished_at = _now()
            batch.message = str(exc)[:2000]
            self.audit(session, "batch.failed", "batch", batch_id, error=str(exc)[:500])
        log.info("batch %s failed: %s", batch_id, exc)  # the caller reports it, once

    def extract_all(
        self, *, since: datetime | None = None, progress: ProgressSink | None = None
    ) -> list[ExtractResult]:
        return [self.extract(name, since=since, progress=progress) for name in self.config.sources]

    # --- map, validate, stage, match -------------------------------------------------------------

    def load_reference(self) -> ReferenceData:
        """Upsert the unified chart and crosswalk; return them with the open periods."""
        with self.session() as session:
            return load_reference(session, self.mappings_dir / "reference")

    def transform(
        self,
        batch_id: int,
        name: str,
        *,
        reference: ReferenceData | None = None,
        progress: ProgressSink | None = None,
    ) -> TransformResult:
        """Map, validate and stage one extracted batch; a failure marks the batch failed."""
        from consolidation.pipeline.transform import BatchTransform

        reference = reference or self.load_reference()
        reference_date = self.settings.validation.reference_date or date.today()
        with self._failing(batch_id, name):
            return BatchTransform(
                self,
                batch_id,
                name,
                reference=reference,
                reference_date=reference_date,
                progress=progress or NoProgress(),
            ).run()

    def match(self) -> tuple[MatchOutcome, MatchOutcome]:
        """Match persons and vendors across every staged source into golden records."""
        from consolidation.pipeline.match import match_people, match_suppliers

        return match_people(self), match_suppliers(self)

    def revalidate(self, *, source: str | None = None) -> RevalidateResult:
        """Re-check quarantined records after stewards' corrections; release what passes."""
        from consolidation.pipeline.revalidate import revalidate

        self.register_sources()
        return revalidate(self, source=source)

    def run(
        self,
        names: list[str],
        *,
        since: datetime | None = None,
        progress: ProgressSink | None = None,
    ) -> RunResult:
        """extract → map → validate → stage, one batch per source; then match across sources."""
        from consolidation.pipeline.transform import source_mapping

        for name in names:  # a bad mapping file stops the run before any batch starts
            source_mapping(self, name)
        self.register_sources()
        reference = self.load_reference()
        transforms: list[TransformResult] = []
        extracts: list[ExtractResult] = []
        for name in names:
            extract = self.extract(name, since=since, progress=progress)
            extracts.append(extract)
            transforms.append(
                self.transform(extract.batch_id, name, reference=reference, progress=progress)
            )
        persons, vendors = self.match()
        return RunResult(extracts, transforms, persons, vendors)

    # --- batches and raw records ----------------------------------------------------------------

    def batches(self, *, limit: int = 50) -> list[dict[str, Any]]:
        with self.session() as session:
            query = (
                sa.select(Batch, SourceSystem.code, Ministry.code)
                .join(SourceSystem, Batch.source_system_id == SourceSystem.id)
                .join(Ministry, SourceSystem.ministry_id == Ministry.id)
                .order_by(Batch.id.desc())
                .limit(limit)
            )
            return [
                _batch_dict(batch, source, ministry)
                for batch, source, ministry in session.execute(query)
            ]

    def batch(self, batch_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with self.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise StageFailed(f"no batch {batch_id}")
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
            return _batch_dict(batch, system.code, system.ministry.code), entities

    def verify_batch(self, batch_id: int) -> list[str]:
        """What is wrong with the batch's raw files (missing, altered); empty if all intact."""
        with self.session() as session:
            chunks = session.scalars(sa.select(RawChunkFile).filter_by(batch_id=batch_id)).all()
            if not chunks:
                raise StageFailed(f"batch {batch_id} has no raw chunks")
            problems = [rawstore.verify_chunk(self.raw_dir, c.path, c.sha256) for c in chunks]
        return [problem for problem in problems if problem]

    def raw_record(self, batch_id: int, entity: str, source_key: str) -> dict[str, Any] | None:
        """The original source record behind a unified row."""
        with self.session() as session:
            paths = list(
                session.scalars(
                    sa.select(RawChunkFile.path)
                    .filter_by(batch_id=batch_id, entity=entity)
                    .order_by(RawChunkFile.number)
                )
            )
        return rawstore.find_record(self.raw_dir, paths, source_key)


def _batch_dict(batch: Batch, source: str, ministry: str) -> dict[str, Any]:
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


def _now() -> datetime:
    return datetime.now(UTC)
