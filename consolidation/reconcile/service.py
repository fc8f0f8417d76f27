"""The reconciliation service: one run over a scope, stored; earlier runs shown; sign-offs.

The comparisons are computed by :mod:`.ledger` (source → store), :mod:`.fresh` (the source
since its extraction), :mod:`.hr` (headcount) and :mod:`.central` (store → central Odoo); this
module picks the batches they stand on, fingerprints them, and stores the result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import store
from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.core.schema import (
    Account,
    Batch,
    BatchStatus,
    Domain,
    Ministry,
    RawChunkFile,
    SourceAccount,
    SourceSystem,
)
from consolidation.core.sources import SourcesConfig
from consolidation.core.types import NoProgress, ProgressSink
from consolidation.load.settings import CentralConfig
from consolidation.reconcile import central, hr, ledger, overview, runs
from consolidation.reconcile.exceptions import ReconcileError
from consolidation.reconcile.fresh import fresh_cells
from consolidation.reconcile.ledger import SourceBatch
from consolidation.reconcile.model import (
    BatchPrint,
    Cell,
    Explanation,
    Fingerprint,
    Reconciliation,
    Scope,
    Signoff,
)
from consolidation.staging import source_mapping

LEVELS = ("source", "store", "central")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PAYROLL_NOTE = (
    "Payroll is reconciled from the source to the store only: Odoo 17 Community has no payroll "
    "module, so no payroll reaches the central Odoo."
)


def parse_period(text: str | None) -> tuple[str | None, str | None]:
    """``2025-01..2025-12``, ``2025-03`` or ``2025`` (the whole year) → (from, to)."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-01", f"{text}-12"
    first, dots, last = text.partition("..")
    bounds = (first, last) if dots else (first, first)
    for bound in bounds:
        if bound and not _PERIOD.match(bound):
            raise ReconcileError(
                f"period {text!r} is not valid: expected YYYY-MM, YYYY-MM..YYYY-MM or YYYY "
                f"(got {bound!r})"
            )
    period_from, period_to = bounds[0] or None, bounds[1] or None
    if period_from and period_to and period_from > period_to:
        raise ReconcileError(f"period {text!r} ends before it starts")
    return period_from, period_to


def parse_levels(text: str | None) -> tuple[str, ...]:
    if text is None:
        return LEVELS
    levels = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [level for level in levels if level not in LEVELS]
    if unknown or len(levels) < 2:
        raise ReconcileError(
            f"levels {text!r}: expected two or more of {', '.join(LEVELS)} "
            f"(comma-separated){'; unknown: ' + ', '.join(unknown) if unknown else ''}"
        )
    return levels


def _raw_digest(checksums: list[str]) -> str:
    return hashlib.sha256("\n".join(checksums).encode()).hexdigest()


@dataclass
class ReconcileService:
    """Reconciliation over one store, one sources config and (optionally) one central Odoo."""

    engine: sa.Engine
    sources: Callable[[], SourcesConfig]
    """The sources config, read when a run needs it (``show`` and ``sign_off`` do not)."""
    raw_dir: Path
    mappings_dir: Path
    operator: str
    tolerances: dict[str, Decimal]
    central: Callable[[], OdooTransport] | None = None
    central_config: CentralConfig | None = None
    central_database: str | None = None

    def scope(
        self,
        *,
        ministries: list[str] | None = None,
        period: str | None = None,
        levels: str | None = None,
        fresh_source: bool = False,
    ) -> Scope:
        """A scope from what a user typed, checked against the store."""
        store.require_current(self.engine)
        period_from, period_to = parse_period(period)
        chosen = parse_levels(levels)
        with Session(self.engine) as session:
            known = set(session.scalars(sa.select(Ministry.code)))
        asked = tuple(dict.fromkeys(m.strip().upper() for m in ministries or [] if m.strip()))
        unknown = [code for code in asked if code not in known]
        if unknown:
            raise ReconcileError(
                f"unknown ministry {', '.join(unknown)}: the store knows "
                f"{', '.join(sorted(known)) or 'none (run consolidate run first)'}"
            )
        if "central" in chosen and (self.central is None or self.central_config is None):
            raise ReconcileError(
                "no central Odoo configured: set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD, "
                "or leave 'central' out of --levels"
            )
        if fresh_source and "source" not in chosen:
            raise ReconcileError("--fresh-source compares the source: keep 'source' in --levels")
        return Scope(asked, period_from, period_to, chosen, fresh_source)

    def _batches(self, session: Session, scope: Scope) -> list[tuple[SourceBatch, Domain, Batch]]:
        """Per source in scope, the latest full batch that reached the store."""
        query = (
            sa.select(Batch, SourceSystem.code, Ministry.code)
            .join(SourceSystem, SourceSystem.id == Batch.source_system_id)
            .join(Ministry, Ministry.id == SourceSystem.ministry_id)
            .where(
                Batch.status.in_([BatchStatus.STAGED, BatchStatus.LOADED]),
                Batch.since.is_(None),
            )
            .order_by(Batch.id)
        )
        if scope.ministries:
            query = query.where(Ministry.code.in_(scope.ministries))
        latest: dict[str, tuple[SourceBatch, Domain, Batch]] = {}
        for batch, system, ministry in session.execute(query):
            latest[system] = (SourceBatch(system, ministry, batch.id), batch.domain, batch)
        return [latest[name] for name in sorted(latest)]

    def _fingerprint(
        self, session: Session, picked: list[tuple[SourceBatch, Domain, Batch]]
    ) -> Fingerprint:
        prints = []
        for source, _, batch in picked:
            checksums = list(
                session.scalars(
                    sa.select(RawChunkFile.sha256)
                    .filter_by(batch_id=batch.id)
                    .order_by(RawChunkFile.entity, RawChunkFile.number)
                )
            )
            prints.append(
                BatchPrint(
                    source.source_system,
                    batch.id,
                    batch.status.value,
                    batch.started_at,
                    len(checksums),
                    _raw_digest(checksums),
                )
            )
        return Fingerprint(
            at=datetime.now(UTC),
            operator=self.operator,
            store=self.engine.url.render_as_string(hide_password=True),
            batches=prints,
        )

    def run(self, scope: Scope, progress: ProgressSink | None = None) -> Reconciliation:
        """Reconcile ``scope``, store the run, and return its result."""
        sink = progress if progress is not None else NoProgress()
        with Session(self.engine) as session:
            picked = self._batches(session, scope)
            if not picked:
                where = f" of {', '.join(scope.ministries)}" if scope.ministries else ""
                raise ReconcileError(
                    f"the store has no staged batch{where}: run `consolidate run` first"
                )
            result = Reconciliation(scope, self._fingerprint(session, picked))
            codes = {s.ministry for s, _, _ in picked} | set(scope.ministries)
            result.ministries = {
                m.code: " / ".join(n for n in (m.name_en, m.name_ar) if n)
                for m in session.scalars(sa.select(Ministry).where(Ministry.code.in_(codes)))
            }
            finance = [s for s, domain, _ in picked if domain is Domain.FINANCE]
            people = [s for s, domain, _ in picked if domain is Domain.HR]
            if scope.compares("source", "store"):
                self._source_store(session, result, finance, people, sink)
            if scope.fresh_source:
                sink.start("reconcile: reading the sources again", None)
                cells, differences = fresh_cells(
                    session, finance, self.sources(), self.raw_dir, self.mappings_dir, scope, sink
                )
                result.cells += cells
                result.differences += differences
                sink.finish()
            if scope.compares("store", "central"):
                self._store_central(session, result, people)
            self._name_accounts(session, result.cells)
            for code, amount in sorted(self.tolerances.items()):
                if any(cell.account == code for cell in result.cells):
                    result.notes.append(
                        f"Account {code}: a tolerance of {amount} BHD is configured."
                    )
        with Session(self.engine) as session, session.begin():
            runs.save(session, result)
        return result

    def _source_store(
        self,
        session: Session,
        result: Reconciliation,
        finance: list[SourceBatch],
        people: list[SourceBatch],
        sink: ProgressSink,
    ) -> None:
        steps: tuple[tuple[str, Callable[[], tuple[list[Cell], list[Explanation]]]], ...] = (
            (
                "ledger",
                lambda: ledger.ledger_cells(session, finance, result.scope, self.tolerances),
            ),
            (
                "opening balances",
                lambda: ledger.opening_cells(session, finance, result.scope, self.tolerances),
            ),
            ("payroll", lambda: ledger.payroll_cells(session, people, result.scope)),
        )
        for name, step in steps:
            sink.start(f"reconcile {name}, source against store (cells)", None)
            cells, explanations = step()
            result.cells += cells
            result.explanations += explanations
            sink.advance(len(cells))
            sink.finish()
        if people:
            result.notes.append(PAYROLL_NOTE)
            config = self.sources()
            mappings = {
                s.source_system: source_mapping(
                    self.mappings_dir, s.source_system, config.source(s.source_system)
                )
                for s in people
                if s.source_system in config.sources
            }
            sink.start("reconcile headcount, source against store (employees)", None)
            result.headcount = hr.headcount(session, people, mappings, self.raw_dir, result.scope)
            sink.advance(sum(row.source for row in result.headcount))
            sink.finish()

    def _store_central(
        self, session: Session, result: Reconciliation, people: list[SourceBatch]
    ) -> None:
        if self.central is None or self.central_config is None:
            raise ReconcileError(
                "no central Odoo configured: set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD, "
                "or leave 'central' out of --levels"
            )
        try:
            odoo = self.central()
            odoo.authenticate()
        except OdooError as exc:
            raise ReconcileError(f"the central Odoo cannot be reached: {exc}") from exc
        reader = central.CentralReader(odoo, self.central_config)
        ministry_ids = {
            m.code: m.id
            for m in session.scalars(
                sa.select(Ministry).where(Ministry.code.in_(list(result.ministries)))
            )
        }
        level = central.CentralLevel(session, reader, ministry_ids, result.scope, self.tolerances)
        level.resolve_owners()
        result.cells += level.ledger()
        result.cells += level.opening()
        if people:
            if not result.headcount:
                result.headcount = hr.headcount(session, people, {}, self.raw_dir, result.scope)
            level.headcount(result.headcount)
        result.differences += level.differences
        result.fingerprint.central_url = odoo.url
        result.fingerprint.central_database = self.central_database
        result.central_calls = reader.calls

    def _name_accounts(self, session: Session, cells: list[Cell]) -> None:
        unified = {
            a.code: a.name_en or a.name_ar or "" for a in session.scalars(sa.select(Account))
        }
        ministry_ids = {m.code: m.id for m in session.scalars(sa.select(Ministry))}
        own: dict[tuple[int, str], str] = {
            (a.ministry_id, a.code): a.name_en or a.name_ar or ""
            for a in session.scalars(
                sa.select(SourceAccount).where(SourceAccount.withdrawn.is_(False))
            )
        }
        for cell in cells:
            if cell.comparison.sides[0] == "store" or cell.comparison.sides[1] == "central":
                cell.account_name = unified.get(cell.account, "")
            else:
                cell.account_name = own.get((ministry_ids.get(cell.ministry, 0), cell.account), "")

    def show(self, run_id: int) -> Reconciliation:
        store.require_current(self.engine)
        with Session(self.engine) as session:
            result = runs.load(session, run_id)
            self._name_accounts(session, result.cells)
            return result

    def sign_off(
        self, run_id: int, ministry: str, period: str, note: str, *, actor: str | None = None
    ) -> Signoff:
        """Sign a ministry-period off on a run, as ``actor`` (the web app's user; the CLI's
        operator by default)."""
        store.require_current(self.engine)
        if not _PERIOD.match(period) and not re.fullmatch(r"\d{4}", period):
            raise ReconcileError(f"period {period!r} is not valid: expected YYYY-MM (or YYYY)")
        with Session(self.engine) as session, session.begin():
            return runs.sign_off(
                session, run_id, ministry.upper(), period, note, actor or self.operator
            )

    def runs(self, *, offset: int = 0, limit: int = 50) -> list[overview.RunRow]:
        """The stored runs, newest first, a page at a time."""
        store.require_current(self.engine)
        with Session(self.engine) as session:
            return overview.list_runs(session, offset=offset, limit=limit)

    def count_runs(self) -> int:
        with Session(self.engine) as session:
            return overview.count_runs(session)

    def is_latest(self, run_id: int) -> bool:
        """Whether ``run_id`` is the latest run of its scope, the one sign-offs are made on."""
        with Session(self.engine) as session:
            return overview.is_latest(session, run_id)
