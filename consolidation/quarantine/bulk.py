"""Deciding every issue a filter matches in a few statements, for a steward's bulk waive or
reject of thousands: one UPDATE per thousand issues, one audit event per issue written in one
INSERT, and a rejection carried to the records, all in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.schema import IssueStatus, QuarantineRecord, ValidationIssue, table_of
from consolidation.quarantine.queries import IssueFilter, Scope, filtered, joined

CHUNK = 1_000
_EVENTS = {
    IssueStatus.WAIVED: audit.Event.ISSUE_WAIVED,
    IssueStatus.REJECTED: audit.Event.ISSUE_REJECTED,
}


def decide_matching(
    session: Session,
    filters: IssueFilter,
    status: IssueStatus,
    *,
    actor: str,
    note: str | None,
    scope: Scope,
) -> int:
    """Set every issue matching ``filters`` within ``scope`` (but those already so) to
    ``status``; the number decided."""
    query = filtered(
        joined(
            ValidationIssue.id,
            ValidationIssue.status,
            ValidationIssue.rule_id,
            ValidationIssue.source_system,
            ValidationIssue.entity,
            ValidationIssue.source_key,
        ),
        filters,
        scope,
    ).where(ValidationIssue.status != status)
    rows = session.execute(query).all()
    now = datetime.now(UTC)
    table = table_of(ValidationIssue)
    values: dict[str, object] = {
        "status": status,
        "updated_by": actor,
        "updated_at": now,
        "version": table.c.version + 1,
    }
    if note:
        values["note"] = note
    for start in range(0, len(rows), CHUNK):
        ids = [row.id for row in rows[start : start + CHUNK]]
        session.execute(sa.update(table).where(table.c.id.in_(ids)).values(**values))
    audit.record_many(
        session,
        actor,
        _EVENTS[status],
        (
            (
                "validation_issue",
                row.id,
                {
                    "rule_id": row.rule_id,
                    "source": row.source_system,
                    "source_key": row.source_key,
                    "previous": row.status.value,
                    "note": note,
                    "bulk": True,
                },
            )
            for row in rows
        ),
    )
    if status is IssueStatus.REJECTED:
        _reject_records(session, rows, actor, now)
    return len(rows)


def _reject_records(session: Session, rows: Sequence[sa.Row[Any]], actor: str,
                    now: datetime) -> None:  # fmt: skip
    records = table_of(QuarantineRecord)
    by_entity: dict[tuple[object, object], list[object]] = {}
    for row in rows:
        by_entity.setdefault((row.source_system, row.entity), []).append(row.source_key)
    for (source, entity), keys in by_entity.items():
        unique = sorted(set(keys), key=str)
        for start in range(0, len(unique), CHUNK):
            session.execute(
                sa.update(records)
                .where(
                    records.c.source_system == source,
                    records.c.entity == entity,
                    records.c.source_key.in_(unique[start : start + CHUNK]),
                )
                .values(
                    status=IssueStatus.REJECTED, updated_by=actor, updated_at=now,
                    version=records.c.version + 1,
                )
            )  # fmt: skip
