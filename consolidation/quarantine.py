"""The quarantine as stewards and ministries see it: issues to list, export, waive or reject,
and quarantined records to correct. Every decision is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import (
    AuditEvent,
    IssueStatus,
    Ministry,
    QuarantineRecord,
    SourceSystem,
    ValidationIssue,
)
from consolidation.core.unified import ENTITIES, LINEAGE_COLUMNS, ROW_HASH, FieldType


class QuarantineError(ConsolidationError):
    """A steward's request cannot be carried out (unknown issue, unknown field, …)."""


@dataclass(frozen=True)
class IssueFilter:
    rule: str | None = None
    ministry: str | None = None
    source: str | None = None
    status: str | None = None
    severity: str | None = None
    limit: int | None = None


def _query(filters: IssueFilter) -> Any:
    query = (
        sa.select(ValidationIssue, Ministry.code.label("ministry"))
        .join(SourceSystem, SourceSystem.code == ValidationIssue.source_system)
        .join(Ministry, Ministry.id == SourceSystem.ministry_id)
        .order_by(
            ValidationIssue.rule_id, ValidationIssue.source_system, ValidationIssue.source_key
        )
    )
    if filters.rule:
        pattern = filters.rule.replace("*", "%")
        query = query.where(ValidationIssue.rule_id.like(pattern))
    if filters.ministry:
        query = query.where(Ministry.code == filters.ministry.upper())
    if filters.source:
        query = query.where(ValidationIssue.source_system == filters.source)
    if filters.status:
        try:
            status = IssueStatus(filters.status)
        except ValueError:
            known = ", ".join(s.value for s in IssueStatus)
            raise QuarantineError(f"unknown status {filters.status!r}; expected {known}") from None
        query = query.where(ValidationIssue.status == status)
    if filters.severity:
        query = query.where(ValidationIssue.severity == filters.severity)
    if filters.limit:
        query = query.limit(filters.limit)
    return query


def issue_dict(issue: ValidationIssue, ministry: str) -> dict[str, Any]:
    return {
        "id": issue.id,
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


def list_issues(session: Session, filters: IssueFilter) -> list[dict[str, Any]]:
    return [issue_dict(issue, ministry) for issue, ministry in session.execute(_query(filters))]


def summary(session: Session, *, status: str | None = "open") -> list[dict[str, Any]]:
    """Issue counts by rule, severity and ministry (open ones by default)."""
    query = (
        sa.select(
            ValidationIssue.rule_id,
            ValidationIssue.severity,
            Ministry.code,
            sa.func.count(),
        )
        .join(SourceSystem, SourceSystem.code == ValidationIssue.source_system)
        .join(Ministry, Ministry.id == SourceSystem.ministry_id)
        .group_by(ValidationIssue.rule_id, ValidationIssue.severity, Ministry.code)
        .order_by(ValidationIssue.rule_id, Ministry.code)
    )
    if status:
        query = query.where(ValidationIssue.status == IssueStatus(status))
    return [
        {"rule_id": rule, "severity": severity.value, "ministry": ministry, "count": count}
        for rule, severity, ministry, count in session.execute(query)
    ]


def _audit(
    session: Session, actor: str, action: str, target_type: str, target_id: str, **detail: Any
) -> None:
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
        )
    )


def decide(
    session: Session,
    issue_ids: Sequence[int],
    status: IssueStatus,
    *,
    actor: str,
    note: str | None = None,
) -> int:
    """Waive or reject issues (or reopen them); a rejected issue rejects its record."""
    issues = session.scalars(
        sa.select(ValidationIssue).where(ValidationIssue.id.in_(issue_ids))
    ).all()
    missing = sorted(set(issue_ids) - {i.id for i in issues})
    if missing:
        raise QuarantineError(f"no issue {missing[0]}")
    now = datetime.now(UTC)
    for issue in issues:
        previous = issue.status
        issue.status, issue.updated_by, issue.updated_at = status, actor, now
        if note:
            issue.note = note
        _audit(
            session,
            actor,
            f"issue.{status.value}",
            "validation_issue",
            str(issue.id),
            rule_id=issue.rule_id,
            source=issue.source_system,
            source_key=issue.source_key,
            previous=previous.value,
            note=note,
        )
        if status is IssueStatus.REJECTED:
            record = _record(session, issue.source_system, issue.entity, issue.source_key)
            if record is not None:
                record.status, record.updated_by, record.updated_at = status, actor, now
    return len(issues)


def _record(session: Session, source: str, entity: str, key: str) -> QuarantineRecord | None:
    return session.scalars(
        sa.select(QuarantineRecord).filter_by(source_system=source, entity=entity, source_key=key)
    ).one_or_none()


def correct(
    session: Session, source: str, entity: str, key: str, values: dict[str, str], *, actor: str
) -> QuarantineRecord:
    """A steward's corrections of a quarantined record; revalidation lets it flow on."""
    record = _record(session, source, entity, key)
    if record is None:
        raise QuarantineError(f"no quarantined {entity} record {key!r} in source {source!r}")
    schema = ENTITIES[entity]
    unknown = [name for name in values if name not in schema.fields or name in LINEAGE_COLUMNS]
    if unknown:
        raise QuarantineError(
            f"{entity} has no field {unknown[0]!r}; its fields are {', '.join(schema.fields)}"
        )
    for name, value in values.items():
        problem = _unparseable(schema.fields[name].type, value)
        if problem:
            raise QuarantineError(f"{entity}.{name} = {value!r}: {problem}")
    corrected = dict(record.corrected or {})
    corrected.update({name: (value if value != "" else None) for name, value in values.items()})
    record.corrected = corrected
    # the correction is made to this version of the source record, and lasts while it is current
    record.corrected_row_hash = record.data.get(ROW_HASH)
    record.correction_stale = False
    record.updated_by, record.updated_at = actor, datetime.now(UTC)
    _audit(
        session,
        actor,
        "record.corrected",
        "quarantine_record",
        str(record.id),
        source=source,
        entity=entity,
        source_key=key,
        fields=sorted(values),
    )
    return record


def _unparseable(kind: FieldType, value: str) -> str | None:
    """Why a corrected value cannot be read as its field's type (None if it can)."""
    if value == "":
        return None
    try:
        if kind is FieldType.MONEY:
            Decimal(value.strip())
        elif kind is FieldType.DATE:
            date.fromisoformat(value.strip())
        elif kind is FieldType.INT:
            int(value.strip())
    except (InvalidOperation, ValueError):
        expected = {
            FieldType.MONEY: "an amount such as 450.500",
            FieldType.DATE: "a date as YYYY-MM-DD",
            FieldType.INT: "a whole number",
        }[kind]
        return f"expected {expected}"
    return None


def export_xlsx(session: Session, path: Path, filters: IssueFilter) -> dict[str, int]:
    """One sheet per rule, with each failing record, for a ministry to fix at the source."""
    import xlsxwriter  # lazy: only this command writes workbooks

    rows = list_issues(session, filters)
    if not rows:
        raise QuarantineError("no issue matches; nothing to export")
    records = {
        (r.source_system, r.entity, r.source_key): r.data
        for r in session.scalars(sa.select(QuarantineRecord))
    }
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rule.setdefault(row["rule_id"], []).append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    rtl = workbook.add_format({"reading_order": 2})
    counts: dict[str, int] = {}
    used: set[str] = set()
    overview = workbook.add_worksheet("Summary")
    overview.write_row(0, 0, ["rule", "severity", "issues", "sheet"], header)
    for position, (rule, issues) in enumerate(sorted(by_rule.items()), start=1):
        sheet_name = _sheet_name(rule, used)
        sheet = workbook.add_worksheet(sheet_name)
        fields = list(
            dict.fromkeys(
                k
                for i in issues
                for k in (records.get((i["source"], i["entity"], i["source_key"])) or {})
                if not k.startswith("_")
            )
        )
        columns = [
            "issue id",
            "ministry",
            "source",
            "entity",
            "source key",
            "field",
            "offending value",
            "message",
            "status",
            *fields,
        ]
        sheet.write_row(0, 0, columns, header)
        for line, issue in enumerate(issues, start=1):
            data = records.get((issue["source"], issue["entity"], issue["source_key"])) or {}
            values = [
                issue["id"],
                issue["ministry"],
                issue["source"],
                issue["entity"],
                issue["source_key"],
                issue["field"],
                issue["value"],
                issue["message"],
                issue["status"],
                *(data.get(f) for f in fields),
            ]
            for column, value in enumerate(values):
                text = "" if value is None else value
                arabic = isinstance(text, str) and any("\u0600" <= ch <= "\u06ff" for ch in text)
                sheet.write(line, column, text, rtl if arabic else None)
        sheet.autofilter(0, 0, len(issues), len(columns) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(columns) - 1, 18)
        overview.write_row(position, 0, [rule, issues[0]["severity"], len(issues), sheet_name])
        counts[rule] = len(issues)
    overview.set_column(0, 0, 48)
    workbook.close()
    return counts


def _sheet_name(rule: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in rule)
    name = base[:31]
    counter = 2
    while name.lower() in used:
        suffix = f"~{counter}"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(name.lower())
    return name
