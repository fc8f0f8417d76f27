"""What Odoo refused, in the quarantine: one open ``validation_issue`` per refused record, under
the rule ``central.load.refused`` with Odoo's message, closed when a later load takes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from consolidation.core.schema import IssueStatus, Severity, ValidationIssue, table_of
from consolidation.load.exceptions import LoadError
from consolidation.load.targets import Record, Target

LOAD_RULE = "central.load.refused"


def record_refusals(
    connection: sa.Connection,
    target: Target,
    failed: list[tuple[Record, str]],
    loaded: list[tuple[str, str]],
    now: datetime,
    *,
    operator: str,
) -> None:
    """Open (or reopen) an issue for each refused record; close those of the ``loaded``
    source keys. A refused record without lineage stops the load."""
    issues = table_of(ValidationIssue)
    open_refusals = (
        issues.c.entity == target.name,
        issues.c.rule_id == LOAD_RULE,
        issues.c.status == IssueStatus.OPEN.value,
    )
    if loaded and connection.execute(sa.select(issues.c.id).where(*open_refusals).limit(1)).first():
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
                .values(status=IssueStatus.FIXED.value, updated_at=now, updated_by=operator)
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
