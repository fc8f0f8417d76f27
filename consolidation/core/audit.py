"""The audit log's one writer and its vocabulary: who did what, when, to what.

Every stage and service records events through :func:`record` (one event) or
:func:`record_many` (many of one kind, one statement), on the session or connection of the
change they record, so an event is committed with its change or not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import AuditEvent, table_of
from consolidation.core.secrets import scrub


class Event(enum.StrEnum):
    """What happened. ``<subject>.<verb in the past>``; the subject is what ``target`` names."""

    BATCH_STARTED = "batch.started"
    BATCH_EXTRACTED = "batch.extracted"
    BATCH_FAILED = "batch.failed"
    BATCH_INTERRUPTED = "batch.interrupted"
    """Its process died before closing it; found at a later run."""
    ROW_CHANGED = "row.changed"
    """A changed source row updated its unified row."""
    ROW_WITHDRAWN = "row.withdrawn"
    """A staged row's source record has a newer version in the quarantine."""
    RECORD_CORRECTED = "record.corrected"
    RECORD_RELEASED = "record.released"
    """A quarantined record passed revalidation and flowed into the store."""
    CORRECTION_STALE = "correction.stale"
    """The source record a correction was made to has changed."""
    ISSUE_WAIVED = "issue.waived"
    ISSUE_REJECTED = "issue.rejected"
    ISSUE_REOPENED = "issue.open"
    MATCH_MERGED = "match.merged"
    MATCH_APART = "match.apart"
    MATCH_REOPENED = "match.open"
    CENTRAL_ENTRY_REVERSED = "central.entry.reversed"
    CENTRAL_ROLLBACK = "central.rollback"
    RECONCILE_SIGNED_OFF = "reconcile.signed_off"
    """A finance officer signed a ministry-period off on a reconciliation run."""
    RECONCILE_REOPENED = "reconcile.reopened"
    """A later run found a signed-off period's cells changed."""
    USER_CREATED = "user.created"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 - an event name
    USER_SIGNED_IN = "user.signed_in"
    USER_SIGNED_OUT = "user.signed_out"
    USER_SIGNIN_FAILED = "user.signin_failed"
    USER_LOCKED_OUT = "user.locked_out"
    """Repeated failed sign-ins locked the user out for a while."""
    USER_REAUTHENTICATED = "user.reauthenticated"
    SESSION_ENDED = "session.ended"
    """An admin, a disabled user or an expiry ended a session."""
    PERSONAL_REVEALED = "record.revealed"
    """A steward unmasked a record's national id, IBAN or salary."""
    WORKBOOK_APPLIED = "workbook.applied"
    """A ministry's corrected workbook was applied as corrections."""
    JOB_STARTED = "job.started"
    JOB_FINISHED = "job.finished"
    JOB_FAILED = "job.failed"
    NOTIFY_SENT = "notify.sent"
    """A digest of what waits went to a ministry's contacts."""
    NOTIFY_FAILED = "notify.failed"


def _row(
    actor: str, event: Event, target_type: str, target_id: object, detail: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "actor": actor,
        "action": Event(event).value,
        "target_type": target_type,
        "target_id": str(target_id),
        "detail": {k: _scrubbed(k, v) for k, v in detail.items()},
    }


_FREE_TEXT = frozenset({"error", "message", "reason", "url"})


def _scrubbed(key: str, value: Any) -> Any:
    """A free-text detail (an error, a message) with credentials masked; a driver wrote it."""
    return scrub(value) if key in _FREE_TEXT and isinstance(value, str) else value


def record(
    where: Session | sa.Connection,
    actor: str,
    event: Event,
    target_type: str,
    target_id: object,
    **detail: Any,
) -> None:
    """One event, written in the transaction of ``where``."""
    row = _row(actor, event, target_type, target_id, detail)
    if isinstance(where, Session):
        where.add(AuditEvent(**row))
    else:
        where.execute(sa.insert(table_of(AuditEvent)).values(**row))


def record_many(
    where: Session | sa.Connection,
    actor: str,
    event: Event,
    targets: Iterable[tuple[str, object, Mapping[str, Any]]],
) -> int:
    """Events of one kind, one per ``(target_type, target_id, detail)``, in one statement."""
    rows = [_row(actor, event, kind, target, detail) for kind, target, detail in targets]
    if rows:
        where.execute(sa.insert(table_of(AuditEvent)), rows)
    return len(rows)
