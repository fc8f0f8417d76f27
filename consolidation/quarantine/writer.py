"""Writing quarantined records: the records a batch keeps out, and the versions stewards
rejected (a rejected version that comes again is counted as rejected, not quarantined)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.bulk import insert_rows
from consolidation.core.schema import IssueStatus, QuarantineRecord, table_of
from consolidation.core.unified import ROW_HASH


def _at_once(work: Callable[..., None], *args: Any) -> None:
    work(*args)


def rejected_versions(session: Session, source: str) -> dict[tuple[str, str], str]:
    """Records a steward rejected, by (entity, key) → the row hash rejected."""
    rows = session.execute(
        sa.select(
            QuarantineRecord.entity, QuarantineRecord.source_key, QuarantineRecord.data
        ).filter_by(source_system=source, status=IssueStatus.REJECTED)
    ).all()
    return {(entity, key): str(data.get(ROW_HASH)) for entity, key, data in rows}


class QuarantineWriter:
    """Quarantine records, written chunk by chunk as a batch finds them (through ``submit``, so
    the database can write while Python reads the next chunk): new ones inserted, changed or
    fixed ones reopened. At the end, records quarantined before that are now staged are marked
    fixed."""

    def __init__(
        self,
        connection: sa.Connection,
        source: str,
        batch_id: int,
        *,
        submit: Callable[..., None] | None = None,
    ) -> None:
        self.connection = connection
        self.submit = submit or _at_once
        self.source = source
        self.batch_id = batch_id
        self.table = table_of(QuarantineRecord)
        table = self.table
        self.existing: dict[tuple[str, str], tuple[int, IssueStatus, Any]] = {
            (row.entity, row.source_key): (row.id, row.status, (row.data or {}).get(ROW_HASH))
            for row in connection.execute(
                sa.select(
                    table.c.id, table.c.entity, table.c.source_key, table.c.status, table.c.data
                ).where(table.c.source_system == source)
            )
        }
        self.out_again: set[tuple[str, str]] = set()

    def add(self, records: list[dict[str, Any]]) -> None:
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        for record in records:
            identity = (record["entity"], record["source_key"])
            values = {**record, "batch_id": self.batch_id, "source_system": self.source}
            current = self.existing.get(identity)
            if current is None:
                inserts.append(
                    {
                        **values,
                        "status": IssueStatus.OPEN,
                        "corrected": None,
                        "updated_by": None,
                        "updated_at": None,
                    }
                )
                continue
            self.out_again.add(identity)
            record_id, status, row_hash = current
            if row_hash != record["data"].get(ROW_HASH):
                updates.append((record_id, {**values, "status": IssueStatus.OPEN}))
            elif status == IssueStatus.FIXED:  # the same version fails again: the data it had
                updates.append((record_id, {"batch_id": self.batch_id, "status": IssueStatus.OPEN}))
        if inserts or updates:
            self.submit(self._write, inserts, updates)

    def _write(
        self, inserts: list[dict[str, Any]], updates: list[tuple[int, dict[str, Any]]]
    ) -> None:
        insert_rows(self.connection, self.table, inserts)
        for record_id, values in updates:
            self.connection.execute(
                sa.update(self.table)
                .where(self.table.c.id == record_id)
                .values(**values, version=self.table.c.version + 1)
            )

    def finish(self, was_staged: Callable[[sa.Connection, str, str], bool]) -> None:
        """Records quarantined before that flowed into the store this time: fixed at the source."""
        now = datetime.now(UTC)
        for (entity, key), (record_id, status, _hash) in self.existing.items():
            if (
                (entity, key) not in self.out_again
                and status == IssueStatus.OPEN
                and was_staged(self.connection, entity, key)
            ):
                self.connection.execute(
                    sa.update(self.table)
                    .where(self.table.c.id == record_id)
                    .values(
                        status=IssueStatus.FIXED,
                        updated_by="pipeline",
                        updated_at=now,
                        version=self.table.c.version + 1,
                    )
                )
