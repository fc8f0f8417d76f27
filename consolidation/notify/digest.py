"""A ministry's digest: what waits for it in the quarantine, counted, never named.

It holds the open issues by rule, how many were closed since the last digest sent to it, the age
of its oldest open issue and a link to the app: no national id, IBAN, salary or name. ``state``
identifies the open issues themselves (a hash of their ids), so an unchanged quarantine is not
told twice, while one where an issue closed and another opened is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import IssueStatus, Ministry, Severity, SourceSystem, ValidationIssue
from consolidation.core.sources import MinistrySpec


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    severity: str
    count: int


@dataclass(frozen=True)
class Digest:
    ministry: str
    name_ar: str
    name_en: str
    rules: tuple[RuleCount, ...]
    """Open issues by rule, in rule order."""
    resolved: int
    """Issues closed (fixed, waived, rejected) since ``since``, or ever before the first digest."""
    since: datetime | None
    """When the last digest went to this ministry over the same channel; None before the first."""
    oldest_days: int | None
    link: str
    state: str

    @property
    def open(self) -> int:
        return sum(rule.count for rule in self.rules)

    @property
    def blocking(self) -> int:
        """Open issues of severity error: their records cannot load."""
        return sum(rule.count for rule in self.rules if rule.severity == Severity.ERROR.value)

    def fingerprint(self, channel: str, previous: str | None) -> str:
        """This digest after ``previous`` (the fingerprint of the last one sent): the same open
        issues told again after another digest make a new digest; twice in a row, the same one."""
        payload = {
            "ministry": self.ministry,
            "channel": channel,
            "previous": previous,
            "state": self.state,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def content(self) -> dict[str, Any]:
        """What the digest told, as stored with it and printed as JSON: counts and a link."""
        return {
            "open": self.open,
            "blocking": self.blocking,
            "rules": [
                {"rule_id": r.rule_id, "severity": r.severity, "count": r.count} for r in self.rules
            ],
            "resolved": self.resolved,
            "since": self.since.isoformat() if self.since else None,
            "oldest_days": self.oldest_days,
            "link": self.link,
            "state": self.state,
        }


def ministry_link(base_url: str, ministry: str) -> str:
    """The app's issue list, filtered to the ministry's open issues."""
    query = urlencode({"ministry": ministry, "status": "open"})
    return f"{base_url.rstrip('/')}/issues?{query}"


def compute_digest(
    session: Session,
    ministry: str,
    spec: MinistrySpec,
    *,
    since: datetime | None,
    base_url: str,
) -> Digest:
    """The ministry's digest from the store; ``since`` is when the last one was sent."""
    of_ministry = Ministry.code == ministry
    is_open = ValidationIssue.status == IssueStatus.OPEN
    grouped = session.execute(
        _issues(
            ValidationIssue.rule_id,
            ValidationIssue.severity,
            sa.func.count(),
            sa.func.min(ValidationIssue.created_at),
        )
        .where(of_ministry, is_open)
        .group_by(ValidationIssue.rule_id, ValidationIssue.severity)
        .order_by(ValidationIssue.rule_id, ValidationIssue.severity)
    ).all()
    ids = session.scalars(
        _issues(ValidationIssue.id).where(of_ministry, is_open).order_by(ValidationIssue.id)
    )
    state = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    closed = _issues(sa.func.count()).where(of_ministry, ValidationIssue.status != IssueStatus.OPEN)
    if since is not None:
        closed = closed.where(ValidationIssue.updated_at > since)
    oldest = min((as_utc(first) for *_rest, first in grouped if first is not None), default=None)
    return Digest(
        ministry=ministry,
        name_ar=spec.name_ar,
        name_en=spec.name_en,
        rules=tuple(RuleCount(rule, Severity(sev).value, int(n)) for rule, sev, n, _f in grouped),
        resolved=int(session.execute(closed).scalar_one()),
        since=as_utc(since) if since is not None else None,
        oldest_days=(datetime.now(UTC) - oldest).days if oldest is not None else None,
        link=ministry_link(base_url, ministry),
        state=state,
    )


def _issues(*columns: Any) -> sa.Select[Any]:
    return (
        sa.select(*columns)
        .select_from(ValidationIssue)
        .join(SourceSystem, SourceSystem.code == ValidationIssue.source_system)
        .join(Ministry, Ministry.id == SourceSystem.ministry_id)
    )


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
