"""What Odoo refused, in the quarantine: one open ``validation_issue`` per refused record, under
the rule ``central.load.refused`` with Odoo's message, closed when a later load takes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from consolidation.core.schema import Severity
from consolidation.load.exceptions import LoadError
from consolidation.load.targets import Record, Target
from consolidation.quarantine import FoundIssue, close_issues, raise_issues

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
    del now  # the quarantine stamps its own time
    close_issues(connection, LOAD_RULE, target.name, loaded, actor=operator)
    found = []
    for record, message in failed:
        if not (record.source_system and record.source_key and record.batch_id):
            raise LoadError(f"Odoo refused {target.model} {record.xid}: {message}")
        found.append(
            FoundIssue(
                batch_id=record.batch_id,
                source=record.source_system,
                entity=target.name,
                source_key=record.source_key,
                rule_id=LOAD_RULE,
                severity=Severity.ERROR,
                message=f"The central Odoo refused this {target.model} record: {message}",
            )
        )
    raise_issues(connection, found)
