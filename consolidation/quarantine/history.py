"""What happened to a quarantined record, read back: the issue a steward opened it by, the
corrections and decisions on it and its issues from the audit log (who, when, old and new
values), the audited reveal of its personal fields, and the dashboard's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.schema import (
    AuditEvent,
    IssueStatus,
    MatchReview,
    Ministry,
    QuarantineRecord,
    SourceSystem,
    ValidationIssue,
)
from consolidation.quarantine.exceptions import OutOfScope, QuarantineError
from consolidation.quarantine.export import staged_records
from consolidation.quarantine.queries import Scope, issue_dict, issues_of_record, joined, scoped

RECORD_EVENTS = (
    audit.Event.RECORD_CORRECTED,
    audit.Event.RECORD_RELEASED,
    audit.Event.CORRECTION_STALE,
    audit.Event.PERSONAL_REVEALED,
)
ISSUE_EVENTS = (
    audit.Event.ISSUE_WAIVED,
    audit.Event.ISSUE_REJECTED,
    audit.Event.ISSUE_REOPENED,
)


@dataclass(frozen=True)
class IssueRef:
    """Where an issue id points: its record's source, entity, key and ministry."""

    id: int
    source: str
    entity: str
    source_key: str
    ministry: str
    version: int
    status: str
    batch_id: int
    """The batch of the record's current version (the issue's when it is not quarantined)."""
    quarantined: bool
    """False when the record has only warnings: it was staged, not quarantined."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change to a record or one of its issues."""

    at: datetime
    actor: str
    action: str
    issue_id: int | None = None
    rule_id: str | None = None
    previous: str | None = None
    note: str | None = None
    changes: tuple[FieldChange, ...] = ()
    fields: tuple[str, ...] = ()
    """Fields named without values: a reveal, or a correction audited before values were kept."""


@dataclass(frozen=True)
class DayCount:
    day: date
    opened: int
    closed: int


@dataclass(frozen=True)
class Dashboard:
    """The quarantine at a glance, within a scope: issue totals by status, open issues by rule
    and by ministry, issues opened and closed per day, records released, pairs waiting."""

    by_status: dict[str, int]
    by_rule: list[tuple[str, int]]
    by_ministry: list[tuple[str, int]]
    per_day: list[DayCount]
    released: int
    pairs_waiting: int
    since: date
    until: date


class QuarantineHistory:
    """Reads of the quarantine and its audit trail, and the audited reveal, over one store."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def locate(self, issue_id: int, *, scope: Scope = None) -> IssueRef:
        """The issue ``issue_id`` and its record's identity; ``OutOfScope`` for another
        ministry's issue."""
        with self._session() as session:
            found = session.execute(
                joined(ValidationIssue, Ministry.code).where(ValidationIssue.id == issue_id)
            ).one_or_none()
            if found is None:
                raise QuarantineError(f"no issue {issue_id}")
            issue, ministry = found
            _in_scope(scope, ministry, f"issue {issue_id}")
            batch = session.scalar(
                sa.select(QuarantineRecord.batch_id).filter_by(
                    source_system=issue.source_system,
                    entity=issue.entity,
                    source_key=issue.source_key,
                )
            )
            return IssueRef(
                issue.id,
                issue.source_system,
                issue.entity,
                issue.source_key,
                ministry,
                issue.version,
                issue.status.value,
                batch if batch is not None else issue.batch_id,
                batch is not None,
            )

    def staged(self, source: str, entity: str, key: str) -> dict[str, Any]:
        """A record that was staged with warnings, as the quarantine shows one: its values
        read back from the store as text, and its issues; no version (nothing to correct)."""
        with self._session() as session:
            found = staged_records(session.connection(), [(source, entity, key)])
            issues = session.execute(issues_of_record(source, entity, key))
            record = found.get((source, entity, key))
            return {
                "source": source,
                "entity": entity,
                "source_key": key,
                "version": None,
                "status": "staged",
                "reason": None,
                "held_by": None,
                "data": dict(record.data) if record is not None else {},
                "corrected": None,
                "correction_stale": False,
                "issues": [issue_dict(issue, code) for issue, code in issues],
            }

    def history(self, source: str, entity: str, key: str) -> list[HistoryEntry]:
        """Corrections, releases, reveals and issue decisions on one record, oldest first."""
        with self._session() as session:
            record_id = session.scalar(
                sa.select(QuarantineRecord.id).filter_by(
                    source_system=source, entity=entity, source_key=key
                )
            )
            issues = {
                issue_id: rule
                for issue_id, rule in session.execute(
                    sa.select(ValidationIssue.id, ValidationIssue.rule_id).filter_by(
                        source_system=source, entity=entity, source_key=key
                    )
                )
            }
            targets = [
                sa.and_(AuditEvent.target_type == entity, AuditEvent.target_id == f"{source}|{key}")
            ]
            if record_id is not None:
                targets.append(
                    sa.and_(
                        AuditEvent.target_type == "quarantine_record",
                        AuditEvent.target_id == str(record_id),
                        AuditEvent.action.in_([e.value for e in RECORD_EVENTS]),
                    )
                )
            if issues:
                targets.append(
                    sa.and_(
                        AuditEvent.target_type == "validation_issue",
                        AuditEvent.target_id.in_([str(i) for i in issues]),
                        AuditEvent.action.in_([e.value for e in ISSUE_EVENTS]),
                    )
                )
            events = session.scalars(
                sa.select(AuditEvent).where(sa.or_(*targets)).order_by(AuditEvent.at, AuditEvent.id)
            ).all()
            return [_entry(event, issues) for event in events]

    def reveal(
        self, issue_id: int, fields: Collection[str], *, actor: str, scope: Scope = None
    ) -> IssueRef:
        """Record that ``actor`` unmasked ``fields`` of the record behind ``issue_id``. The
        caller has checked that ``actor`` may reveal the ministry's personal data."""
        ref = self.locate(issue_id, scope=scope)
        with self._session() as session:
            record_id = session.scalar(
                sa.select(QuarantineRecord.id).filter_by(
                    source_system=ref.source, entity=ref.entity, source_key=ref.source_key
                )
            )
            audit.record(
                session,
                actor,
                audit.Event.PERSONAL_REVEALED,
                "quarantine_record",
                record_id if record_id is not None else f"{ref.source}|{ref.source_key}",
                issue=issue_id,
                source=ref.source,
                entity=ref.entity,
                source_key=ref.source_key,
                ministry=ref.ministry,
                fields=sorted(fields),
            )
        return ref

    def dashboard(
        self, *, scope: Scope = None, days: int = 30, today: date | None = None
    ) -> Dashboard:
        """Counts for the dashboard within ``scope``; per day over the last ``days`` days (UTC)."""
        until = today or datetime.now(UTC).date()
        since = until - timedelta(days=days - 1)
        start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        with self._session() as session:
            # one pass over the issues for the totals, the rules and the ministries
            grouped = session.execute(
                scoped(
                    joined(
                        ValidationIssue.status,
                        ValidationIssue.rule_id,
                        Ministry.code,
                        sa.func.count(),
                    ).group_by(ValidationIssue.status, ValidationIssue.rule_id, Ministry.code),
                    scope,
                )
            ).all()
            by_status: Counter[str] = Counter()
            rules: Counter[str] = Counter()
            ministries: Counter[str] = Counter()
            for status, rule, code, n in grouped:
                by_status[status.value] += int(n)
                if status is IssueStatus.OPEN:
                    rules[rule] += int(n)
                    ministries[code] += int(n)
            by_rule = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
            by_ministry = sorted(ministries.items())
            opened = _per_day(session, ValidationIssue.created_at, start, scope)
            closed = _per_day(
                session,
                ValidationIssue.updated_at,
                start,
                scope,
                ValidationIssue.status != IssueStatus.OPEN,
            )
            released = session.scalar(
                scoped(
                    sa.select(sa.func.count(QuarantineRecord.id))
                    .join(SourceSystem, SourceSystem.code == QuarantineRecord.source_system)
                    .join(Ministry, Ministry.id == SourceSystem.ministry_id)
                    .where(QuarantineRecord.status == IssueStatus.FIXED),
                    scope,
                )
            )
            pairs = _pairs_waiting(session, scope)
        per_day = [
            DayCount(day, opened.get(day, 0), closed.get(day, 0))
            for day in (since + timedelta(days=n) for n in range(days))
        ]
        return Dashboard(
            by_status={s.value: by_status.get(s.value, 0) for s in IssueStatus},
            by_rule=by_rule,
            by_ministry=by_ministry,
            per_day=per_day,
            released=int(released or 0),
            pairs_waiting=pairs,
            since=since,
            until=until,
        )


def _per_day(
    session: Session, column: Any, start: datetime, scope: Scope, *where: Any
) -> dict[date, int]:
    """Issues counted by the UTC day of ``column`` from ``start`` on."""
    moment = column
    if session.get_bind().dialect.name == "postgresql":
        moment = sa.func.timezone("UTC", column)
    day = sa.func.date(moment)
    query = scoped(joined(day, sa.func.count()).where(column >= start, *where).group_by(day), scope)
    counts: dict[date, int] = {}
    for value, n in session.execute(query):
        if value is None:
            continue
        when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        counts[when] = counts.get(when, 0) + int(n)
    return counts


def _pairs_waiting(session: Session, scope: Scope) -> int:
    """Open grey-zone pairs; a scoped caller counts those with a record of its ministries."""
    query = sa.select(MatchReview.record_a, MatchReview.record_b).where(
        MatchReview.status == "open"
    )
    if scope is None:
        return int(session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
    ministries = {
        source: ministry
        for source, ministry in session.execute(
            sa.select(SourceSystem.code, Ministry.code).join(
                Ministry, Ministry.id == SourceSystem.ministry_id
            )
        )
    }
    allowed = {code.upper() for code in scope}
    return sum(
        1
        for a, b in session.execute(query)
        if {ministries.get(a.split("|", 1)[0]), ministries.get(b.split("|", 1)[0])} & allowed
    )


def _entry(event: AuditEvent, issues: dict[int, str]) -> HistoryEntry:
    detail = event.detail or {}
    issue_id = int(event.target_id) if event.target_type == "validation_issue" else None
    changes = tuple(
        FieldChange(name, change.get("old"), change.get("new"))
        for name, change in sorted((detail.get("changes") or {}).items())
        if isinstance(change, dict)
    )
    named = () if changes else tuple(str(f) for f in detail.get("fields") or ())
    return HistoryEntry(
        at=event.at,
        actor=event.actor,
        action=event.action,
        issue_id=issue_id,
        rule_id=detail.get("rule_id") or (issues.get(issue_id) if issue_id else None),
        previous=detail.get("previous"),
        note=detail.get("note"),
        changes=changes,
        fields=named,
    )


def _in_scope(scope: Scope, ministry: str | None, what: str) -> None:
    if scope is not None and (ministry or "").upper() not in {code.upper() for code in scope}:
        raise OutOfScope(f"{what} belongs to ministry {ministry}, which is not yours")


def write_dashboard(
    dashboard: Dashboard, target: Path | IO[bytes], headings: Mapping[str, str]
) -> None:
    """The dashboard's tables as a workbook, one sheet each (by status, rule, ministry, day);
    ``headings`` names sheets, columns and statuses in the reader's language (keys: status,
    rule, ministry, day, count, opened, closed, issues, released, pairs, and each status)."""
    import xlsxwriter  # lazy: only exports write workbooks

    def h(key: str) -> str:
        return headings.get(key, key)

    book = xlsxwriter.Workbook(target, {"in_memory": True})
    bold = book.add_format({"bold": True})
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    tables: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            h("issues"),
            [h("status"), h("count")],
            [[h(status), n] for status, n in dashboard.by_status.items()]
            + [[h("released"), dashboard.released], [h("pairs"), dashboard.pairs_waiting]],
        ),
        (h("rule"), [h("rule"), h("count")], [list(row) for row in dashboard.by_rule]),
        (h("ministry"), [h("ministry"), h("count")], [list(row) for row in dashboard.by_ministry]),
        (
            h("day"),
            [h("day"), h("opened"), h("closed")],
            [[d.day, d.opened, d.closed] for d in dashboard.per_day],
        ),
    ]
    for title, header, rows in tables:
        sheet = book.add_worksheet(_sheet_name(title))
        sheet.write_row(0, 0, header, bold)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(number, column, datetime.combine(value, time()), dated)
                elif isinstance(value, int):
                    sheet.write_number(number, column, value)
                else:
                    sheet.write_string(number, column, str(value))
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(header) - 1, 12)
    book.close()


def _sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: 31 characters at most, none of []:*?/\\."""
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "sheet"
