"""The loader: plans a load from the store, or loads target by target, page by page, each page
dealt into lanes of chunks; its collaborators do the rest (:mod:`.pages`, :mod:`.refs`,
:mod:`.adoption`, :mod:`.locks`, :mod:`.lanes`, :mod:`.isolation`, :mod:`.reversal`,
:mod:`.runs`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa

from consolidation.core.odoo_rpc import OdooTransport
from consolidation.load.adoption import adopt
from consolidation.load.connection import transport_factory
from consolidation.load.exceptions import LoadError
from consolidation.load.external_ids import version_of, versioned
from consolidation.load.isolation import load_chunk
from consolidation.load.lanes import Lanes
from consolidation.load.locks import LockGuard
from consolidation.load.pages import Page, Pages
from consolidation.load.refs import Ref, RefStore, check_company_mode
from consolidation.load.report import LoadReport, ModelCounts, Outcome
from consolidation.load.reversal import EntryReverser
from consolidation.load.runs import finish_run, start_run
from consolidation.load.settings import CentralConfig, OdooSettings, load_central_config
from consolidation.load.targets import Record, Selection, Target, configured_targets

Progress = Callable[[str, int, int], None]
"""``progress(target, done, total)``."""
BATCH_SIZE = 200
"""Records per Odoo call when neither the caller nor the settings say."""
WORKERS = 2
"""Parallel lanes when neither the caller nor the settings say."""


class CentralLoader:
    def __init__(
        self,
        engine: sa.Engine,
        connect: Callable[[], OdooTransport] | None,
        config: CentralConfig,
        *,
        batch_size: int = BATCH_SIZE,
        workers: int = WORKERS,
        page_size: int | None = None,
        operator: str = "unknown",
        progress: Progress | None = None,
    ) -> None:
        self.engine = engine
        self.connect = connect
        self.config = config
        self.batch_size = batch_size
        self.workers = workers
        self.page_size = page_size
        """Records of a counted target per page; PAGE_RECORDS when None."""
        self.operator = operator
        self.progress = progress or (lambda target, done, total: None)
        self.refs = RefStore(engine, operator=operator)
        self.lanes = Lanes(self._new_transport, workers=workers, batch_size=batch_size)
        self.reverser = EntryReverser(engine, self.refs, module=config.module, operator=operator)
        self._local = threading.local()
        self._locks = LockGuard()

    def _new_transport(self) -> OdooTransport:
        if self.connect is None:
            raise LoadError("no central Odoo is configured (set CONSOLIDATION_ODOO__URL)")
        return self.connect()

    def _odoo(self) -> OdooTransport:
        """The calling thread's transport, made on first use."""
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = self._new_transport()
        return transport

    def targets(self) -> list[Target]:
        return configured_targets(self.config)

    def _pages(self, target: Target, selection: Selection) -> Pages:
        return Pages(self.engine, target, selection, self.config, size=self.page_size)

    def plan(self, selection: Selection) -> LoadReport:
        """What a load would create, update and leave unchanged, from the store alone."""
        check_company_mode(self.engine, self.config)
        report = LoadReport(run_id=None, dry_run=True)
        for target in self.targets():
            counts = report.counts[target.name] = ModelCounts()
            report.models[target.name] = target.model
            with self._pages(target, selection) as pages:
                for page in pages:
                    refs = self.refs.read(target, page.row_ids)
                    for record in page.records:
                        ref = refs.get(record.key)
                        if record.refusal:
                            report.refuse(counts, target.name, record, record.refusal)
                        elif ref is None:
                            counts.created += 1
                        elif ref.row_hash == record.row_hash and ref.state != "draft":
                            counts.unchanged += 1
                        else:
                            counts.updated += 1
        return report

    def load(self, selection: Selection, *, url: str = "", database: str = "") -> LoadReport:
        started = time.perf_counter()
        check_company_mode(self.engine, self.config)
        run_id = start_run(
            self.engine,
            selection,
            url=url,
            database=database,
            operator=self.operator,
            workers=self.workers,
            batch_size=self.batch_size,
        )
        report = LoadReport(run_id=run_id, dry_run=False)
        self._locks = LockGuard()
        try:
            for target in self.targets():
                report.models[target.name] = target.model
                report.counts[target.name] = self.load_target(target, selection, report, run_id)
        except BaseException as exc:
            report.seconds = time.perf_counter() - started
            finish_run(self.engine, run_id, report, "failed", str(exc))
            raise
        report.seconds = time.perf_counter() - started
        finish_run(self.engine, run_id, report, "finished", None)
        return report

    def load_target(
        self, target: Target, selection: Selection, report: LoadReport, run_id: int
    ) -> ModelCounts:
        counts = ModelCounts()
        with self._pages(target, selection) as pages:
            self.progress(target.name, 0, pages.total)
            done = 0
            for page in pages:
                done = self.load_page(target, page, counts, report, run_id, done, pages.total)
        return counts

    def load_page(
        self,
        target: Target,
        page: Page,
        counts: ModelCounts,
        report: LoadReport,
        run_id: int,
        done: int,
        total: int,
    ) -> int:
        """Plan and load one page of a target's records; returns how many are done so far."""
        refs = self.refs.read(target, page.row_ids)
        refused = [record for record in page.records if record.refusal]
        for record in refused:
            report.refuse(counts, target.name, record, str(record.refusal))
        self.refs.checkpoint(target, run_id, Outcome(failed=[(r, str(r.refusal)) for r in refused]))
        records = [record for record in page.records if not record.refusal]
        counts.adopted += adopt(
            self._odoo, self.refs, self.config.module, target, records, refs, run_id
        )
        work: list[Record] = []
        planned: dict[tuple[int, str], str] = {}
        reversals: list[tuple[Record, Ref]] = []
        for record in records:
            ref = refs.get(record.key)
            if ref is None or (ref.xid != record.xid and not target.posts):
                work.append(record)
                planned[record.key] = "created"
            elif ref.row_hash == record.row_hash and ref.state != "draft":
                counts.unchanged += 1
            elif target.posts and ref.state == "posted":
                reversals.append((record, ref))
            else:
                if ref.xid != record.xid:  # an entry replaced before: its current version
                    record = versioned(record, version_of(ref.xid))
                work.append(record)
                planned[record.key] = "updated"
        if target.posts and (work or reversals):
            work, reversals = self._refuse_locked(
                target, work, reversals, planned, counts, report, run_id
            )
        created = sum(1 for kind in planned.values() if kind == "created")
        counts.created += created
        counts.updated += len(planned) - created
        done += len(page.records) - len(work) - len(reversals)
        self.progress(target.name, done, total)
        for level in sorted({record.level for record in work}):
            chunks = self.lanes.run(
                target,
                [r for r in work if r.level == level],
                lambda odoo, chunk: load_chunk(odoo, self.config.module, target, chunk),
            )
            for outcome in chunks:
                self.refs.checkpoint(target, run_id, outcome)
                for record, message in outcome.failed:
                    kind = planned[record.key]
                    setattr(counts, kind, getattr(counts, kind) - 1)
                    report.refuse(counts, target.name, record, message)
                finished = {r.key for r, _ in outcome.loaded}
                finished |= {r.key for r, _ in outcome.failed}
                done += len(finished)
                self.progress(target.name, done, total)
        for record, ref in reversals:
            self.reverser.reverse_and_replace(
                self._odoo(), target, record, ref, run_id, counts, report
            )
            done += 1
            self.progress(target.name, done, total)
        return done

    def _refuse_locked(
        self,
        target: Target,
        work: list[Record],
        reversals: list[tuple[Record, Ref]],
        planned: dict[tuple[int, str], str],
        counts: ModelCounts,
        report: LoadReport,
        run_id: int,
    ) -> tuple[list[Record], list[tuple[Record, Ref]]]:
        """Refuse the entries dated on or before their company's lock date, which Odoo would
        post as of another date; the rest goes on."""
        records = [*work, *(record for record, _ in reversals)]
        locked = self._locks.refusals(self._odoo(), records)
        if not locked:
            return work, reversals
        refused = [record for record in records if record.key in locked]
        for record in refused:
            planned.pop(record.key, None)
            report.refuse(counts, target.name, record, locked[record.key])
        self.refs.checkpoint(target, run_id, Outcome(failed=[(r, locked[r.key]) for r in refused]))
        return (
            [record for record in work if record.key not in locked],
            [(record, ref) for record, ref in reversals if record.key not in locked],
        )


def open_loader(
    engine: sa.Engine,
    odoo: OdooSettings | None,
    *,
    operator: str,
    workers: int | None = None,
    batch_size: int | None = None,
    page_size: int | None = None,
    progress: Progress | None = None,
    config: CentralConfig | None = None,
) -> CentralLoader:
    """A loader into the central Odoo that ``odoo`` describes (complete it with
    ``central_settings``), or, given None, one that can only plan (a dry run). Options left
    None take the settings' values (the loader's defaults without settings); ``config`` is read
    from the settings' configuration file when not given."""
    if config is None:
        config = load_central_config(odoo.config if odoo is not None else None)
    if odoo is None:
        return CentralLoader(
            engine,
            None,
            config,
            batch_size=batch_size or BATCH_SIZE,
            workers=workers or WORKERS,
            page_size=page_size,
            operator=operator,
            progress=progress,
        )
    return CentralLoader(
        engine,
        transport_factory(odoo),
        config,
        batch_size=batch_size or odoo.batch_size,
        workers=workers or odoo.workers,
        page_size=page_size or odoo.page_size,
        operator=operator,
        progress=progress,
    )
