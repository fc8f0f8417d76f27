"""The issues a batch finds, and writing them to ``validation_issue``.

A batch's issues are gathered chunk by chunk (the keys with an error in memory, the rows in a
spill file) and written once the batch knows them all: new ones open, changed ones updated (a
fixed one that fails again reopens), open ones the batch no longer finds marked fixed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa

from consolidation.core.bulk import insert_rows
from consolidation.core.schema import IssueStatus, Severity, ValidationIssue, table_of
from consolidation.core.spill import KeySet, TextSpill
from consolidation.core.types import SOURCE_KEY, text_array
from consolidation.core.unified import ISSUE_COLUMNS
from validation.context import repeated_among

_ISSUE_FIELDS = ["entity", *ISSUE_COLUMNS]
_IDENTITY = ["entity", SOURCE_KEY, "rule_id", "field"]


class IssueLog:
    """The batch's issues as they are found. In memory: the keys with an error, per entity (what
    the holds are decided from), and the count per rule; the issue rows themselves go to a spill
    file and are read back chunk by chunk when they are written to the store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._errors: dict[str, KeySet] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self._spill: TextSpill | None = None
        self._hashes: list[npt.NDArray[np.uint64]] = []

    def add(self, issues: pd.DataFrame) -> None:
        if issues.empty:
            return
        entity = issues["rule_id"].astype(object).str.split(".", n=1).str[0]
        issues = issues.assign(entity=entity)
        for name, keys in issues.loc[issues["severity"] == Severity.ERROR.value].groupby("entity")[
            SOURCE_KEY
        ]:
            self._errors.setdefault(str(name), KeySet()).add(keys)
        self.counts.update(zip(issues["rule_id"], issues["severity"], strict=True))
        identity = issues[_IDENTITY].astype(object).fillna("")
        self._hashes.append(
            np.asarray(pd.util.hash_pandas_object(identity, index=False), dtype=np.uint64)
        )
        if self._spill is None:
            self._spill = TextSpill(_ISSUE_FIELDS, self.folder, prefix="issues-")
        self._spill.append([text_array(issues[name]) for name in _ISSUE_FIELDS])

    def errors(self) -> dict[str, set[str]]:
        """Per entity, the keys of the records with an error."""
        return {entity: keys.as_set for entity, keys in self._errors.items()}

    def repeated(self) -> npt.NDArray[np.bool_]:
        """Per issue in the order found, whether its identity (entity, key, rule, field) may
        occur more than once: equal 64-bit hashes, compared exactly when written."""
        positions, _ = repeated_among(self._hashes, [np.ones(len(h), bool) for h in self._hashes])
        found = np.zeros(sum(len(h) for h in self._hashes), dtype=bool)
        found[positions] = True
        return found

    def frames(self) -> Iterator[pd.DataFrame]:
        """The issues in the order found, a spilled chunk at a time."""
        if self._spill is None:
            return
        for batch in self._spill.batches():
            yield pd.DataFrame(
                {name: batch.column(name).to_numpy(zero_copy_only=False) for name in _ISSUE_FIELDS}
            )


def write_issues(connection: sa.Connection, source: str, batch_id: int, log: IssueLog) -> None:
    """The batch's issues into ``validation_issue``, chunk by chunk: new ones open, changed
    ones updated (a fixed one that fails again reopens), and open ones this batch no longer
    finds marked fixed."""
    table = table_of(ValidationIssue)
    existing = {
        (row.entity, row.source_key, row.rule_id, row.field): row
        for row in connection.execute(sa.select(table).where(table.c.source_system == source))
    }
    now = datetime.now(UTC)
    twice = log.repeated()
    seen: set[tuple[str, str, str, str]] = set()
    """Of the few issues found more than once (a source key used twice), those written."""
    found: set[tuple[str, str, str, str]] = set()
    """Of the issues already in the store, those found again."""
    columns = ["entity", SOURCE_KEY, "rule_id", "field", "value", "message", "severity"]
    position = 0
    for frame in log.frames():
        inserts = []
        for again, entity, key, rule_id, field_name, value, message, severity in zip(
            twice[position : position + len(frame)],
            *(frame[c].tolist() for c in columns),
            strict=True,
        ):
            # a record-level issue has no field, a missing value has no value: None, or NaN
            # once a frame went through Arrow (and NaN != None would rewrite it every run)
            identity = (entity, key, rule_id, field_name if isinstance(field_name, str) else "")
            value = value if isinstance(value, str) else None
            if again:
                if identity in seen:
                    continue
                seen.add(identity)
            current = existing.get(identity)
            values = {
                "batch_id": batch_id,
                "value": value,
                "message": message,
                "severity": Severity(severity),
            }
            if current is None:
                inserts.append(
                    {
                        "source_system": source,
                        "entity": identity[0],
                        "source_key": identity[1],
                        "rule_id": identity[2],
                        "field": identity[3],
                        "status": IssueStatus.OPEN,
                        "created_at": now,
                        **values,
                    }
                )
                continue
            found.add(identity)
            if current.value != value or current.status == IssueStatus.FIXED:
                status = IssueStatus.OPEN if current.status == IssueStatus.FIXED else current.status
                connection.execute(
                    sa.update(table)
                    .where(table.c.id == current.id)
                    .values(status=status, version=table.c.version + 1, **values)
                )
        position += len(frame)
        insert_rows(connection, table, inserts)
    for identity, row in existing.items():
        if identity not in found and row.status == IssueStatus.OPEN:
            connection.execute(
                sa.update(table)
                .where(table.c.id == row.id)
                .values(
                    status=IssueStatus.FIXED,
                    updated_by="pipeline",
                    updated_at=now,
                    note=f"passes since batch {batch_id}",
                    version=table.c.version + 1,
                )
            )


@dataclass(frozen=True)
class FoundIssue:
    """An issue a stage other than staging finds (Odoo refused a record, two golden records
    share a national id): one record, one rule."""

    batch_id: int
    source: str
    entity: str
    source_key: str
    rule_id: str
    severity: Severity
    message: str
    field: str = ""
    value: str | None = None


def raise_issues(
    connection: sa.Connection, found: Iterable[FoundIssue], *, reopen: bool = True
) -> int:
    """Open an issue for each of ``found``. One that exists already gets the new message and
    batch, and is reopened when ``reopen`` (left as the steward left it otherwise); returns
    how many were opened or reopened."""
    table = table_of(ValidationIssue)
    now = datetime.now(UTC)
    opened = 0
    for issue in found:
        identity = (
            table.c.source_system == issue.source,
            table.c.entity == issue.entity,
            table.c.source_key == issue.source_key,
            table.c.rule_id == issue.rule_id,
            table.c.field == issue.field,
        )
        current = connection.execute(
            sa.select(table.c.id, table.c.status).where(*identity)
        ).one_or_none()
        if current is None:
            connection.execute(
                sa.insert(table).values(
                    batch_id=issue.batch_id,
                    source_system=issue.source,
                    entity=issue.entity,
                    source_key=issue.source_key,
                    rule_id=issue.rule_id,
                    severity=issue.severity,
                    field=issue.field,
                    value=issue.value,
                    message=issue.message,
                    status=IssueStatus.OPEN,
                    created_at=now,
                )
            )
            opened += 1
        elif reopen:
            connection.execute(
                sa.update(table)
                .where(table.c.id == current.id)
                .values(
                    message=issue.message,
                    status=IssueStatus.OPEN,
                    batch_id=issue.batch_id,
                    updated_at=now,
                    version=table.c.version + 1,
                )
            )
            opened += current.status != IssueStatus.OPEN
    return opened


def close_issues(
    connection: sa.Connection,
    rule_id: str,
    entity: str,
    keys: list[tuple[str, str]],
    *,
    actor: str,
) -> None:
    """Mark fixed the open issues of ``rule_id`` on these (source, key) records of ``entity``
    (what a stage found wrong before and takes now)."""
    table = table_of(ValidationIssue)
    open_ones = (
        table.c.entity == entity,
        table.c.rule_id == rule_id,
        table.c.status == IssueStatus.OPEN,
    )
    if not keys or not connection.execute(sa.select(table.c.id).where(*open_ones).limit(1)).first():
        return  # nothing of the rule is open: nothing to close (the usual case)
    now = datetime.now(UTC)
    for start in range(0, len(keys), 500):
        connection.execute(
            sa.update(table)
            .where(
                *open_ones,
                sa.tuple_(table.c.source_system, table.c.source_key).in_(keys[start : start + 500]),
            )
            .values(
                status=IssueStatus.FIXED,
                updated_at=now,
                updated_by=actor,
                version=table.c.version + 1,
            )
        )


def record_new_issues(
    connection: sa.Connection,
    source: str,
    found: list[pd.DataFrame],
    rows: dict[tuple[str, str], Any],
    now: datetime,
) -> int:
    """Failures a correction introduced are issues too (the old ones stay as they are)."""
    itable = table_of(ValidationIssue)
    existing = {
        (r.entity, r.source_key, r.rule_id, r.field)
        for r in connection.execute(sa.select(itable).where(itable.c.source_system == source))
    }
    inserts = []
    for frame in found:
        for entity, key, rule_id, field_name, severity, value, message in frame[
            ["entity", SOURCE_KEY, "rule_id", "field", "severity", "value", "message"]
        ].itertuples(index=False):
            # a record-level issue has no field, a missing value has no value: None, or NaN
            # once a frame went through Arrow (and NaN != None would rewrite it every run)
            identity = (entity, key, rule_id, field_name if isinstance(field_name, str) else "")
            value = value if isinstance(value, str) else None
            record = rows.get((entity, key))
            if identity in existing or record is None:
                continue
            existing.add(identity)
            inserts.append(
                {
                    "batch_id": record.batch_id,
                    "source_system": source,
                    "entity": entity,
                    "source_key": key,
                    "rule_id": rule_id,
                    "severity": Severity(severity),
                    "field": field_name or "",
                    "value": value,
                    "message": message,
                    "status": IssueStatus.OPEN,
                    "created_at": now,
                }
            )
    if inserts:
        connection.execute(sa.insert(itable), inserts)
    return len(inserts)
