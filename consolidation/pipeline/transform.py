"""Map → validate → stage one extracted batch into the unified store.

Two passes over the batch's raw chunks keep memory flat whatever the source size:

1. every entity is mapped and validated chunk by chunk; mapped chunks go to the batch's work
   folder and issues are collected (cross-chunk rules — duplicates, balanced entries — report
   when the entity is finished). On a source's first load (insert only), each chunk's records
   without an error of their own are staged at once, by the database on its own core while
   Python maps the next chunk;
2. once every issue is known, records with an error, and the records that depend on them
   (the lines of an entry, an employee's payroll, the employees of a broken org unit), are kept
   out: withdrawn again if pass 1 staged them, and written to the quarantine chunk by chunk;
   everything else is staged. Both passes run in one transaction, so a crash stages nothing.

Accounting per raw entity: extracted = staged + quarantined + rejected.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import rawstore
from consolidation.core.bulk import insert_rows
from consolidation.core.errors import StageFailed
from consolidation.core.money import ZERO
from consolidation.core.schema import (
    AuditEvent,
    Batch,
    BatchEntity,
    BatchStatus,
    ControlTotal,
    IssueStatus,
    QuarantineRecord,
    RawChunkFile,
    Severity,
    SourceSystem,
    ValidationIssue,
    table_of,
)
from consolidation.core.spill import TextSpill
from consolidation.core.types import SOURCE_KEY, RawChunk, text_array
from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS, ROW_HASH, FieldType
from consolidation.reference import ReferenceData
from consolidation.staging import SPECS, StageCounts, Stager
from mappings import EntityMapping, SourceMapping, apply_mapping, find_mapping, load_mapping
from validation import EntityValidator, KeyIndex, ValidationContext
from validation.context import repeated_among

if TYPE_CHECKING:
    from consolidation.pipeline import Pipeline, ProgressSink

log = logging.getLogger(__name__)

ENTITY_ORDER = (
    "grade",
    "org_unit",
    "job",
    "account",
    "vendor",
    "employee",
    "payroll_line",
    "journal_entry",
    "journal_line",
    "opening_balance",
)
"""Dependencies first: a job needs its grade, an employee its org unit and job, a line its entry."""


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


def source_mapping(pipeline: Pipeline, source: str) -> SourceMapping:
    """A source's mapping file, loaded and checked against the entities the source declares."""
    declared = list(pipeline.config.source(source).entities)
    path = find_mapping(pipeline.mappings_dir, source)
    mapping = load_mapping(path, source_columns=None)
    for entity in mapping.entities:
        if entity.raw_entity not in declared:
            raise StageFailed(
                f"{path}:{entity.line}: maps raw entity {entity.raw_entity!r}, which source "
                f"{source!r} does not declare ({', '.join(declared)})"
            )
    return mapping


@dataclass
class _EntityWork:
    mapping: EntityMapping
    paths: list[Path] = field(default_factory=list)
    rows: int = 0
    early: bool = False
    """Staged during pass 1 (a first load: insert only)."""
    counts: StageCounts = field(default_factory=StageCounts)


_INNER_PARENTS = {
    "journal_line": ("entry_no", "journal_entry"),
    "payroll_line": ("employee_no", "employee"),
}
"""Entities staged through an inner join on a parent of the same batch: a row whose parent was
kept out cannot be staged (its reference would not resolve), so it is kept out too."""


_WITHDRAW = sa.table("_stage_withdraw", sa.column("source_key", sa.Text))
_CHILDREN = {
    "journal_entry": ("journal_line", "entry_id"),
    "employment": ("payroll_line", "employment_id"),
}
"""A withdrawn row's dependants in the store, withdrawn with it: (table, its reference)."""


def _key_table(connection: sa.Connection, keys: set[str]) -> None:
    """The temporary table ``_stage_withdraw``, holding ``keys``."""
    connection.execute(sa.text("DROP TABLE IF EXISTS _stage_withdraw"))
    connection.execute(sa.text("CREATE TEMPORARY TABLE _stage_withdraw (source_key TEXT)"))
    insert_rows(connection, _WITHDRAW, [{"source_key": k} for k in sorted(keys)])


class _Keys:
    """Keys gathered chunk by chunk, kept as Arrow text (one buffer a chunk) until they are first
    read as a set. Python strings made one per key while the chunks come and go would each pin
    a piece of the chunks' freed memory, so the process would grow with the source."""

    def __init__(self) -> None:
        self._parts: list[pa.Array] = []
        self._set: set[str] | None = None

    def add(self, keys: pd.Series) -> None:
        if keys.empty:
            return
        if self._set is not None:
            self._set.update(keys)
        else:
            self._parts.append(text_array(keys))

    @property
    def as_set(self) -> set[str]:
        if self._set is None:
            self._set = set(pa.chunked_array(self._parts, pa.string()).to_pylist())
            self._parts.clear()
        return self._set


_ISSUE_FIELDS = ["entity", *ISSUE_COLUMNS]
_IDENTITY = ["entity", SOURCE_KEY, "rule_id", "field"]


class _IssueLog:
    """The batch's issues as they are found. In memory: the keys with an error, per entity (what
    the holds are decided from), and the count per rule; the issue rows themselves go to a spill
    file and are read back chunk by chunk when they are written to the store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._errors: dict[str, _Keys] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self._spill: TextSpill | None = None
        self._hashes: list[npt.NDArray[np.uint64]] = []

    def add(self, issues: pd.DataFrame) -> None:
        if issues.empty:
            return
        entity = issues["rule_id"].astype(object).str.split(".", n=1).str[0]
        issues = issues.assign(entity=entity)
        for name, keys in issues.loc[issues["severity"] == Severity.ERROR.value].groupby("entity")[
            SOURCE_KEY
        ]:
            self._errors.setdefault(str(name), _Keys()).add(keys)
        self.counts.update(zip(issues["rule_id"], issues["severity"], strict=True))
        identity = issues[_IDENTITY].astype(object).fillna("")
        self._hashes.append(
            np.asarray(pd.util.hash_pandas_object(identity, index=False), dtype=np.uint64)
        )
        if self._spill is None:
            self._spill = TextSpill(_ISSUE_FIELDS, self.folder, prefix="issues-")
        self._spill.append([text_array(issues[name]) for name in _ISSUE_FIELDS])

    def errors(self) -> dict[str, set[str]]:
        """Per entity, the keys of the records with an error."""
        return {entity: keys.as_set for entity, keys in self._errors.items()}

    def repeated(self) -> npt.NDArray[np.bool_]:
        """Per issue in the order found, whether its identity (entity, key, rule, field) may
        occur more than once: equal 64-bit hashes, compared exactly when written."""
        positions, _ = repeated_among(self._hashes, [np.ones(len(h), bool) for h in self._hashes])
        found = np.zeros(sum(len(h) for h in self._hashes), dtype=bool)
        found[positions] = True
        return found

    def frames(self) -> Iterator[pd.DataFrame]:
        """The issues in the order found, a spilled chunk at a time."""
        if self._spill is None:
            return
        for batch in self._spill.batches():
            yield pd.DataFrame(
                {name: batch.column(name).to_numpy(zero_copy_only=False) for name in _ISSUE_FIELDS}
            )


class _DatabaseLane:
    """The transaction's connection, used by one thread at a time. Database work is queued
    here and runs on the database's core while Python prepares the next chunk; at most two
    prepared chunks wait, so memory stays flat. Each result is handed to its ``then`` in the
    calling thread, and the first failure is raised there."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage")
        self._pending: list[tuple[Future[Any], Callable[[Any], None] | None]] = []

    def submit(
        self, work: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None
    ) -> None:
        while len(self._pending) >= 2 or (self._pending and self._pending[0][0].done()):
            self._collect()
        self._pending.append((self._pool.submit(work, *args), then))

    def call(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run ``work`` after everything queued, and return its result."""
        self.drain()
        return self._pool.submit(work, *args).result()

    def drain(self) -> None:
        while self._pending:
            self._collect()

    def _collect(self) -> None:
        future, then = self._pending.pop(0)
        result = future.result()
        if then is not None:
            then(result)

    def close(self) -> None:
        for future, _then in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)


class BatchTransform:
    """One source's extracted batch, through mapping, validation and staging."""

    def __init__(
        self,
        pipeline: Pipeline,
        batch_id: int,
        source: str,
        *,
        reference: ReferenceData,
        reference_date: date,
        progress: ProgressSink,
    ) -> None:
        self.pipeline = pipeline
        self.batch_id = batch_id
        self.source = source
        self.spec = pipeline.config.source(source)
        self.reference = reference
        self.progress = progress
        self.work_dir = rawstore.batch_dir(pipeline.raw_dir, batch_id) / "mapped"
        self.mapping = self._mapping()
        finance = self.spec.domain == "finance"
        self.context = ValidationContext(
            reference_date=reference_date,
            min_age_at_hire=pipeline.settings.validation.min_age_at_hire,
            crosswalk=reference.crosswalk.get(self.spec.ministry, set()) if finance else None,
            open_periods=reference.open_periods if finance else None,
            spill_dir=self.work_dir / "checks",
        )
        self.controls: dict[tuple[str, str | None, str | None], list[Any]] = {}
        self.chunk_paths: dict[str, list[str]] = {}
        self.early_out: dict[str, _Keys] = {}
        """Per entity staged in pass 1, the keys pass 1 kept out."""
        self.fresh: dict[str, bool] = {}
        self.issues = _IssueLog(self.work_dir)
        self.corrections = Corrections(source, {})
        """Per table, whether the source has no row in it yet (empty: no staging in pass 1)."""

    def _mapping(self) -> SourceMapping:
        return source_mapping(self.pipeline, self.source)

    def ordered(self) -> list[EntityMapping]:
        rank = {name: position for position, name in enumerate(ENTITY_ORDER)}
        return sorted(self.mapping.entities, key=lambda m: (rank[m.target], m.distinct is False))

    # --- pass 1: map and validate ----------------------------------------------------------------

    def _chunk_paths(self) -> dict[str, list[str]]:
        """Each raw entity's chunk files, read before the staging transaction opens."""
        with self.pipeline.session() as session:
            rows = session.execute(
                sa.select(RawChunkFile.entity, RawChunkFile.path)
                .filter_by(batch_id=self.batch_id)
                .order_by(RawChunkFile.entity, RawChunkFile.number)
            ).all()
        paths: dict[str, list[str]] = {}
        for entity, path in rows:
            paths.setdefault(entity, []).append(path)
        return paths

    def _raw_chunks(self, raw_entity: str) -> Iterator[RawChunk]:
        for path in self.chunk_paths.get(raw_entity, []):
            yield rawstore.read_chunk(self.pipeline.raw_dir, path, source=self.source)

    def _stages_early(self, target: str) -> bool:
        """Whether this entity is staged in pass 1: every table it lands in has no row of the
        source yet, and a parent of this batch it joins (mapped before it) is staged early too."""
        if not self.fresh or not all(self.fresh[spec.table] for spec in SPECS[target]):
            return False
        parent = _INNER_PARENTS.get(target)
        if parent is not None and any(m.target == parent[1] for m in self.mapping.entities):
            return parent[1] in self.early_out
        return True

    def _early_out(self, target: str, frame: pd.DataFrame, found: list[pd.DataFrame]) -> pd.Series:
        """Rows pass 1 keeps out: an error of their own in this chunk, or a parent kept out."""
        bad: set[str] = set()
        for issues in found:
            if issues.empty:
                continue
            errors = issues[
                (issues["severity"] == Severity.ERROR.value)
                & issues["rule_id"].str.startswith(f"{target}.")
            ]
            bad.update(errors[SOURCE_KEY])
        out = frame[SOURCE_KEY].isin(bad)
        parent = _INNER_PARENTS.get(target)
        if parent is not None and parent[1] in self.early_out:
            out |= frame[parent[0]].isin(self.early_out[parent[1]].as_set)
        return out

    def map_and_validate(
        self, stager: Stager | None = None, lane: _DatabaseLane | None = None
    ) -> list[_EntityWork]:
        works: list[_EntityWork] = []
        if stager is not None and lane is not None:  # as the batch starts, before any staging
            tables = {spec.table for m in self.mapping.entities for spec in SPECS[m.target]}
            self.fresh = {table: lane.call(stager.is_fresh, table) for table in sorted(tables)}
        for mapping in self.ordered():
            work = _EntityWork(mapping)
            target = mapping.target
            work.early = self._stages_early(target)
            if work.early:
                self.early_out.setdefault(target, _Keys())
            validator = EntityValidator(target, self.context)
            seen: set[str] = set()
            label = f"{self.source}.{target}" + (" (derived)" if mapping.distinct else "")
            self.progress.start(f"map+validate {label}", None)
            for number, chunk in enumerate(self._raw_chunks(mapping.raw_entity), start=1):
                raw = chunk.frame
                mapped = apply_mapping(mapping, raw, table=chunk.table)
                frame, mapping_issues = mapped.frame, mapped.issues
                if mapping.distinct:
                    fresh = ~frame[SOURCE_KEY].isin(seen)
                    frame = frame.loc[fresh]
                    mapping_issues = mapping_issues[
                        mapping_issues[SOURCE_KEY].isin(frame[SOURCE_KEY])
                    ]
                    seen.update(frame[SOURCE_KEY])
                frame, mapping_issues = self.corrections.apply(target, frame, mapping_issues)
                work.rows += len(frame)
                checked = _unexplained(validator.check_chunk(frame), mapping_issues)
                self.issues.add(mapping_issues)
                self.issues.add(checked)
                self._remember(mapping, frame)
                table = rawstore.frame_table(frame)  # written below, and staged from
                if work.early:
                    assert stager is not None and lane is not None
                    out = self._early_out(target, frame, [mapping_issues, checked])
                    self.early_out[target].add(frame.loc[out, SOURCE_KEY])
                    keep = ~out.to_numpy(dtype=bool)
                    prepared = stager.prepare(target, frame.loc[keep], table=table.filter(keep))
                    lane.submit(stager.load, prepared, then=work.counts.add)
                path = (
                    self.work_dir
                    / f"{mapping.target}{'.derived' if mapping.distinct else ''}"
                    / f"{number:06d}.parquet"
                )
                rawstore.write_frame(path, table)
                work.paths.append(path)
                self.progress.advance(len(raw))
            self.issues.add(validator.finish())
            self.progress.finish()
            works.append(work)
        return works

    def _remember(self, mapping: EntityMapping, frame: pd.DataFrame) -> None:
        """What later entities of the same source are checked against, and control totals."""
        target, context = mapping.target, self.context
        if target == "grade":
            for code, low, high in frame[["code", "min_salary", "max_salary"]].itertuples(
                index=False
            ):
                if code is not None and low is not None and high is not None:
                    context.grade_bands[code] = (low, high)
        elif target == "org_unit":
            context.org_units.update(c for c in frame["code"] if c is not None)
        elif target == "job":
            context.jobs.update(c for c in frame["code"] if c is not None)
        elif target == "employee":
            context.employees.update(k for k in frame["employee_no"] if k is not None)
            self._control(frame, "employee", None, None, salary="base_salary")
        elif target == "payroll_line":
            self._control(frame, "payroll_line", None, "period", salary="amount")
        elif target == "journal_entry":
            if not isinstance(context.entries, KeyIndex):
                context.entries = KeyIndex()
            context.entries.add(frame["entry_no"], frame["period"])
        elif target == "journal_line":
            periods = frame["period"]
            if isinstance(context.entries, KeyIndex):
                periods = periods.where(periods.notna(), context.entries.labels(frame["entry_no"]))
            self._control(
                frame.assign(period=periods),
                "journal_line",
                "account_code",
                "period",
                debit="debit",
                credit="credit",
            )
        elif target == "opening_balance":
            years = (
                frame["fiscal_year"].astype(object).map(lambda y: None if pd.isna(y) else f"{y}-01")
            )
            self._control(
                frame.assign(period=years),
                "opening_balance",
                "account_code",
                "period",
                debit="debit",
                credit="credit",
            )

    def _control(
        self,
        frame: pd.DataFrame,
        entity: str,
        account: str | None,
        period: str | None,
        **amounts: str,
    ) -> None:
        keys = [
            frame[account]
            if account
            else pd.Series([None] * len(frame), index=frame.index, dtype=object),
            frame[period]
            if period
            else pd.Series([None] * len(frame), index=frame.index, dtype=object),
        ]
        roles = ("debit", "credit", "salary")
        grouped = pd.DataFrame(
            {
                "account": keys[0].astype(object),
                "period": keys[1].astype(object),
                **{role: frame[amounts[role]] if role in amounts else None for role in roles},
            }
        )
        for (account_code, period_value), group in grouped.groupby(
            ["account", "period"], dropna=False, sort=False
        ):
            key = (entity, _none(account_code), _none(period_value))
            totals = self.controls.setdefault(key, [0, ZERO, ZERO, ZERO])
            totals[0] += len(group)
            for position, role in enumerate(roles, start=1):
                if role in amounts:
                    totals[position] += sum((v for v in group[role] if v is not None), ZERO)

    # --- holds ----------------------------------------------------------------------------------

    def decide(
        self, works: list[_EntityWork]
    ) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
        """Error keys per entity, and held keys per entity (with what holds them)."""
        errors = self.issues.errors()
        held: dict[str, dict[str, str]] = {}
        by_target = {w.mapping.target: w for w in works if not w.mapping.distinct}
        lines = by_target.get("journal_line")
        if lines is not None or "journal_entry" in errors:
            blocked = set(errors.get("journal_entry", set()))
            line_errors = errors.get("journal_line", set())
            if lines is not None and line_errors:
                wrong = pa.array(sorted(line_errors), type=pa.string())
                for frame in self._frames(lines, ["entry_no", SOURCE_KEY], keys=wrong):
                    blocked.update(e for e in frame["entry_no"] if e is not None)
            held["journal_entry"] = {
                k: f"journal_line of entry {k}"
                for k in blocked - errors.get("journal_entry", set())
            }
            holds: dict[str, str] = {}
            if lines is not None and blocked:  # nothing blocked: the lines need no second read
                entries = pa.array(sorted(blocked), type=pa.string())
                for frame in self._frames(
                    lines, ["entry_no", SOURCE_KEY], keys=entries, key_column="entry_no"
                ):
                    stuck = frame[~frame[SOURCE_KEY].isin(line_errors)]
                    holds.update(
                        (k, f"journal_entry:{e}")
                        for k, e in zip(stuck[SOURCE_KEY], stuck["entry_no"], strict=True)
                    )
            held["journal_line"] = holds
        employees = by_target.get("employee")
        if employees is not None:
            bad_units, bad_jobs = errors.get("org_unit", set()), errors.get("job", set())
            holds = {}
            if bad_units or bad_jobs:
                for frame in self._frames(employees, ["org_unit_code", "job_code", SOURCE_KEY]):
                    stuck = frame[
                        frame["org_unit_code"].isin(bad_units) | frame["job_code"].isin(bad_jobs)
                    ]
                    holds.update((k, "org_unit or job in quarantine") for k in stuck[SOURCE_KEY])
            held["employee"] = holds
            blocked_people = errors.get("employee", set()) | set(holds)
            payroll = by_target.get("payroll_line")
            if payroll is not None and blocked_people:
                holds = {}
                for frame in self._frames(payroll, ["employee_no", SOURCE_KEY]):
                    stuck = frame[frame["employee_no"].isin(blocked_people)]
                    holds.update(
                        (k, f"employee:{e}")
                        for k, e in zip(stuck[SOURCE_KEY], stuck["employee_no"], strict=True)
                    )
                held["payroll_line"] = holds
        return errors, held

    def _frames(
        self,
        work: _EntityWork,
        columns: list[str] | None = None,
        *,
        keys: pa.Array | None = None,
        key_column: str = SOURCE_KEY,
    ) -> Iterator[pd.DataFrame]:
        money = ENTITIES[work.mapping.target].of_type(FieldType.MONEY)
        for path in work.paths:
            yield rawstore.read_frame(path, money, columns, keys=keys, key_column=key_column)

    # --- pass 2: stage, quarantine ----------------------------------------------------------------

    def run(self) -> TransformResult:
        """The whole batch in one transaction; the working files are removed however it ends."""
        try:
            return self._run()
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _run(self) -> TransformResult:
        started = time.perf_counter()
        self.chunk_paths = self._chunk_paths()
        with self.pipeline.session() as session:
            system = session.scalars(sa.select(SourceSystem).filter_by(code=self.source)).one()
            ministry_id = system.ministry_id
            rejected = self._rejected(session)
            self.corrections = Corrections.of_source(session, self.source)
        outcomes: list[EntityOutcome] = []
        # The lane's thread stops before the transaction ends: a failure rolls back only once
        # no statement of the lane is still running on the connection.
        with self.pipeline.engine.begin() as connection:
            lane = _DatabaseLane()
            try:
                stager = Stager(
                    connection,
                    batch_id=self.batch_id,
                    source_system=self.source,
                    ministry_id=ministry_id,
                    recency=datetime.now(UTC),
                )
                works = self.map_and_validate(stager, lane)
                errors, held = self.decide(works)
                lane.drain()
                withdrawn = self._withdraw(connection, lane, works, errors, held)
                quarantine = _QuarantineWriter(connection, lane, self.source, self.batch_id)
                for work in works:
                    outcome = self._stage_entity(
                        stager, lane, work, errors, held, rejected, quarantine
                    )
                    outcome.counts.inserted -= withdrawn.get(id(work), 0)
                    outcomes.append(outcome)
                lane.drain()
                self._withdraw_superseded(connection, lane, works, outcomes, errors, held)
                quarantine.finish(self._was_staged)
                self._write_issues(connection)
                lane.call(self.corrections.flag_stale, connection, self.pipeline.settings.operator)
                self._write_controls(connection, ministry_id)
                self._write_accounting(connection, outcomes)
                self._audit_changes(connection, outcomes)
            finally:
                lane.close()
        return TransformResult(
            self.batch_id,
            self.source,
            self.spec.ministry,
            outcomes,
            self.issues.counts,
            time.perf_counter() - started,
        )

    def _withdraw(
        self,
        connection: sa.Connection,
        lane: _DatabaseLane,
        works: list[_EntityWork],
        errors: dict[str, set[str]],
        held: dict[str, dict[str, str]],
    ) -> dict[int, int]:
        """Take back what pass 1 staged and the whole batch has since kept out (a duplicate, an
        unbalanced entry and its lines, the payroll of a held employee): dependants first.
        Returns the rows withdrawn from each work's counted table."""
        withdrawn: dict[int, int] = {}
        done: set[str] = set()
        for work in reversed(works):
            target = work.mapping.target
            if not work.early or target in done:
                continue
            done.add(target)
            late = (errors.get(target, set()) | held.get(target, {}).keys()) - self.early_out[
                target
            ].as_set
            if not late:
                continue

            def delete(late: set[str] = late, target: str = target) -> int:
                _key_table(connection, late)
                removed = 0
                for spec in SPECS[target]:
                    removed = connection.execute(
                        sa.text(
                            f"DELETE FROM {spec.table} WHERE source_system = :s AND source_key "
                            "IN (SELECT source_key FROM _stage_withdraw)"
                        ),
                        {"s": self.source},
                    ).rowcount
                return removed

            removed = lane.call(delete)
            log.info("%s: withdrew %d %s rows staged in pass 1", self.source, removed, target)
            counted = next(w for w in works if w.mapping.target == target and w.early)
            withdrawn[id(counted)] = removed
        return withdrawn

    def _withdraw_superseded(
        self,
        connection: sa.Connection,
        lane: _DatabaseLane,
        works: list[_EntityWork],
        outcomes: list[EntityOutcome],
        errors: dict[str, set[str]],
        held: dict[str, dict[str, str]],
    ) -> None:
        """Rows an earlier batch staged whose source record this batch kept out (its new version
        is quarantined or rejected) are withdrawn: the source no longer has the version they
        hold. They keep their ids (and their counterparts in the central Odoo) and are current
        again once a version passes; the audit log records each. Dependants first."""
        done: set[str] = set()
        events: list[tuple[str, str, str]] = []
        for work in reversed(works):
            target = work.mapping.target
            if work.early or target in done:  # a first load has no earlier version
                continue
            done.add(target)
            out = errors.get(target, set()) | held.get(target, {}).keys()
            if not out:
                continue
            marked: list[tuple[str, str, str]] = lane.call(
                self._mark_withdrawn, connection, target, out
            )
            events.extend(marked)
            counted = [o for o in outcomes if o.target == target and not o.derived]
            if counted:
                last_table = SPECS[target][-1].table
                counted[0].withdrawn += sum(1 for table, _k, _w in marked if table == last_table)
        if events:
            log.info(
                "%s: withdrew %d staged rows superseded by quarantined versions",
                self.source,
                len(events),
            )
            lane.call(self._audit_withdrawn, connection, events)

    def _mark_withdrawn(
        self, connection: sa.Connection, target: str, keys: set[str]
    ) -> list[tuple[str, str, str]]:
        """Mark the source's current rows of ``target`` with these keys withdrawn, with the
        lines of a withdrawn entry and the payroll of a withdrawn employment; returns (table,
        key, why) of each row marked."""
        _key_table(connection, keys)
        params = {"s": self.source}
        marked: list[tuple[str, str, str]] = []
        for spec in SPECS[target]:
            where = (
                "source_system = :s AND NOT withdrawn AND source_key IN "
                "(SELECT source_key FROM _stage_withdraw)"
            )
            found = connection.execute(
                sa.text(f"SELECT id, source_key FROM {spec.table} WHERE {where}"), params
            ).all()
            if not found:
                continue
            connection.execute(
                sa.text(f"UPDATE {spec.table} SET withdrawn = TRUE WHERE {where}"), params
            )
            marked.extend((spec.table, key, "its new version is quarantined") for _id, key in found)
            child = _CHILDREN.get(spec.table)
            if child is not None:
                table, column = child
                parent = f"SELECT id FROM {spec.table} WHERE source_system = :s AND withdrawn"
                below = f"{column} IN ({parent}) AND NOT withdrawn"
                for (key,) in connection.execute(
                    sa.text(f"SELECT source_key FROM {table} WHERE {below}"), params
                ):
                    marked.append((table, key, f"its {spec.table} is withdrawn"))
                connection.execute(
                    sa.text(f"UPDATE {table} SET withdrawn = TRUE WHERE {below}"), params
                )
        return marked

    def _audit_withdrawn(
        self, connection: sa.Connection, events: list[tuple[str, str, str]]
    ) -> None:
        now = datetime.now(UTC)
        connection.execute(
            sa.insert(table_of(AuditEvent)),
            [
                {
                    "at": now,
                    "actor": self.pipeline.settings.operator,
                    "action": "row.withdrawn",
                    "target_type": table,
                    "target_id": f"{self.source}|{key}",
                    "detail": {"batch_id": self.batch_id, "reason": why},
                }
                for table, key, why in events
            ],
        )

    def _rejected(self, session: Session) -> dict[tuple[str, str], str]:
        """Records a steward rejected, by (entity, key) → the row hash rejected."""
        rows = session.execute(
            sa.select(
                QuarantineRecord.entity, QuarantineRecord.source_key, QuarantineRecord.data
            ).filter_by(source_system=self.source, status=IssueStatus.REJECTED)
        ).all()
        return {(entity, key): str(data.get(ROW_HASH)) for entity, key, data in rows}

    def _stage_entity(
        self,
        stager: Stager,
        lane: _DatabaseLane,
        work: _EntityWork,
        errors: dict[str, set[str]],
        held: dict[str, dict[str, str]],
        rejected: dict[tuple[str, str], str],
        quarantine: _QuarantineWriter,
    ) -> EntityOutcome:
        mapping = work.mapping
        target = mapping.target
        outcome = EntityOutcome(mapping.raw_entity, target, mapping.distinct)
        outcome.counts.add(work.counts)
        bad = errors.get(target, set())
        holds = held.get(target, {})
        self.progress.start(
            f"{'quarantine' if work.early else 'stage'} {self.source}.{target}", work.rows
        )
        if work.early:  # staged in pass 1: read back only the records kept out
            out_keys = pa.array(sorted(bad | holds.keys()), type=pa.string())
            frames = self._frames(work, keys=out_keys)
            outcome.extracted = work.rows
            outcome.staged = work.rows
        else:
            frames = self._frames(work)
        for frame in frames:
            keys = frame[SOURCE_KEY]
            out = keys.isin(bad) | keys.isin(holds.keys())
            if work.early:
                outcome.staged -= int(out.sum())
            else:  # the database loads this chunk while Python prepares the next
                outcome.extracted += len(frame)
                outcome.staged += len(frame) - int(out.sum())
                stage = frame.loc[~out]
                lane.submit(stager.load, stager.prepare(target, stage), then=outcome.counts.add)
            records = []
            for record in _json_records(frame.loc[out]):
                key = record[SOURCE_KEY]
                if rejected.get((target, key)) == record[ROW_HASH]:
                    outcome.rejected += 1
                    continue
                outcome.quarantined += 1
                records.append(
                    {
                        "entity": target,
                        "source_key": key,
                        "reason": "issue" if key in bad else "held",
                        "held_by": None if key in bad else holds.get(key),
                        "data": record,
                    }
                )
            quarantine.add(records)
            self.progress.advance(work.rows // len(work.paths) if work.early else len(frame))
        lane.drain()
        self.progress.finish()
        return outcome

    def _was_staged(self, connection: sa.Connection, entity: str, key: str) -> bool:
        tables = {"employee": "employment", "vendor": "partner_source", "account": "source_account"}
        table = tables.get(entity, entity)
        return (
            connection.execute(
                sa.text(
                    f"SELECT 1 FROM {table} WHERE source_system = :s AND source_key = :k "
                    "AND NOT withdrawn"
                ),
                {"s": self.source, "k": key},
            ).first()
            is not None
        )

    def _write_issues(self, connection: sa.Connection) -> None:
        """The batch's issues into ``validation_issue``, chunk by chunk: new ones open, changed
        ones updated (a fixed one that fails again reopens), and open ones this batch no longer
        finds marked fixed."""
        table = table_of(ValidationIssue)
        existing = {
            (row.entity, row.source_key, row.rule_id, row.field): row
            for row in connection.execute(
                sa.select(table).where(table.c.source_system == self.source)
            )
        }
        now = datetime.now(UTC)
        twice = self.issues.repeated()
        seen: set[tuple[str, str, str, str]] = set()
        """Of the few issues found more than once (a source key used twice), those written."""
        found: set[tuple[str, str, str, str]] = set()
        """Of the issues already in the store, those found again."""
        columns = ["entity", SOURCE_KEY, "rule_id", "field", "value", "message", "severity"]
        position = 0
        for frame in self.issues.frames():
            inserts = []
            for again, entity, key, rule_id, field_name, value, message, severity in zip(
                twice[position : position + len(frame)],
                *(frame[c].tolist() for c in columns),
                strict=True,
            ):
                identity = (entity, key, rule_id, field_name or "")
                if again:
                    if identity in seen:
                        continue
                    seen.add(identity)
                current = existing.get(identity)
                values = {
                    "batch_id": self.batch_id,
                    "value": value,
                    "message": message,
                    "severity": Severity(severity),
                }
                if current is None:
                    inserts.append(
                        {
                            "source_system": self.source,
                            "entity": identity[0],
                            "source_key": identity[1],
                            "rule_id": identity[2],
                            "field": identity[3],
                            "status": IssueStatus.OPEN,
                            "created_at": now,
                            **values,
                        }
                    )
                    continue
                found.add(identity)
                if current.value != value or current.status == IssueStatus.FIXED:
                    status = (
                        IssueStatus.OPEN if current.status == IssueStatus.FIXED else current.status
                    )
                    connection.execute(
                        sa.update(table)
                        .where(table.c.id == current.id)
                        .values(status=status, **values)
                    )
            position += len(frame)
            insert_rows(connection, table, inserts)
        for identity, row in existing.items():
            if identity not in found and row.status == IssueStatus.OPEN:
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == row.id)
                    .values(
                        status=IssueStatus.FIXED,
                        updated_by="pipeline",
                        updated_at=now,
                        note=f"passes since batch {self.batch_id}",
                    )
                )

    def _write_controls(self, connection: sa.Connection, ministry_id: int) -> None:
        rows = [
            {
                "batch_id": self.batch_id,
                "ministry_id": ministry_id,
                "source_system": self.source,
                "entity": entity,
                "account_code": account,
                "period": period,
                "row_count": count,
                "debit_amount": debit,
                "credit_amount": credit,
                "salary_amount": salary,
                "currency": "BHD",
            }
            for (entity, account, period), (count, debit, credit, salary) in sorted(
                self.controls.items(), key=lambda item: tuple(str(p) for p in item[0])
            )
        ]
        if rows:
            connection.execute(sa.insert(table_of(ControlTotal)), rows)

    def _write_accounting(self, connection: sa.Connection, outcomes: list[EntityOutcome]) -> None:
        table = table_of(BatchEntity)
        totals = Counter[str]()
        for outcome in outcomes:
            if outcome.derived:
                continue
            connection.execute(
                sa.update(table)
                .where(table.c.batch_id == self.batch_id, table.c.entity == outcome.raw_entity)
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
            .where(batch.c.id == self.batch_id)
            .values(
                rows_staged=totals["staged"],
                rows_quarantined=totals["quarantined"],
                rows_rejected=totals["rejected"],
                rows_withdrawn=totals["withdrawn"],
                status=BatchStatus.STAGED,
                finished_at=datetime.now(UTC),
            )
        )

    def _audit_changes(self, connection: sa.Connection, outcomes: list[EntityOutcome]) -> None:
        """A changed source row updated its unified row: the audit log says which and when."""
        now = datetime.now(UTC)
        events = [
            {
                "at": now,
                "actor": self.pipeline.settings.operator,
                "action": "row.changed",
                "target_type": table,
                "target_id": f"{self.source}|{key}",
                "detail": {"batch_id": self.batch_id, "row_hash": new_hash},
            }
            for outcome in outcomes
            for table, key, new_hash in outcome.counts.changed_keys
        ]
        if events:
            connection.execute(sa.insert(table_of(AuditEvent)), events)


class _QuarantineWriter:
    """Quarantine records, written chunk by chunk as pass 2 finds them (through the lane, so the
    database writes while Python reads the next chunk): new ones inserted, changed or fixed ones
    reopened. At the end, records quarantined before that are now staged are marked fixed."""

    def __init__(
        self, connection: sa.Connection, lane: _DatabaseLane, source: str, batch_id: int
    ) -> None:
        self.connection = connection
        self.lane = lane
        self.source = source
        self.batch_id = batch_id
        self.table = table_of(QuarantineRecord)
        table = self.table
        self.existing: dict[tuple[str, str], tuple[int, IssueStatus, Any]] = {
            (row.entity, row.source_key): (row.id, row.status, (row.data or {}).get(ROW_HASH))
            for row in connection.execute(
                sa.select(
                    table.c.id, table.c.entity, table.c.source_key, table.c.status, table.c.data
                ).where(table.c.source_system == source)
            )
        }
        self.out_again: set[tuple[str, str]] = set()

    def add(self, records: list[dict[str, Any]]) -> None:
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        for record in records:
            identity = (record["entity"], record["source_key"])
            values = {**record, "batch_id": self.batch_id, "source_system": self.source}
            current = self.existing.get(identity)
            if current is None:
                inserts.append(
                    {
                        **values,
                        "status": IssueStatus.OPEN,
                        "corrected": None,
                        "updated_by": None,
                        "updated_at": None,
                    }
                )
                continue
            self.out_again.add(identity)
            record_id, status, row_hash = current
            if row_hash != record["data"].get(ROW_HASH):
                updates.append((record_id, {**values, "status": IssueStatus.OPEN}))
            elif status == IssueStatus.FIXED:  # the same version fails again: the data it had
                updates.append((record_id, {"batch_id": self.batch_id, "status": IssueStatus.OPEN}))
        if inserts or updates:
            self.lane.submit(self._write, inserts, updates)

    def _write(
        self, inserts: list[dict[str, Any]], updates: list[tuple[int, dict[str, Any]]]
    ) -> None:
        insert_rows(self.connection, self.table, inserts)
        for record_id, values in updates:
            self.connection.execute(
                sa.update(self.table)
                .where(self.table.c.id == record_id)
                .values(**values, version=self.table.c.version + 1)
            )

    def finish(self, was_staged: Callable[[sa.Connection, str, str], bool]) -> None:
        """Records quarantined before that flowed into the store this time: fixed at the source."""
        now = datetime.now(UTC)
        for (entity, key), (record_id, status, _hash) in self.existing.items():
            if (
                (entity, key) not in self.out_again
                and status == IssueStatus.OPEN
                and was_staged(self.connection, entity, key)
            ):
                self.connection.execute(
                    sa.update(self.table)
                    .where(self.table.c.id == record_id)
                    .values(
                        status=IssueStatus.FIXED,
                        updated_by="pipeline",
                        updated_at=now,
                        version=self.table.c.version + 1,
                    )
                )


class Corrections:
    """Stewards' corrections of one source's records, applied on every run to the version of
    the source record they were made to: a correction lasts as long as that record is unchanged.
    A record whose source changed since keeps its correction, unapplied and flagged stale for
    the steward to look at again."""

    def __init__(
        self,
        source: str,
        corrections: dict[tuple[str, str], tuple[str | None, dict[str, Any]]],
    ) -> None:
        self._source = source
        self._by_entity: dict[str, dict[str, tuple[str | None, dict[str, Any]]]] = {}
        for (entity, key), correction in corrections.items():
            self._by_entity.setdefault(entity, {})[key] = correction
        self.applied: set[tuple[str, str]] = set()
        self.stale: set[tuple[str, str]] = set()

    @classmethod
    def of_source(cls, session: Session, source: str) -> Corrections:
        rows = session.execute(
            sa.select(
                QuarantineRecord.entity,
                QuarantineRecord.source_key,
                QuarantineRecord.corrected_row_hash,
                QuarantineRecord.corrected,
            ).where(
                QuarantineRecord.source_system == source,
                QuarantineRecord.corrected.is_not(None),
                QuarantineRecord.status != IssueStatus.REJECTED,
            )
        ).all()
        return cls(source, {(e, k): (h, c) for e, k, h, c in rows if c})

    def apply(
        self, entity: str, frame: pd.DataFrame, mapping_issues: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk with the corrections of its unchanged records applied, and the mapping's
        issues less those about a field a correction replaced."""
        wanted = self._by_entity.get(entity)
        if not wanted:
            return frame, mapping_issues
        hit = frame[SOURCE_KEY].isin(wanted.keys())
        if not hit.any():
            return frame, mapping_issues
        frame = frame.copy()
        fields = ENTITIES[entity].fields
        replaced: set[tuple[str, str]] = set()
        for position, key, row_hash in zip(
            frame.index[hit], frame.loc[hit, SOURCE_KEY], frame.loc[hit, ROW_HASH], strict=True
        ):
            made_to, corrected = wanted[key]
            if made_to is not None and made_to != row_hash:
                self.stale.add((entity, key))
                continue
            self.applied.add((entity, key))
            for name, text in corrected.items():
                if name in fields and name in frame.columns:
                    frame.at[position, name] = _typed(fields[name].type, text)
                    replaced.add((key, name))
        if replaced and not mapping_issues.empty:
            pairs = zip(mapping_issues[SOURCE_KEY], mapping_issues["field"], strict=True)
            mapping_issues = mapping_issues.loc[[pair not in replaced for pair in pairs]]
        return frame, mapping_issues

    def flag_stale(self, connection: sa.Connection, actor: str) -> None:
        """Flag the corrections whose source record changed; the audit log records each."""
        table = table_of(QuarantineRecord)
        now = datetime.now(UTC)
        for entity, key in sorted(self.stale):
            changed = connection.execute(
                sa.update(table)
                .where(
                    table.c.entity == entity,
                    table.c.source_key == key,
                    table.c.correction_stale.is_(False),
                    table.c.corrected.is_not(None),
                    table.c.source_system == self._source,
                )
                .values(correction_stale=True, version=table.c.version + 1)
            ).rowcount
            if changed:
                connection.execute(
                    sa.insert(table_of(AuditEvent)).values(
                        at=now,
                        actor=actor,
                        action="correction.stale",
                        target_type=entity,
                        target_id=f"{self._source}|{key}",
                        detail={"reason": "the source record changed since it was corrected"},
                    )
                )


def _typed(kind: FieldType, text: Any) -> Any:
    """A corrected value (text, as a steward typed it) in the type its column holds."""
    if text is None or text == "":
        return pd.NaT if kind is FieldType.DATE else None
    if kind is FieldType.DATE:
        return pd.Timestamp(str(text))
    if kind is FieldType.MONEY:
        return Decimal(str(text))
    if kind is FieldType.INT:
        return int(text)
    return str(text)


def _unexplained(issues: pd.DataFrame, mapping_issues: pd.DataFrame) -> pd.DataFrame:
    """Drop 'required field missing' where the mapping already said why the value is missing
    (an amount that is not a number is one issue for the steward, not two)."""
    if issues.empty or mapping_issues.empty:
        return issues
    explained = set(zip(mapping_issues[SOURCE_KEY], mapping_issues["field"], strict=True))
    missing = issues["rule_id"].str.endswith(".present")
    pairs = zip(issues[SOURCE_KEY], issues["field"], strict=True)
    duplicate = pd.Series([pair in explained for pair in pairs], index=issues.index)
    return issues.loc[~(missing & duplicate)]


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Mapped records as JSON values, column by column: Decimals as exact text, dates as ISO
    text, missing values as null."""
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            text = column.dt.strftime("%Y-%m-%d")
            columns[str(name)] = text.astype(object).where(column.notna(), None).tolist()
        elif isinstance(column.dtype, pd.Int64Dtype):
            columns[str(name)] = column.astype(object).where(column.notna(), None).tolist()
        else:
            columns[str(name)] = [_json_value(value) for value in column.tolist()]
    names = list(columns)  # zipped by hand: DataFrame.to_dict boxes every value, 3x slower
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    return str(value)


__all__ = ["BatchTransform", "EntityOutcome", "TransformResult"]
