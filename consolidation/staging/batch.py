"""Map → validate → stage one extracted batch into the unified store.

Two passes over the batch's raw chunks keep memory flat whatever the source size:

1. every entity is mapped and validated chunk by chunk (stewards' corrections applied to the
   source versions they were made to); mapped chunks go to the batch's work folder and issues
   are collected (cross-chunk rules — duplicates, balanced entries — report when the entity is
   finished). On a source's first load (insert only), each chunk's records without an error of
   their own are staged at once, by the database on its own core while Python maps the next;
2. once every issue is known, records with an error, and the records that depend on them
   (the lines of an entry, an employee's payroll, the employees of a broken org unit), are kept
   out: taken back if pass 1 staged them, withdrawn if an earlier batch staged a version of
   them, and written to the quarantine chunk by chunk; everything else is staged. Both passes
   run in one transaction, so a crash stages nothing.

Accounting per raw entity: extracted = staged + quarantined + rejected.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit, rawstore
from consolidation.core.integrity import check_journal_lines
from consolidation.core.reference import ReferenceData
from consolidation.core.schema import (
    RawChunkFile,
    Severity,
    SourceSystem,
)
from consolidation.core.sources import SourceSpec
from consolidation.core.spill import KeySet
from consolidation.core.types import SOURCE_KEY, ProgressSink, RawChunk
from consolidation.core.unified import ENTITY_ORDER, ROW_HASH
from consolidation.quarantine import (
    Corrections,
    IssueLog,
    QuarantineWriter,
    json_records,
    rejected_versions,
    write_issues,
)
from consolidation.staging.controls import ControlTotals
from consolidation.staging.exceptions import StagingError
from consolidation.staging.holds import decide_holds
from consolidation.staging.lane import DatabaseLane
from consolidation.staging.mapping import explained_once
from consolidation.staging.results import EntityOutcome, TransformResult, write_accounting
from consolidation.staging.settings import StagingSettings
from consolidation.staging.specs import SPECS
from consolidation.staging.stager import Stager
from consolidation.staging.withdraw import take_back_early, withdraw_superseded
from consolidation.staging.work import EntityWork
from mappings import EntityMapping, SourceMapping, apply_mapping
from validation import EntityValidator, KeyIndex, ValidationContext

log = logging.getLogger(__name__)


INNER_PARENTS = {
    "journal_line": ("entry_no", "journal_entry"),
    "payroll_line": ("employee_no", "employee"),
}
"""Entities staged through an inner join on a parent of the same batch: a row whose parent was
kept out cannot be staged (its reference would not resolve), so it is kept out too."""


class BatchTransform:
    """One source's extracted batch, through mapping, validation and staging."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: StagingSettings,
        batch_id: int,
        source: str,
        spec: SourceSpec,
        *,
        mapping: SourceMapping,
        reference: ReferenceData,
        progress: ProgressSink,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.batch_id = batch_id
        self.source = source
        self.spec = spec
        self.reference = reference
        self.progress = progress
        self.work_dir = rawstore.batch_dir(settings.raw_dir, batch_id) / "mapped"
        self.mapping = mapping
        ledger = reference.ledger(spec.ministry) if spec.domain == "finance" else None
        self.calendar_file = ledger.calendar_file if ledger else None
        self.context = ValidationContext(
            reference_date=settings.reference_date,
            min_age_at_hire=settings.min_age_at_hire,
            crosswalk=ledger.crosswalk if ledger else None,
            open_periods=ledger.open_periods if ledger else None,
            declared_years=ledger.declared_years if ledger else None,
            spill_dir=self.work_dir / "checks",
        )
        self.controls = ControlTotals()
        self.chunk_paths: dict[str, list[str]] = {}
        self.early_out: dict[str, KeySet] = {}
        """Per entity staged in pass 1, the keys pass 1 kept out."""
        self.fresh: dict[str, bool] = {}
        """Per table, whether the source has no row in it yet (empty: no staging in pass 1)."""
        self.issues = IssueLog(self.work_dir)
        self.corrections = Corrections(source, {})

    def ordered(self) -> list[EntityMapping]:
        rank = {name: position for position, name in enumerate(ENTITY_ORDER)}
        return sorted(self.mapping.entities, key=lambda m: (rank[m.target], m.distinct is False))

    def _chunk_paths(self) -> dict[str, list[str]]:
        """Each raw entity's chunk files, read before the staging transaction opens."""
        with Session(self.engine) as session:
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
            yield rawstore.read_chunk(self.settings.raw_dir, path, source=self.source)

    def _stages_early(self, target: str) -> bool:
        """Whether this entity is staged in pass 1: every table it lands in has no row of the
        source yet, and a parent of this batch it joins (mapped before it) is staged early too."""
        if not self.fresh or not all(self.fresh[spec.table] for spec in SPECS[target]):
            return False
        parent = INNER_PARENTS.get(target)
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
        parent = INNER_PARENTS.get(target)
        if parent is not None and parent[1] in self.early_out:
            out |= frame[parent[0]].isin(self.early_out[parent[1]].as_set)
        return out

    def map_and_validate(
        self, stager: Stager | None = None, lane: DatabaseLane | None = None
    ) -> list[EntityWork]:
        works: list[EntityWork] = []
        if stager is not None and lane is not None:  # as the batch starts, before any staging
            tables = {spec.table for m in self.mapping.entities for spec in SPECS[m.target]}
            self.fresh = {table: lane.call(stager.is_fresh, table) for table in sorted(tables)}
        for mapping in self.ordered():
            work = EntityWork(mapping)
            target = mapping.target
            work.early = self._stages_early(target)
            if work.early:
                self.early_out.setdefault(target, KeySet())
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
                checked = explained_once(validator.check_chunk(frame), mapping_issues)
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
        self.controls.observe(mapping.target, frame, self.context.entries)
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
        elif target == "journal_entry":
            if not isinstance(context.entries, KeyIndex):
                context.entries = KeyIndex()
            context.entries.add(frame["entry_no"], frame["period"])

    def run(self) -> TransformResult:
        """The whole batch in one transaction; the working files are removed however it ends."""
        try:
            return self._run()
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _run(self) -> TransformResult:
        started = time.perf_counter()
        self.chunk_paths = self._chunk_paths()
        with Session(self.engine) as session:
            system = session.scalars(sa.select(SourceSystem).filter_by(code=self.source)).one()
            ministry_id = system.ministry_id
            rejected = rejected_versions(session, self.source)
            self.corrections = Corrections.of_source(session, self.source)
        outcomes: list[EntityOutcome] = []
        # The lane's thread stops before the transaction ends: a failure rolls back only once
        # no statement of the lane is still running on the connection.
        with self.engine.begin() as connection:
            lane = DatabaseLane()
            try:
                stager = Stager(
                    connection,
                    batch_id=self.batch_id,
                    source_system=self.source,
                    ministry_id=ministry_id,
                    recency=datetime.now(UTC),
                )
                works = self.map_and_validate(stager, lane)
                self._refuse_undeclared_years()
                errors = self.issues.errors()
                held = decide_holds(errors, works)
                lane.drain()
                withdrawn = take_back_early(
                    connection, lane, self.source, works, errors, held, self.early_out
                )
                quarantine = QuarantineWriter(
                    connection, self.source, self.batch_id, submit=lane.submit
                )
                for work in works:
                    outcome = self._stage_entity(
                        stager, lane, work, errors, held, rejected, quarantine
                    )
                    outcome.counts.inserted -= withdrawn.get(id(work), 0)
                    outcomes.append(outcome)
                lane.drain()
                withdraw_superseded(
                    connection,
                    lane,
                    self.source,
                    works,
                    outcomes,
                    errors,
                    held,
                    batch_id=self.batch_id,
                    actor=self.settings.operator,
                )
                quarantine.finish(self._was_staged)
                write_issues(connection, self.source, self.batch_id, self.issues)
                lane.call(self.corrections.flag_stale, connection, self.settings.operator)
                self.controls.write(
                    connection, batch_id=self.batch_id, source=self.source, ministry_id=ministry_id
                )
                write_accounting(connection, self.batch_id, outcomes)
                self._audit_changes(connection, outcomes)
                if any(w.mapping.target == "journal_line" for w in works):
                    lane.call(check_journal_lines, connection, self.source)
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

    def _refuse_undeclared_years(self) -> None:
        """A ledger with entries in a fiscal year the calendar does not declare stops here, in
        one line, before anything of the batch is kept: the year is a decision to make (take
        it in as history, or keep it out), not thousands of issues for stewards."""
        found = self.context.undeclared
        if not found:
            return
        by_year: dict[str, tuple[str, int]] = {}
        for (entity, year), count in sorted(found.items()):
            if count > by_year.get(year, ("", 0))[1]:
                by_year[year] = (entity, count)
        what = "; ".join(
            f"{count:,} {entity} rows in {year}" for year, (entity, count) in by_year.items()
        )
        first = next(iter(by_year))
        raise StagingError(
            f"the ledger has entries in fiscal years the calendar does not declare ({what}); "
            f"declare each in {self.calendar_file} (fiscal_years: {{{first}: migration}} takes "
            f"a past year in as history, {{{first}: closed}} quarantines its entries), then run "
            "the source again"
        )

    def _stage_entity(
        self,
        stager: Stager,
        lane: DatabaseLane,
        work: EntityWork,
        errors: dict[str, set[str]],
        held: dict[str, dict[str, str]],
        rejected: dict[tuple[str, str], str],
        quarantine: QuarantineWriter,
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
            frames = work.frames(keys=out_keys)
            outcome.extracted = work.rows
            outcome.staged = work.rows
        else:
            frames = work.frames()
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
            for record in json_records(frame.loc[out]):
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

    def _audit_changes(self, connection: sa.Connection, outcomes: list[EntityOutcome]) -> None:
        """A changed source row updated its unified row: the audit log says which and when."""
        audit.record_many(
            connection,
            self.settings.operator,
            audit.Event.ROW_CHANGED,
            (
                (table, f"{self.source}|{key}", {"batch_id": self.batch_id, "row_hash": new_hash})
                for outcome in outcomes
                for table, key, new_hash in outcome.counts.changed_keys
            ),
        )
