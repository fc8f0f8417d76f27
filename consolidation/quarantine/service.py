"""The quarantine service: what stewards and ministries do with the quarantine, whoever calls
(the CLI and the web app). Every read takes a ministry scope, every change is checked against
it, names the version it saw (optimistic locking) and is recorded in the audit log.

One class, the quarantine's one public face, which is why this module is long: each method is
a short scoped query or change, and the work behind the larger ones lives beside it (queries,
bulk, export, returned and roundtrip, pairs, history).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from consolidation.core import audit
from consolidation.core.schema import (
    IssueStatus,
    MatchReview,
    Ministry,
    QuarantineRecord,
    SourceSystem,
    ValidationIssue,
    table_of,
)
from consolidation.core.unified import ENTITIES, LINEAGE_COLUMNS, ROW_HASH
from consolidation.quarantine import bulk, pairs
from consolidation.quarantine.diff import WorkbookApplied, WorkbookDiff
from consolidation.quarantine.exceptions import OutOfScope, QuarantineConflict, QuarantineError
from consolidation.quarantine.export import ExportedRecord, staged_records, write_workbook
from consolidation.quarantine.queries import (
    SORTS,
    IssueFilter,
    Scope,
    filtered,
    issue_dict,
    issues_of_record,
    joined,
    scoped,
    status_of,
)
from consolidation.quarantine.records import unreadable
from consolidation.quarantine.returned import read_workbook
from consolidation.quarantine.roundtrip import RecordCheck, preview

DECISIONS = {
    IssueStatus.WAIVED: audit.Event.ISSUE_WAIVED,
    IssueStatus.REJECTED: audit.Event.ISSUE_REJECTED,
    IssueStatus.OPEN: audit.Event.ISSUE_REOPENED,
}
REVIEW_DECISIONS = {
    "merged": audit.Event.MATCH_MERGED,
    "apart": audit.Event.MATCH_APART,
    "open": audit.Event.MATCH_REOPENED,
}


class QuarantineService:
    """Listing, exporting, waiving, rejecting, reopening and correcting quarantined records,
    and deciding grey-zone matches, over one store."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            try:
                yield session
                session.flush()
            except StaleDataError as exc:  # a concurrent change between our read and our write
                raise QuarantineConflict(
                    "someone changed it while you were working on it; reload and try again"
                ) from exc

    def list_issues(
        self,
        filters: IssueFilter = IssueFilter(),  # noqa: B008 - frozen, never mutated
        *,
        scope: Scope = None,
        offset: int = 0,
        limit: int | None = None,
        sort: str = "rule",
    ) -> list[dict[str, Any]]:
        """Issues matching ``filters`` within ``scope``, a page at a time, sorted on the server."""
        if sort not in SORTS:
            raise QuarantineError(f"unknown sort {sort!r}; expected {', '.join(SORTS)}")
        query = filtered(joined(ValidationIssue, Ministry.code), filters, scope)
        query = query.order_by(*SORTS[sort]).offset(offset)
        limit = limit if limit is not None else filters.limit
        if limit:
            query = query.limit(limit)
        with self._session() as session:
            return [issue_dict(issue, ministry) for issue, ministry in session.execute(query)]

    def count_issues(
        self,
        filters: IssueFilter = IssueFilter(),  # noqa: B008 - frozen, never mutated
        *,
        scope: Scope = None,
    ) -> int:
        query = filtered(joined(sa.func.count(ValidationIssue.id)), filters, scope)
        with self._session() as session:
            return int(session.execute(query).scalar_one())

    def summary(self, *, status: str | None = "open", scope: Scope = None) -> list[dict[str, Any]]:
        """Issue counts by rule, severity and ministry (open ones by default)."""
        query = (
            joined(
                ValidationIssue.rule_id, ValidationIssue.severity, Ministry.code, sa.func.count()
            )
            .group_by(ValidationIssue.rule_id, ValidationIssue.severity, Ministry.code)
            .order_by(ValidationIssue.rule_id, Ministry.code)
        )
        if status:
            query = query.where(ValidationIssue.status == status_of(status))
        with self._session() as session:
            return [
                {"rule_id": rule, "severity": severity.value, "ministry": ministry, "count": n}
                for rule, severity, ministry, n in session.execute(scoped(query, scope))
            ]

    def filter_choices(self, *, scope: Scope = None) -> tuple[list[str], list[str]]:
        """The rule ids that have issues and the ministries a caller may filter by: what a
        filter form offers, without counting every issue (one covered index scan)."""
        rules = joined(ValidationIssue.rule_id).distinct().order_by(ValidationIssue.rule_id)
        with self._session() as session:
            if scope is None:
                rules = sa.select(ValidationIssue.rule_id).distinct()
                ministries = list(session.scalars(sa.select(Ministry.code).order_by(Ministry.code)))
            else:
                rules = scoped(rules, scope)
                ministries = sorted({code.upper() for code in scope})
            return sorted(session.scalars(rules)), ministries

    def record(self, source: str, entity: str, key: str, *, scope: Scope = None) -> dict[str, Any]:
        """A quarantined record: its mapped values, corrections, status and issues."""
        with self._session() as session:
            record, ministry = self._record(session, source, entity, key, scope)
            issues = session.execute(issues_of_record(source, entity, key))
            return {
                "source": source,
                "ministry": ministry,
                "entity": entity,
                "source_key": key,
                "version": record.version,
                "status": record.status.value,
                "reason": record.reason,
                "held_by": record.held_by,
                "data": record.data,
                "corrected": record.corrected,
                "correction_stale": record.correction_stale,
                "issues": [issue_dict(issue, code) for issue, code in issues],
            }

    def export_xlsx(
        self, path: Path | IO[bytes], filters: IssueFilter, *, scope: Scope = None
    ) -> dict[str, int]:
        """One sheet per rule, with each failing record, for a ministry to fix at the source and
        send back (``preview_workbook``, ``apply_workbook``); to a file or a binary stream."""
        rows = self.list_issues(filters, scope=scope)
        if not rows:
            raise QuarantineError("no issue matches; nothing to export")
        wanted = {(r["source"], r["entity"], r["source_key"]) for r in rows}
        with self._session() as session:
            records = {
                (r.source_system, r.entity, r.source_key): ExportedRecord(
                    {**r.data, **({} if r.correction_stale else r.corrected or {})}, r.version
                )
                for r in session.scalars(
                    sa.select(QuarantineRecord).where(
                        QuarantineRecord.source_system.in_({source for source, _e, _k in wanted})
                    )
                )
                if (r.source_system, r.entity, r.source_key) in wanted
            }
            staged = staged_records(session.connection(), wanted - records.keys())
        return write_workbook(
            path,
            rows,
            {**staged, **records},
            ministries=sorted({str(r["ministry"]) for r in rows}),
            exported_at=datetime.now(UTC),
        )

    def decide(
        self,
        issue_ids: Sequence[int],
        status: IssueStatus,
        *,
        actor: str,
        note: str | None = None,
        versions: Mapping[int, int] | None = None,
        scope: Scope = None,
    ) -> int:
        """Waive or reject issues, or reopen them; a rejected issue rejects its record.
        ``versions`` are the versions the caller saw: a changed issue is a conflict."""
        if status not in DECISIONS:
            raise QuarantineError(f"cannot set an issue to {status.value!r}")
        with self._session() as session:
            rows = session.execute(
                joined(ValidationIssue, Ministry.code).where(ValidationIssue.id.in_(issue_ids))
            ).all()
            missing = sorted(set(issue_ids) - {issue.id for issue, _m in rows})
            if missing:
                raise QuarantineError(f"no issue {missing[0]}")
            now = datetime.now(UTC)
            for issue, ministry in rows:
                _in_scope(scope, ministry, f"issue {issue.id}")
                _same_version(f"issue {issue.id}", issue, (versions or {}).get(issue.id))
                previous = issue.status
                issue.status, issue.updated_by, issue.updated_at = status, actor, now
                if note:
                    issue.note = note
                audit.record(
                    session,
                    actor,
                    DECISIONS[status],
                    "validation_issue",
                    issue.id,
                    rule_id=issue.rule_id,
                    source=issue.source_system,
                    source_key=issue.source_key,
                    previous=previous.value,
                    note=note,
                )
                record = _find(session, issue.source_system, issue.entity, issue.source_key)
                if record is None:
                    continue
                reopened = status is IssueStatus.OPEN and record.status is IssueStatus.REJECTED
                if status is IssueStatus.REJECTED or reopened:
                    record.status, record.updated_by, record.updated_at = status, actor, now
            return len(rows)

    def correct(
        self,
        source: str,
        entity: str,
        key: str,
        values: Mapping[str, str],
        *,
        actor: str,
        version: int | None = None,
        scope: Scope = None,
    ) -> dict[str, Any]:
        """A steward's corrections of a quarantined record, made to the source record's current
        version; revalidation lets it flow on, and every later run applies them while that
        version is current."""
        with self._session() as session:
            record, _ministry = self._record(session, source, entity, key, scope)
            _same_version(f"{entity} record {key!r}", record, version)
            corrected = _correct(session, record, values, actor)
            session.flush()
            return {"id": record.id, "version": record.version, "corrected": corrected}

    def preview_workbook(
        self,
        data: bytes,
        *,
        scope: Scope,
        ministry: str | None = None,
        max_bytes: int = 10 * 1024 * 1024,
        check: RecordCheck | None = None,
    ) -> WorkbookDiff:
        """What a ministry's corrected workbook would change: per record its fields' old and
        new values and the version seen, and with ``check`` (the pipeline's rules) the records
        that would still fail. A file that is not an export for ``scope`` (and ``ministry``),
        or was altered where it must not be, is ``WorkbookRefused``; nothing is written."""
        workbook = read_workbook(data, max_bytes=max_bytes)
        with self._session() as session:
            return preview(session, workbook, scope=scope, ministry=ministry, check=check)

    def apply_workbook(self, diff: WorkbookDiff, *, actor: str, scope: Scope) -> WorkbookApplied:
        """Apply a preview's changes as corrections, all or none, each to the version the
        preview saw (a record changed since is a ``QuarantineConflict``); one audit event for
        the workbook. Revalidation (``Pipeline.revalidate``) then lets the records flow."""
        if diff.invalid:
            first = diff.invalid[0]
            raise QuarantineError(
                f"{len(diff.invalid)} values in the workbook cannot be read (first: "
                f"{first.entity}.{first.field} = {first.value!r} on {first.where}: "
                f"{first.problem}); correct them and upload the workbook again"
            )
        with self._session() as session:
            for change in diff.changes:
                what = f"{change.entity} record {change.key!r}"
                record, _ministry = self._record(
                    session, change.source, change.entity, change.key, scope
                )
                _same_version(what, record, change.version)
                values = {f.field: f.new or "" for f in change.fields}
                _correct(session, record, values, actor, workbook=diff.fingerprint)
            applied = WorkbookApplied(
                records=len(diff.changes),
                fields=diff.fields_changed,
                skipped=len(diff.skipped),
                still_failing=len({(f.source, f.entity, f.key) for f in diff.still_failing}),
            )
            if diff.changes:
                audit.record(
                    session,
                    actor,
                    audit.Event.WORKBOOK_APPLIED,
                    "workbook",
                    diff.fingerprint,
                    ministries=list(diff.ministries),
                    exported_at=diff.exported_at.isoformat(),
                    records=applied.records,
                    fields=applied.fields,
                    skipped=applied.skipped,
                    still_failing=applied.still_failing,
                )
            return applied

    def decide_matching(
        self,
        filters: IssueFilter,
        status: IssueStatus,
        *,
        actor: str,
        note: str | None = None,
        scope: Scope = None,
    ) -> int:
        """Waive or reject every issue ``filters`` match within ``scope``, set-based (a bulk
        action of thousands in seconds), each audited; the number decided."""
        if status not in (IssueStatus.WAIVED, IssueStatus.REJECTED):
            raise QuarantineError(f"cannot bulk-set issues to {status.value!r}")
        with self._session() as session:
            return bulk.decide_matching(
                session, filters, status, actor=actor, note=note, scope=scope
            )

    def reviews(self, *, status: str | None = "open", scope: Scope = None) -> list[dict[str, Any]]:
        """Grey-zone pairs of persons or vendors (open ones by default), best scores first;
        a scoped caller sees the pairs with a record of one of its ministries."""
        table = table_of(MatchReview)
        query = sa.select(table).order_by(table.c.kind, table.c.score.desc(), table.c.id)
        if status:
            query = query.where(table.c.status == status)
        with self._session() as session:
            ministries = pairs.source_ministries(session)
            rows = [dict(row._mapping) for row in session.execute(query)]
        if scope is None:
            return rows
        allowed = {code.upper() for code in scope}
        return [
            row
            for row in rows
            if {
                pairs.ministry_of(ministries, row["record_a"]),
                pairs.ministry_of(ministries, row["record_b"]),
            }
            & allowed
        ]

    def decide_review(
        self, review_id: int, decision: str, *, actor: str, scope: Scope = None
    ) -> None:
        """A steward's ruling on a grey-zone pair: 'merged' or 'apart' ('open' undoes it); the
        next match applies it. A scoped caller must hold both records' ministries."""
        if decision not in REVIEW_DECISIONS:
            raise QuarantineError(f"decision {decision!r}: expected merged, apart or open")
        table = table_of(MatchReview)
        with self._session() as session:
            row = session.execute(sa.select(table).where(table.c.id == review_id)).one_or_none()
            if row is None:
                raise QuarantineError(f"no review pair {review_id}")
            ministries = pairs.source_ministries(session)
            for record in (row.record_a, row.record_b):
                _in_scope(scope, pairs.ministry_of(ministries, record), f"review pair {review_id}")
            session.execute(
                sa.update(table)
                .where(table.c.id == review_id)
                .values(status=decision, decided_by=actor, decided_at=datetime.now(UTC))
            )
            audit.record(session, actor, REVIEW_DECISIONS[decision], "match_review", review_id)

    def _record(
        self, session: Session, source: str, entity: str, key: str, scope: Scope
    ) -> tuple[QuarantineRecord, str]:
        found = session.execute(
            sa.select(QuarantineRecord, Ministry.code)
            .join(SourceSystem, SourceSystem.code == QuarantineRecord.source_system)
            .join(Ministry, Ministry.id == SourceSystem.ministry_id)
            .where(
                QuarantineRecord.source_system == source,
                QuarantineRecord.entity == entity,
                QuarantineRecord.source_key == key,
            )
        ).one_or_none()
        if found is None:
            raise QuarantineError(f"no quarantined {entity} record {key!r} in source {source!r}")
        record, ministry = found
        _in_scope(scope, ministry, f"{entity} record {key!r} of {source}")
        return record, ministry

    def review(self, review_id: int, *, scope: Scope = None) -> pairs.PairDetail:
        """A grey-zone pair with both staged records side by side and its score's features; a
        scoped caller sees a pair with a record of one of its ministries."""
        with self._session() as session:
            return pairs.pair_detail(session, review_id, scope=scope)

    def review_queue(self, *, scope: Scope = None) -> list[pairs.QueueCount]:
        """Per kind (person, vendor), the pairs waiting and decided within ``scope``."""
        return pairs.queue_counts(self.reviews(status=None, scope=scope))


def _correct(
    session: Session,
    record: QuarantineRecord,
    values: Mapping[str, str],
    actor: str,
    **detail: Any,
) -> dict[str, Any]:
    """Check a steward's values against the record's entity and record them as corrections of
    the source record's current version, audited."""
    entity = record.entity
    schema = ENTITIES[entity]
    unknown = [n for n in values if n not in schema.fields or n in LINEAGE_COLUMNS]
    if unknown:
        raise QuarantineError(
            f"{entity} has no field {unknown[0]!r}; its fields are {', '.join(schema.fields)}"
        )
    for name, value in values.items():
        problem = unreadable(schema.fields[name].type, value)
        if problem:
            raise QuarantineError(f"{entity}.{name} = {value!r}: {problem}")
    before = {**record.data, **({} if record.correction_stale else record.corrected or {})}
    corrected = dict(record.corrected or {})
    corrected.update({name: (value if value != "" else None) for name, value in values.items()})
    record.corrected = corrected
    record.corrected_row_hash = record.data.get(ROW_HASH)
    record.correction_stale = False
    record.updated_by, record.updated_at = actor, datetime.now(UTC)
    audit.record(
        session,
        actor,
        audit.Event.RECORD_CORRECTED,
        "quarantine_record",
        record.id,
        source=record.source_system,
        entity=entity,
        source_key=record.source_key,
        fields=sorted(values),
        changes={n: {"old": before.get(n), "new": corrected[n]} for n in sorted(values)},
        **detail,
    )
    return corrected


def _find(session: Session, source: str, entity: str, key: str) -> QuarantineRecord | None:
    return session.scalars(
        sa.select(QuarantineRecord).filter_by(source_system=source, entity=entity, source_key=key)
    ).one_or_none()


def _in_scope(scope: Scope, ministry: str | None, what: str) -> None:
    if scope is not None and (ministry or "").upper() not in {code.upper() for code in scope}:
        raise OutOfScope(f"{what} belongs to ministry {ministry}, which is not yours")


def _same_version(what: str, row: ValidationIssue | QuarantineRecord, seen: int | None) -> None:
    """A conflict if the caller saw another version of ``row`` than the current one."""
    if seen is not None and seen != row.version:
        raise QuarantineConflict(
            f"{what} changed since you read it (version {row.version}, you saw {seen}; last "
            f"changed by {row.updated_by or 'the pipeline'}); reload and try again"
        )
