"""The pipeline wires the stages together: extract → (map → validate → stage) → match → load.

``Pipeline.run``, ``Pipeline.revalidate`` and ``Pipeline.load`` (with ``plan_load``,
``check_central`` and ``rollback`` around it, in ``pipeline.central``, which ``Pipeline``
inherits) are the only places that wire one stage to another; the other methods hand one stage
its explicit inputs (the engine, its settings section, a source's spec). The CLI and the web
app call the pipeline and the services (``Pipeline.quarantine``), never a stage's internals. A
stage's failure is recorded on its batch and reaches the user as one line. What a run and a
revalidation report back is in ``pipeline.results``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from connectors import Connector, open_connector
from consolidation import extract, load, quarantine, staging
from consolidation.access import SessionService, UserService
from consolidation.core import memory, rawstore, store
from consolidation.core.errors import ConsolidationError
from consolidation.core.reference import ReferenceData, load_reference, read_reference
from consolidation.core.schema import Domain, Ministry, SourceSystem
from consolidation.core.settings import Settings
from consolidation.core.sources import SourcesConfig, load_sources
from consolidation.core.types import NoProgress, ProgressSink
from consolidation.extract import ExtractResult, ExtractSettings
from consolidation.notify import NotifyService
from consolidation.pipeline.central import CentralFeed
from consolidation.pipeline.results import RevalidateResult, RunResult
from consolidation.quarantine import QuarantineService, QuarantineSettings
from consolidation.quarantine.diff import WorkbookApplied, WorkbookDiff
from consolidation.quarantine.queries import Scope
from consolidation.quarantine.roundtrip import RuleCheck
from consolidation.reconcile import ReconcileService
from consolidation.staging import StagingSettings, TransformResult

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from consolidation.matching import MatchOutcome


@dataclass
class Pipeline(CentralFeed):
    """The product's stages and services over one store and one sources config."""

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

    @property
    def batches(self) -> extract.BatchRecords:
        """The batches extraction recorded: their accounting, raw files and records."""
        return extract.BatchRecords(self.engine, self.raw_dir)

    @property
    def quarantine(self) -> QuarantineService:
        """The quarantine service over this store (what stewards do)."""
        return QuarantineService(self.engine)

    @property
    def users(self) -> UserService:
        """The web app's users and signing in."""
        return UserService(self.engine, self.settings.web)

    @property
    def web_sessions(self) -> SessionService:
        """The web app's server-side sessions."""
        return SessionService(self.engine, self.settings.web)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with store.session_scope(self.sessions) as session:
            yield session

    def register_sources(self) -> None:
        """Upsert the declared ministries and source systems into the store."""
        config = self.config
        with self.session() as session:
            store.serialize(session.connection(), "consolidation.register")  # runs at once
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
            limits=self.settings.sources.limits(),
        )

    def check_sources(self, names: list[str]) -> dict[str, dict[str, str]]:
        """What stops each source, before any row is read: per source, per check ("source":
        reaching it and its declared columns; "mapping": its mapping file; "reference": its
        ministry's crosswalk and calendar and the central chart, for a finance source) the
        problem in one line. A source with nothing to say is ready to run."""
        reference = read_reference(self.mappings_dir / "reference", list(self.config.ministries))
        wrong = self.reference_problems(names, reference)
        found: dict[str, dict[str, str]] = {}
        for name in names:
            spec = self.config.source(name)
            problems: dict[str, str] = {}
            try:
                with self.connector(name) as connector:
                    connector.check()
            except ConsolidationError as exc:
                problems["source"] = str(exc)
            try:
                staging.source_mapping(self.mappings_dir, name, spec)
            except ConsolidationError as exc:
                problems["mapping"] = str(exc)
            if name in wrong:
                problems["reference"] = wrong[name]
            found[name] = problems
        return found

    def extract(
        self,
        name: str,
        *,
        since: datetime | None = None,
        progress: ProgressSink | None = None,
        hold: bool = False,
    ) -> ExtractResult:
        """Extract every entity of one source into the raw area, as one batch with lineage;
        ``hold`` keeps the batch held by this process for the transform that follows."""
        self.close_interrupted()
        return extract.extract_source(
            self.engine,
            ExtractSettings.from_settings(self.settings),
            name,
            self.config.source(name),
            base_dir=self.config.base_dir,
            since=since,
            progress=_sink(progress),
            hold=hold,
        )

    def close_interrupted(self) -> list[int]:
        """Mark interrupted every batch whose process died before closing it; their ids. The
        mapped records a dead transform left in its working folder (personal data, read by
        nothing again) are removed; the raw chunks stay, as the batch's lineage."""
        dead = extract.close_interrupted(self.engine, actor=self.settings.operator)
        for batch_id in dead:
            shutil.rmtree(rawstore.batch_dir(self.raw_dir, batch_id) / "mapped", ignore_errors=True)
        return dead

    def extract_all(
        self, *, since: datetime | None = None, progress: ProgressSink | None = None
    ) -> list[ExtractResult]:
        return [self.extract(name, since=since, progress=progress) for name in self.config.sources]

    def load_reference(self) -> ReferenceData:
        """Upsert the unified chart and crosswalk; return them with the open periods."""
        with self.session() as session:
            store.serialize(session.connection(), "consolidation.reference")  # runs at once
            return load_reference(
                session, self.mappings_dir / "reference", list(self.config.ministries)
            )

    def transform(
        self,
        batch_id: int,
        name: str,
        *,
        reference: ReferenceData | None = None,
        progress: ProgressSink | None = None,
    ) -> TransformResult:
        """Map, validate and stage one extracted batch; a failure marks the batch failed."""
        reference = reference or self.load_reference()
        extract.hold(self.engine, batch_id)
        with extract.failing(self.engine, batch_id, name, self.settings.operator):
            return staging.transform_batch(
                self.engine,
                StagingSettings.from_settings(self.settings, self.mappings_dir),
                batch_id,
                name,
                self.config.source(name),
                reference=reference,
                progress=_sink(progress),
            )

    def match(self) -> tuple[MatchOutcome, MatchOutcome]:
        """Match persons and vendors across every staged source into golden records."""
        from consolidation.matching import match_people, match_suppliers

        return (
            match_people(self.engine, self.settings.matching),
            match_suppliers(self.engine, self.settings.matching),
        )

    def revalidate(
        self,
        *,
        source: str | None = None,
        ministries: Collection[str] | None = None,
        progress: ProgressSink | None = None,
    ) -> RevalidateResult:
        """Re-check quarantined records after stewards' corrections and waivers, stage what
        passes, and match again when anything flowed into the store. ``source`` or
        ``ministries`` (a steward's scope) limit it to their sources; ``progress`` sees the
        sources re-checked, then the match."""
        self.register_sources()
        names = [source] if source else list(self.config.sources)
        if ministries is not None:
            wanted = {code.upper() for code in ministries}
            names = [n for n in names if self.config.source(n).ministry.upper() in wanted]
        reference = self.load_reference()
        skipped = self.reference_problems(names, reference)
        released = quarantine.release(
            self.engine,
            QuarantineSettings.from_settings(self.settings),
            {name: self.config.source(name) for name in names if name not in skipped},
            reference,
            actor=self.settings.operator,
            stage=staging.stage_frame,
            verify=staging.check_journal_lines,
            progress=progress,
        )
        if not any(released.released.values()):
            return RevalidateResult(released, skipped=skipped)
        sink = progress or NoProgress()
        sink.start("match", None)
        persons, vendors = self.match()
        sink.finish()
        return RevalidateResult(released, persons, vendors, skipped)

    def preview_workbook(
        self, data: bytes, *, scope: Scope, ministry: str | None = None
    ) -> WorkbookDiff:
        """A ministry's corrected quarantine workbook checked and compared with the quarantine
        (the upload limit from the web settings), with the records the revalidation's rules
        would still fail."""
        return self.quarantine.preview_workbook(
            data,
            scope=scope,
            ministry=ministry,
            max_bytes=self.settings.web.upload_max_bytes,
            check=RuleCheck(
                QuarantineSettings.from_settings(self.settings),
                self.config.sources,
                self.load_reference,
            ),
        )

    def apply_workbook(self, diff: WorkbookDiff, *, actor: str, scope: Scope) -> WorkbookApplied:
        """A previewed workbook's changes applied as corrections; ``revalidate`` lets them flow."""
        return self.quarantine.apply_workbook(diff, actor=actor, scope=scope)

    def run(
        self,
        names: list[str],
        *,
        since: datetime | None = None,
        progress: ProgressSink | None = None,
    ) -> RunResult:
        """extract → map → validate → stage, one batch per source; then match across sources."""
        for name in names:  # a bad mapping file stops the run before any batch starts
            staging.source_mapping(self.mappings_dir, name, self.config.source(name))
        self.register_sources()
        reference = self.load_reference()
        transforms: list[TransformResult] = []
        extracts: list[ExtractResult] = []
        from consolidation.pipeline.jobs import exclusive

        skipped = self.reference_problems(names, reference)
        for name in names:  # one run of a source at a time, across processes and machines
            if name in skipped:
                continue  # another ministry's file is no reason to stop this one's sources
            with exclusive(self.engine, "run", f"source:{name}", actor=self.settings.operator):
                extracted = self.extract(name, since=since, progress=progress, hold=True)
                extracts.append(extracted)
                transforms.append(
                    self.transform(extracted.batch_id, name, reference=reference, progress=progress)
                )
        persons, vendors = self.match()
        return RunResult(extracts, transforms, persons, vendors, skipped)

    def reference_problems(self, names: list[str], reference: ReferenceData) -> dict[str, str]:
        """Of these sources, those whose reference data (their ministry's crosswalk or
        calendar, or the central chart) is wrong, each with the problem in one line. Only
        finance sources use it."""
        found: dict[str, str] = {}
        for name in names:
            spec = self.config.source(name)
            problem = reference.problem(spec.ministry) if spec.domain == "finance" else None
            if problem is not None:
                found[name] = problem
                log.warning("source %s: its reference data is wrong: %s", name, problem)
        return found

    @property
    def reconciliation(self) -> ReconcileService:
        """The reconciliation service (what finance officers do): source, store and, when one
        is configured, the central Odoo."""
        odoo = self.central
        return ReconcileService(
            self.engine,
            lambda: self.config,
            self.raw_dir,
            self.mappings_dir,
            self.settings.operator,
            dict(self.settings.reconcile.tolerances),
            central=load.transport_factory(odoo) if odoo is not None else None,
            central_config=load.load_central_config((odoo or self.settings.odoo).config),
            central_database=odoo.database if odoo is not None else None,
        )

    @property
    def notifications(self) -> NotifyService:
        """Ministries' digests of what waits for them (mail, and SMS when configured)."""
        return NotifyService(
            self.engine,
            self.settings.notify,
            self.config.ministries,
            base_url=self.settings.web.base_url,
            actor=self.settings.operator,
        )


def _sink(progress: ProgressSink | None) -> ProgressSink:
    return progress if progress is not None else NoProgress()


__all__ = [
    "ExtractResult",
    "NoProgress",
    "Pipeline",
    "ProgressSink",
    "RevalidateResult",
    "RunResult",
    "TransformResult",
]
