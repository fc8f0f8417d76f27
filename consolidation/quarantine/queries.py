"""Reading the quarantine: issue filters, the ministry scope, and issues as plain dicts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from consolidation.core.schema import IssueStatus, Ministry, SourceSystem, ValidationIssue
from consolidation.quarantine.exceptions import QuarantineError

Scope = Collection[str] | None
"""The ministries (codes) a caller may see and act on; None for every ministry."""


@dataclass(frozen=True)
class IssueFilter:
    rule: str | None = None
    """A rule id, ``*`` as a wildcard (``employee.iban.*``)."""
    ministry: str | None = None
    source: str | None = None
    status: str | None = None
    severity: str | None = None
    batch_id: int | None = None
    key: str | None = None
    """Part of a source key."""
    limit: int | None = None


SORTS = {
    "rule": (
        ValidationIssue.rule_id,
        ValidationIssue.source_system,
        ValidationIssue.source_key,
        ValidationIssue.id,
    ),
    "newest": (ValidationIssue.created_at.desc(), ValidationIssue.id.desc()),
    "source": (
        ValidationIssue.source_system,
        ValidationIssue.source_key,
        ValidationIssue.rule_id,
        ValidationIssue.id,
    ),
    "severity": (
        ValidationIssue.severity,
        ValidationIssue.rule_id,
        ValidationIssue.source_key,
        ValidationIssue.id,
    ),
}
"""Each order ends in the issue's id, so that pages (offset and limit) neither repeat nor skip
an issue."""


def status_of(text: str) -> IssueStatus:
    try:
        return IssueStatus(text)
    except ValueError:
        known = ", ".join(s.value for s in IssueStatus)
        raise QuarantineError(f"unknown status {text!r}; expected {known}") from None


def scoped(query: Any, scope: Scope) -> Any:
    """Only the issues of the scope's ministries (a query already joined to ``Ministry``)."""
    if scope is None:
        return query
    return query.where(Ministry.code.in_(sorted({code.upper() for code in scope})))


def joined(*columns: Any) -> Any:
    return (
        sa.select(*columns)
        .join(SourceSystem, SourceSystem.code == ValidationIssue.source_system)
        .join(Ministry, Ministry.id == SourceSystem.ministry_id)
    )


def issues_of_record(source: str, entity: str, key: str) -> Any:
    """A record's issues with their ministry, by rule."""
    return (
        joined(ValidationIssue, Ministry.code)
        .where(
            ValidationIssue.source_system == source,
            ValidationIssue.entity == entity,
            ValidationIssue.source_key == key,
        )
        .order_by(ValidationIssue.rule_id)
    )


def filtered(query: Any, filters: IssueFilter, scope: Scope) -> Any:
    if filters.rule:
        pattern = filters.rule.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ValidationIssue.rule_id.like(pattern.replace("*", "%"), escape="\\"))
    if filters.ministry:
        query = query.where(Ministry.code == filters.ministry.upper())
    if filters.source:
        query = query.where(ValidationIssue.source_system == filters.source)
    if filters.status:
        query = query.where(ValidationIssue.status == status_of(filters.status))
    if filters.severity:
        query = query.where(ValidationIssue.severity == filters.severity)
    if filters.batch_id is not None:
        query = query.where(ValidationIssue.batch_id == filters.batch_id)
    if filters.key:
        query = query.where(ValidationIssue.source_key.contains(filters.key, autoescape=True))
    return scoped(query, scope)


def issue_dict(issue: ValidationIssue, ministry: str) -> dict[str, Any]:
    return {
        "id": issue.id,
        "version": issue.version,
        "ministry": ministry,
        "source": issue.source_system,
        "entity": issue.entity,
        "source_key": issue.source_key,
        "rule_id": issue.rule_id,
        "severity": issue.severity.value,
        "field": issue.field,
        "value": issue.value,
        "message": issue.message,
        "status": issue.status.value,
        "batch_id": issue.batch_id,
        "created_at": issue.created_at.isoformat() if issue.created_at else None,
        "updated_by": issue.updated_by,
        "updated_at": issue.updated_at.isoformat() if issue.updated_at else None,
        "note": issue.note,
    }
