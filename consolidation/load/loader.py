"""Feed the central Odoo from the unified store: idempotent, failure-isolating, parallel,
resumable.

* Every record has an external id; Odoo's ``load`` creates a record and its external id in one
  transaction, and updates the record when the id exists. Journal items carry their own ids, so
  a second load never appends lines.
* ``central_ref`` is written as soon as a chunk's ids come back: it is the checkpoint. After a
  crash, ids Odoo holds but the store never heard of are found by a bulk ``ir.model.data``
  look-up and adopted, so the next run creates nothing twice.
* Odoo rolls back a whole ``load`` when one record fails; a failing chunk is split until the
  bad records stand alone. They go to the quarantine with Odoo's message; the rest loads.
* Work is split into lanes by the parent a record writes (a department's parent, an employee's
  work contact, a bank account's partner, an entry's journal sequence), so two workers never
  write the same parent at once; measured on Odoo 17, they otherwise collide on
  "could not serialize access" and on "another entry with the same name".
* A changed entry that is already posted is never rewritten: it is reversed, and the new
  version is loaded as a new entry; both are in the audit log.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql
from sqlalchemy.dialects import sqlite as sa_sqlite
from sqlalchemy.orm import Session

from consolidation.load.config import CentralConfig
from consolidation.load.targets import (
    Line,
    Record,
    Selection,
    Target,
    configured_targets,
    user_company,
)
from consolidation.core.errors import ConsolidationError
from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.core.schema import (
    AuditEvent,
    CentralRef,
    IssueStatus,
    LoadRun,
    Severity,
    ValidationIssue,
    table_of,
)

log = logging.getLogger(__name__)

QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
"""Odoo context keys that skip chatter and tracking during bulk loads."""
LOAD_RULE = "central.load.refused"
LOOKUP_CHUNK = 1_000
PAGE_RECORDS = 2_000
"""Records of a counted target (employees, journal entries) read, planned and loaded at a time;
the next page is read from the store while this one loads."""


class LoadError(ConsolidationError):
    """The load cannot go on (terminal); a single bad record is quarantined instead."""


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    adopted: int = 0
    reversed: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


@dataclass
class Failure:
    target: str
    xid: str
    source_key: str | None
    message: str


@dataclass
class LoadReport:
    run_id: int | None
    dry_run: bool
    counts: dict[str, ModelCounts] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    models: dict[str, str] = field(default_factory=dict)

    @property
    def records_written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 2),
            "targets": {
                name: {"model": self.models.get(name), **vars(counts)}
                for name, counts in self.counts.items()
            },
            "failures": [vars(failure) for failure in self.failures],
        }


@dataclass
class _Ref:
    xid: str
    central_id: int
    row_hash: str
    state: str


@dataclass
class _Outcome:
    """What one chunk did in Odoo: ids of loaded records, refusals, posting states."""

    loaded: list[tuple[Record, int]] = field(default_factory=list)
    failed: list[tuple[Record, str]] = field(default_factory=list)
    line_ids: dict[str, int] = field(default_factory=dict)
    posted: set[int] = field(default_factory=set)


Progress = Callable[[str, int, int], None]
"""``progress(target, done, total)``."""


class CentralLoader:
    def __init__(
        self,
        engine: sa.Engine,
        connect: Callable[[], OdooTransport] | None,
        config: CentralConfig,
        *,
        batch_size: int = 200,
        workers: int = 2,
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
        self._local = threading.local()
        self._lane_transports: dict[int, OdooTransport] = {}
        """Each lane's transport, kept across pages and targets (a lane's threads come and go:
        one at a time per lane), so a lane authenticates once per load."""

    # --- the transport, one per thread --------------------------------------------------------

    def _odoo(self) -> OdooTransport:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            if self.connect is None:
                raise LoadError("no central Odoo is configured (set CONSOLIDATION_ODOO__URL)")
            transport = self._local.transport = self.connect()
        return transport

    def targets(self) -> list[Target]:
        return configured_targets(self.config)

    def _pages(self, target: Target, selection: Selection) -> _Pages:
        return _Pages(self.engine, target, selection, self.config, size=self.page_size)

    # --- plan (dry run) ------------------------------------------------------------------------

    def plan(self, selection: Selection) -> LoadReport:
        """What a load would create, update and leave unchanged, from the store alone."""
        self._check_company_mode()
        report = LoadReport(run_id=None, dry_run=True)
        for target in self.targets():
            counts = report.counts[target.name] = ModelCounts()
            report.models[target.name] = target.model
            with self._pages(target, selection) as pages:
                for page in pages:
                    refs = self._refs(target, page.row_ids)
                    for record in page.records:
                        ref = refs.get(record.key)
                        if record.refusal:
                            counts.failed += 1
                            report.failures.append(
                                Failure(target.name, record.xid, record.source_key, record.refusal)
                            )
                        elif ref is None:
                            counts.created += 1
                        elif ref.row_hash == record.row_hash and ref.state != "draft":
                            counts.unchanged += 1
                        else:
                            counts.updated += 1
        return report

    # --- load ----------------------------------------------------------------------------------

    def load(self, selection: Selection, *, url: str = "", database: str = "") -> LoadReport:
        started = time.perf_counter()
        self._check_company_mode()
        run_id = self._start_run(selection, url, database)
        report = LoadReport(run_id=run_id, dry_run=False)
        try:
            for target in self.targets():
                report.models[target.name] = target.model
                report.counts[target.name] = self._load_target(target, selection, report, run_id)
        except BaseException as exc:
            report.seconds = time.perf_counter() - started
            self._finish_run(run_id, report, "failed", str(exc))
            raise
        report.seconds = time.perf_counter() - started
        self._finish_run(run_id, report, "finished", None)
        return report

    def _load_target(
        self, target: Target, selection: Selection, report: LoadReport, run_id: int
    ) -> ModelCounts:
        counts = ModelCounts()
        with self._pages(target, selection) as pages:
            self.progress(target.name, 0, pages.total)
            done = 0
            for page in pages:
                done = self._load_page(target, page, counts, report, run_id, done, pages.total)
        return counts

    def _load_page(
        self,
        target: Target,
        page: _Page,
        counts: ModelCounts,
        report: LoadReport,
        run_id: int,
        done: int,
        total: int,
    ) -> int:
        """Plan and load one page of a target's records; returns how many are done so far."""
        refs = self._refs(target, page.row_ids)
        refused = [record for record in page.records if record.refusal]
        for record in refused:
            self._fail(report, counts, target, record, str(record.refusal))
        self._checkpoint(target, run_id, _Outcome(failed=[(r, str(r.refusal)) for r in refused]))
        records = [record for record in page.records if not record.refusal]
        counts.adopted += self._adopt(target, records, refs, run_id)
        work: list[Record] = []
        planned: dict[tuple[int, str], str] = {}
        reversals: list[tuple[Record, _Ref]] = []
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
                    record = _versioned(record, _version(ref.xid))
                work.append(record)
                planned[record.key] = "updated"
        created = sum(1 for kind in planned.values() if kind == "created")
        counts.created += created
        counts.updated += len(planned) - created
        done += len(page.records) - len(work) - len(reversals)
        self.progress(target.name, done, total)
        for level in sorted({record.level for record in work}):
            for outcome in self._run_lanes(target, [r for r in work if r.level == level]):
                self._checkpoint(target, run_id, outcome)
                for record, message in outcome.failed:
                    kind = planned[record.key]
                    setattr(counts, kind, getattr(counts, kind) - 1)
                    self._fail(report, counts, target, record, message)
                finished = {r.key for r, _ in outcome.loaded}
                finished |= {r.key for r, _ in outcome.failed}
                done += len(finished)
                self.progress(target.name, done, total)
        for record, ref in reversals:
            self._reverse_and_replace(target, record, ref, run_id, counts, report)
            done += 1
            self.progress(target.name, done, total)
        return done

    def _fail(
        self, report: LoadReport, counts: ModelCounts, target: Target, record: Record, message: str
    ) -> None:
        counts.failed += 1
        report.failures.append(Failure(target.name, record.xid, record.source_key, message))

    def _check_company_mode(self) -> None:
        """A store loads into the central Odoo in one company mode. Switched after a load, the
        loader would build a second chart and second journals beside the first (the per-ministry
        copies have their own external ids), so it stops and says so instead."""
        refs = table_of(CentralRef)
        if self.config.per_ministry:  # references the single company's chart has
            other = sa.and_(refs.c.entity == "account", refs.c.scope == "")
            was, now = "single", "per_ministry"
        else:  # references only a company per ministry has
            other = sa.or_(refs.c.entity == "ministry_company", refs.c.scope != "")
            was, now = "per_ministry", "single"
        with self.engine.connect() as connection:
            found = connection.scalar(sa.select(sa.func.count()).select_from(refs).where(other))
        if found:
            raise LoadError(
                f"company_mode is {now}, but this store has loaded {found} records into the "
                f"central Odoo in company_mode {was}; loading now would make a second chart and "
                f"second journals beside them. Keep company_mode: {was}, or load into a fresh "
                "central database with a fresh store"
            )

    # --- lanes: parallel work, one parent per lane ----------------------------------------------

    def _run_lanes(self, target: Target, records: list[Record]) -> Iterator[_Outcome]:
        if not records:
            return
        lanes = _lanes(records, self.workers)
        results: queue.Queue[_Outcome | BaseException | None] = queue.Queue()

        def work(index: int, lane: list[Record]) -> None:
            try:
                transport = self._lane_transports.get(index)
                if transport is None:
                    transport = self._lane_transports[index] = self._odoo()
                self._local.transport = transport
                for start in range(0, len(lane), self.batch_size):
                    results.put(self._load_chunk(target, lane[start : start + self.batch_size]))
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                results.put(exc)
            finally:
                results.put(None)

        threads = [
            threading.Thread(
                target=work, args=(index, lane), daemon=True, name=f"load-{target.name}-{index}"
            )
            for index, lane in enumerate(lanes)
            if lane
        ]
        for thread in threads:
            thread.start()
        running, error = len(threads), None
        while running:
            item = results.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                error = error or item
            elif error is None:
                yield item
        for thread in threads:
            thread.join()
        if error is not None:
            raise error

    def _load_chunk(self, target: Target, records: list[Record]) -> _Outcome:
        """Load a chunk; isolate the records Odoo refuses; post entries; resolve line ids."""
        outcome = _Outcome()
        self._load_isolating(target, records, outcome)
        if outcome.loaded and target.line_entity:
            lines = [line for record, _ in outcome.loaded for line in record.lines]
            outcome.line_ids = self._lookup([line.xid for line in lines], "account.move.line")
        if outcome.loaded and target.posts:
            # posted straight away: an entry already posted (a draft reference that Odoo had
            # posted after all) makes the call fail, and _post then reads the states back
            self._post(target, list(outcome.loaded), outcome)
        return outcome

    def _load_isolating(self, target: Target, records: list[Record], outcome: _Outcome) -> None:
        odoo = self._odoo()
        try:
            result = odoo.execute(
                target.model, "load", target.columns, target.rows(records), context=QUIET
            )
        except OdooError as exc:
            if exc.transient:
                raise  # the transport's retries are spent: stop, a later run resumes
            result = {"ids": False, "messages": [{"type": "error", "message": str(exc)}]}
        ids = result.get("ids")
        if ids:
            outcome.loaded.extend(zip(records, [int(i) for i in ids], strict=True))
            return
        errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
        if len(records) == 1:
            message = "; ".join(dict.fromkeys(_one_line(m.get("message", "")) for m in errors))
            outcome.failed.append((records[0], message or "Odoo refused the record"))
            return
        named = {m["record"] for m in errors if isinstance(m.get("record"), int)}
        if errors and named and all(isinstance(m.get("record"), int) for m in errors):
            bad = [records[i] for i in sorted(named) if i < len(records)]
            for record in bad:
                text = "; ".join(
                    dict.fromkeys(
                        _one_line(m.get("message", ""))
                        for m in errors
                        if m.get("record") == records.index(record)
                    )
                )
                outcome.failed.append((record, text))
            rest = [record for record in records if record not in bad]
            if rest:
                self._load_isolating(target, rest, outcome)
            return
        middle = len(records) // 2
        self._load_isolating(target, records[:middle], outcome)
        self._load_isolating(target, records[middle:], outcome)

    def _posted(self, ids: list[int], model: str) -> set[int]:
        """Those of the entries ``ids`` that Odoo holds as posted."""
        rows = self._odoo().execute(model, "search_read", [["id", "in", ids]], ["state"])
        return {int(row["id"]) for row in rows if row["state"] == "posted"}

    def _post(self, target: Target, todo: list[tuple[Record, int]], outcome: _Outcome) -> None:
        if not todo:
            return
        odoo = self._odoo()
        try:
            odoo.execute_void(target.model, "action_post", [cid for _, cid in todo])
            outcome.posted.update(cid for _, cid in todo)
        except OdooError as exc:
            if exc.transient:
                raise
            # a retry after a lost answer meets entries the first call posted ('must be in
            # draft'): the state read back, not the fault, says which ones are still drafts
            posted = self._posted([cid for _, cid in todo], target.model)
            outcome.posted.update(posted)
            if posted:
                self._post(target, [(r, cid) for r, cid in todo if cid not in posted], outcome)
                return
            if len(todo) == 1:
                # loaded but not posted: it stays a draft, and its posting failure is an issue
                outcome.failed.append((todo[0][0], f"not posted: {_one_line(str(exc))}"))
                return
            middle = len(todo) // 2
            self._post(target, todo[:middle], outcome)
            self._post(target, todo[middle:], outcome)

    # --- external ids --------------------------------------------------------------------------

    def _lookup(self, xids: list[str], model: str | None = None) -> dict[str, int]:
        """Bulk ``ir.model.data`` look-up: full external id → record id, for those Odoo has."""
        found: dict[str, int] = {}
        module = self.config.module
        names = [xid.split(".", 1)[1] for xid in xids]
        for start in range(0, len(names), LOOKUP_CHUNK):
            domain: list[Any] = [
                ["module", "=", module],
                ["name", "in", names[start : start + LOOKUP_CHUNK]],
            ]
            if model is not None:
                domain.append(["model", "=", model])
            for row in self._odoo().execute(
                "ir.model.data", "search_read", domain, ["name", "res_id"]
            ):
                found[f"{module}.{row['name']}"] = int(row["res_id"])
        return found

    def _adopt(
        self,
        target: Target,
        records: list[Record],
        refs: dict[tuple[int, str], _Ref],
        run_id: int,
    ) -> int:
        """Records Odoo holds that the store has no reference for (a run cut off after Odoo
        committed, or an account of the chart Odoo already had) become references."""
        unknown = [record for record in records if record.key not in refs]
        if not unknown:
            return 0
        found = self._lookup([record.xid for record in unknown], target.model)
        adopted = _Outcome()
        for record in unknown:
            if record.xid in found:
                adopted.loaded.append((record, found[record.xid]))
        if target.name == "account":
            self._adopt_by_code([record for record in unknown if record.xid not in found], adopted)
        if not adopted.loaded:
            return 0
        if target.line_entity:
            lines = [line for record, _ in adopted.loaded for line in record.lines]
            adopted.line_ids = self._lookup([line.xid for line in lines], "account.move.line")
            adopted.posted = self._posted([cid for _, cid in adopted.loaded], target.model)
        # adopted records are re-sent (load updates them by id) unless they are posted entries
        hashes = {
            record.key: record.row_hash
            if target.name == "account" or (target.posts and cid in adopted.posted)
            else ""
            for record, cid in adopted.loaded
        }
        self._checkpoint(target, run_id, adopted, hashes=hashes)
        for record, cid in adopted.loaded:
            state = "posted" if cid in adopted.posted else ("draft" if target.posts else "loaded")
            refs[record.key] = _Ref(record.xid, cid, hashes[record.key], state)
        return len(adopted.loaded)

    def _adopt_by_code(self, records: list[Record], adopted: _Outcome) -> None:
        """An account whose code the company's chart already has is used, not created twice
        (Odoo's own chart in the single company; in a ministry's company, one made before)."""
        if not records:
            return
        odoo = self._odoo()
        companies = self._companies_of(records)
        wanted = {(record.values["code"], companies[record.key]): record for record in records}
        existing = odoo.execute(
            "account.account",
            "search_read",
            [["code", "in", sorted({code for code, _ in wanted})]],
            ["code", "company_id"],
        )
        for row in existing:
            company = row["company_id"][0] if row["company_id"] else None
            record = wanted.get((row["code"], company))
            if record is None:
                continue  # the same code in another company's chart
            module, name = record.xid.split(".", 1)
            try:
                odoo.execute(
                    "ir.model.data",
                    "create",
                    {
                        "module": module,
                        "name": name,
                        "model": "account.account",
                        "res_id": row["id"],
                    },
                )
            except OdooError as exc:
                # a retry after a lost answer finds the external id taken: by this account?
                if exc.transient or self._lookup([record.xid], "account.account").get(
                    record.xid
                ) != int(row["id"]):
                    raise
            adopted.loaded.append((record, int(row["id"])))

    def _companies_of(self, records: list[Record]) -> dict[tuple[int, str], int | None]:
        """Each record's company id: the one it names (None while Odoo has no such company),
        or, when it names none, the loading user's company (where Odoo puts it)."""
        named = sorted(
            {r.values["company_id/id"] for r in records if r.values.get("company_id/id")}
        )
        found = self._lookup(named, "res.company") if named else {}
        default: int | None = None
        if any(not record.values.get("company_id/id") for record in records):
            default = user_company(self._odoo())
        return {
            record.key: found.get(record.values["company_id/id"])
            if record.values.get("company_id/id")
            else default
            for record in records
        }

    # --- posted entries that changed ------------------------------------------------------------

    def _reverse_and_replace(
        self,
        target: Target,
        record: Record,
        ref: _Ref,
        run_id: int,
        counts: ModelCounts,
        report: LoadReport,
    ) -> None:
        """A posted entry is never rewritten: reverse it, then load the new version under a
        new external id. Both steps are audited."""
        odoo = self._odoo()
        version = _version(ref.xid) + 1
        old_lines = odoo.execute(
            "account.move.line",
            "search_read",
            [["move_id", "=", ref.central_id]],
            ["account_id", "name", "debit", "credit", "partner_id"],
        )
        old = odoo.execute(target.model, "read", [ref.central_id], ["date", "ref"])[0]
        reversal = Record(
            target.name,
            record.row_id,
            f"{_base(ref.xid)}_reversal_{version - 1}",
            {
                "journal_id/id": record.values["journal_id/id"],
                "date": record.values["date"],
                "ref": f"Reversal of {old.get('ref') or ref.xid}",
            },
            record.group,
        )
        for number, line in enumerate(old_lines):
            reversal.lines.append(
                Line(
                    "reversal_line",
                    0,
                    f"{reversal.xid}_line_{number}",
                    {
                        "account_id/.id": str(line["account_id"][0]),
                        "name": f"Reversal: {line.get('name') or ''}".strip(),
                        "debit": _text(line["credit"]),
                        "credit": _text(line["debit"]),
                        "partner_id/.id": str(line["partner_id"][0]) if line["partner_id"] else "",
                    },
                )
            )
        reversal_target = Target(
            target.name,
            target.model,
            target.fields,
            target.read,
            line_fields=("id", "account_id/.id", "name", "debit", "credit", "partner_id/.id"),
            posts=True,
        )
        reversed_outcome = self._load_chunk(reversal_target, [reversal])
        if reversed_outcome.failed:
            reason = reversed_outcome.failed[0][1]
            message = f"the posted entry changed but could not be reversed: {reason}"
            self._fail(report, counts, target, record, message)
            self._checkpoint(target, run_id, _Outcome(failed=[(record, message)]))
            return
        new = _versioned(record, version)
        outcome = self._load_chunk(target, [new])
        self._checkpoint(target, run_id, outcome)
        reversal_id = reversed_outcome.loaded[0][1]
        with Session(self.engine) as session, session.begin():
            session.add(
                AuditEvent(
                    at=datetime.now(UTC),
                    actor=self.operator,
                    action="central.entry.reversed",
                    target_type=target.model,
                    target_id=record.xid,
                    detail={
                        "old_id": ref.central_id,
                        "old_external_id": ref.xid,
                        "reversal_id": reversal_id,
                        "new_external_id": new.xid,
                        "new_id": outcome.loaded[0][1] if outcome.loaded else None,
                        "load_run": run_id,
                    },
                )
            )
        if outcome.failed:
            self._fail(report, counts, target, record, outcome.failed[0][1])
        else:
            counts.reversed += 1
            counts.updated += 1

    # --- the store -----------------------------------------------------------------------------

    def _refs(self, target: Target, row_ids: list[int] | None) -> dict[tuple[int, str], _Ref]:
        """The store's references of the target: all of them, or those of ``row_ids``."""
        table = table_of(CentralRef)
        query = sa.select(
            table.c.row_id,
            table.c.scope,
            table.c.external_id,
            table.c.central_id,
            table.c.row_hash,
            table.c.state,
        ).where(table.c.entity == target.name)
        if row_ids is None:
            queries = [query]
        else:
            ids = sorted(set(row_ids))
            queries = [
                query.where(table.c.row_id.in_(ids[start : start + LOOKUP_CHUNK]))
                for start in range(0, len(ids), LOOKUP_CHUNK)
            ]
        refs: dict[tuple[int, str], _Ref] = {}
        with self.engine.connect() as connection:
            for chunk in queries:
                for row in connection.execute(chunk):
                    refs[(row.row_id, row.scope)] = _Ref(
                        row.external_id, row.central_id, row.row_hash, row.state
                    )
        return refs

    def _checkpoint(
        self,
        target: Target,
        run_id: int,
        outcome: _Outcome,
        *,
        hashes: dict[tuple[int, str], str] | None = None,
    ) -> None:
        """Write what Odoo returned, and the quarantine of what it refused, in one transaction."""
        if not outcome.loaded and not outcome.failed:
            return
        now = datetime.now(UTC)
        refs = table_of(CentralRef)
        rows: list[dict[str, Any]] = []
        loaded_keys: list[tuple[str, str]] = []
        for record, central_id in outcome.loaded:
            state = "loaded"
            if target.posts:
                state = "posted" if central_id in outcome.posted else "draft"
            rows.append(
                {
                    "entity": target.name,
                    "row_id": record.row_id,
                    "scope": record.scope,
                    "model": target.model,
                    "central_id": central_id,
                    "external_id": record.xid,
                    "row_hash": record.row_hash if hashes is None else hashes[record.key],
                    "batch_id": record.batch_id if target.owned_by_batch else None,
                    "load_run_id": run_id,
                    "state": state,
                    "loaded_at": now,
                }
            )
            for line in record.lines:
                line_id = outcome.line_ids.get(line.xid)
                if line_id is not None and target.line_entity:
                    rows.append(
                        {
                            "entity": target.line_entity,
                            "row_id": line.row_id,
                            "scope": "",
                            "model": "account.move.line",
                            "central_id": line_id,
                            "external_id": line.xid,
                            "row_hash": "",
                            "batch_id": record.batch_id,
                            "load_run_id": run_id,
                            "state": state,
                            "loaded_at": now,
                        }
                    )
            if record.source_system and record.source_key:
                loaded_keys.append((record.source_system, record.source_key))
        with self.engine.begin() as connection:
            if rows:
                _upsert_refs(connection, refs, rows)
            self._issues(connection, target, outcome.failed, loaded_keys, now)

    def _issues(
        self,
        connection: sa.Connection,
        target: Target,
        failed: list[tuple[Record, str]],
        loaded: list[tuple[str, str]],
        now: datetime,
    ) -> None:
        issues = table_of(ValidationIssue)
        open_refusals = (
            issues.c.entity == target.name,
            issues.c.rule_id == LOAD_RULE,
            issues.c.status == IssueStatus.OPEN.value,
        )
        if (
            loaded
            and connection.execute(sa.select(issues.c.id).where(*open_refusals).limit(1)).first()
        ):
            # what Odoo refused before and took now: its issue is closed (one statement a
            # chunk of keys; usually nothing is open and this is skipped)
            for start in range(0, len(loaded), 500):
                connection.execute(
                    issues.update()
                    .where(
                        *open_refusals,
                        sa.tuple_(issues.c.source_system, issues.c.source_key).in_(
                            loaded[start : start + 500]
                        ),
                    )
                    .values(
                        status=IssueStatus.FIXED.value, updated_at=now, updated_by=self.operator
                    )
                )
        for record, message in failed:
            if not (record.source_system and record.source_key and record.batch_id):
                raise LoadError(f"Odoo refused {target.model} {record.xid}: {message}")
            identity = (
                issues.c.source_system == record.source_system,
                issues.c.entity == target.name,
                issues.c.source_key == record.source_key,
                issues.c.rule_id == LOAD_RULE,
                issues.c.field == "",
            )
            text = f"The central Odoo refused this {target.model} record: {message}"
            updated = connection.execute(
                issues.update()
                .where(*identity)
                .values(
                    message=text,
                    status=IssueStatus.OPEN.value,
                    batch_id=record.batch_id,
                    updated_at=now,
                )
            )
            if updated.rowcount == 0:
                connection.execute(
                    issues.insert().values(
                        batch_id=record.batch_id,
                        source_system=record.source_system,
                        entity=target.name,
                        source_key=record.source_key,
                        rule_id=LOAD_RULE,
                        severity=Severity.ERROR.value,
                        field="",
                        value=None,
                        message=text,
                        status=IssueStatus.OPEN.value,
                        created_at=now,
                    )
                )

    def _start_run(self, selection: Selection, url: str, database: str) -> int:
        """A new run; a run still 'running' was cut off (one load at a time)."""
        with Session(self.engine) as session, session.begin():
            runs = table_of(LoadRun)
            session.execute(
                runs.update().where(runs.c.status == "running").values(status="interrupted")
            )
            run = LoadRun(
                operator=self.operator,
                central_url=url,
                central_database=database,
                sources=",".join(selection.sources) if selection.sources else "*",
                workers=self.workers,
                batch_size=self.batch_size,
                status="running",
                started_at=datetime.now(UTC),
                summary={},
            )
            session.add(run)
            session.flush()
            return run.id

    def _finish_run(
        self, run_id: int, report: LoadReport, status: str, message: str | None
    ) -> None:
        with Session(self.engine) as session, session.begin():
            run = session.get_one(LoadRun, run_id)
            run.status = status
            run.finished_at = datetime.now(UTC)
            run.summary = report.as_dict()
            run.message = message


@dataclass
class _Page:
    records: list[Record]
    whole: bool = False
    """All of the target's records (one scan of its references is faster than look-ups)."""

    @property
    def row_ids(self) -> list[int] | None:
        """The rows to look references up for; None for a whole target."""
        return None if self.whole else [record.row_id for record in self.records]


_END = object()


class _Pages:
    """A target's records a page at a time. A target with a count is read page by page on a
    thread of its own, ahead of the load, so reading the store overlaps Odoo's work; memory
    holds at most three pages (the one loading, one waiting, one being read), not the whole
    ledger. A target without a count is read whole."""

    def __init__(
        self,
        engine: sa.Engine,
        target: Target,
        selection: Selection,
        config: CentralConfig,
        size: int | None = None,
    ) -> None:
        self.engine, self.target, self.selection, self.config = engine, target, selection, config
        self.size = size or PAGE_RECORDS
        self.total = 0
        self._whole: list[Record] | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Pages:
        with Session(self.engine) as session:
            if self.target.count is None:
                self._whole = list(self.target.read(session, self.selection, self.config))
                self.total = len(self._whole)
                return self
            self.total = self.target.count(session, self.selection)
        self._thread = threading.Thread(
            target=self._read, daemon=True, name=f"read-{self.target.name}"
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __iter__(self) -> Iterator[_Page]:
        if self._whole is not None:
            yield _Page(self._whole, whole=True)
            return
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield _Page(item)

    def _read(self) -> None:
        try:
            with Session(self.engine) as session:
                page: list[Record] = []
                for record in self.target.read(session, self.selection, self.config):
                    if record.level:
                        raise LoadError(
                            f"{self.target.name} is loaded page by page, so its records must "
                            f"all be of level 0 ({record.xid} is of level {record.level})"
                        )
                    page.append(record)
                    if len(page) == self.size:
                        if not self._put(page):
                            return
                        page = []
                if page and not self._put(page):
                    return
            self._put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the loading thread
            self._put(exc)

    def _put(self, item: Any) -> bool:
        """Hand an item over, waiting while the loader is busy; False once it has stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False


_REF_KEY = ("entity", "row_id", "scope")


def _upsert_refs(connection: sa.Connection, refs: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Write references, replacing a row's earlier one (its unique entity, row and scope): one
    ``INSERT … ON CONFLICT DO UPDATE`` on the store's two backends, delete-then-insert elsewhere."""
    name = connection.dialect.name
    if name in ("sqlite", "postgresql"):
        insert = sa_postgresql.insert(refs) if name == "postgresql" else sa_sqlite.insert(refs)
        changed = {key: insert.excluded[key] for key in rows[0] if key not in _REF_KEY}
        connection.execute(
            insert.on_conflict_do_update(index_elements=_REF_KEY, set_=changed), rows
        )
        return
    for entity, scope in {(row["entity"], row["scope"]) for row in rows}:
        ids = [r["row_id"] for r in rows if (r["entity"], r["scope"]) == (entity, scope)]
        for start in range(0, len(ids), 500):
            connection.execute(
                refs.delete().where(
                    refs.c.entity == entity,
                    refs.c.scope == scope,
                    refs.c.row_id.in_(ids[start : start + 500]),
                )
            )
    connection.execute(refs.insert(), rows)


def _lanes(records: list[Record], workers: int) -> list[list[Record]]:
    """The records in at most ``workers`` lanes: the records that share a parent all in one
    lane, in their own order, and the lanes as even as that allows (the largest group first,
    each to the lane with the fewest records so far). A hash of the group put the demo ledger's
    two journals in the same lane of two, and left the other idle."""
    root = _parent_components(records)
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(root[record.group], []).append(record)
    lanes: list[list[Record]] = [[] for _ in range(max(1, min(workers, len(groups))))]
    for key in sorted(groups, key=lambda key: (-len(groups[key]), key)):
        min(lanes, key=len).extend(groups[key])
    return lanes


def _parent_components(records: list[Record]) -> dict[str, str]:
    """Each group's representative, joining groups that share a parent (union-find)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for record in records:
        for other in record.also:
            first, second = find(record.group), find(other)
            if first != second:
                parent[max(first, second)] = min(first, second)
    return {record.group: find(record.group) for record in records}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _text(value: float) -> str:
    from consolidation.core.money import from_float

    return format(from_float(value), "f")


def _version(xid: str) -> int:
    head, _, tail = xid.rpartition("_v")
    return int(tail) if head and tail.isdigit() else 1


def _versioned(record: Record, version: int) -> Record:
    """The record under the external ids of its ``version`` (1 is the first, unsuffixed)."""
    if version <= 1:
        return record

    def name(xid: str) -> str:
        return f"{_base(xid)}_v{version}"

    return dataclasses.replace(
        record,
        xid=name(record.xid),
        lines=[dataclasses.replace(line, xid=name(line.xid)) for line in record.lines],
    )


def _base(xid: str) -> str:
    head, _, tail = xid.rpartition("_v")
    return head if head and tail.isdigit() else xid
