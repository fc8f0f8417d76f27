"""HR: headcount per ministry and org unit at every level.

The source count per org unit comes from the batch's raw record, mapped again (the control
totals count employees per batch, not per unit); the store gives staged employments and the
persons they were matched to, the quarantine the employees kept out, and Odoo its active
``hr.employee`` (compared with the staged employments that are not terminated: a terminated
one arrives archived).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import rawstore
from consolidation.core.schema import Employment, IssueStatus, RawChunkFile
from consolidation.core.types import RawChunk
from consolidation.reconcile.ledger import QuarantinedRecords, SourceBatch
from consolidation.reconcile.model import Headcount, Scope
from mappings import SourceMapping, apply_mapping

UNKNOWN_UNIT = "(none)"


def _source_units(
    session: Session,
    batch: SourceBatch,
    mapping: SourceMapping,
    read_chunk: Callable[[str], RawChunk],
) -> Counter[str]:
    """Employees per org unit in the batch's raw record, mapped as the batch mapped them."""
    counts: Counter[str] = Counter()
    for entity in mapping.entities:
        if entity.target != "employee" or entity.distinct:
            continue
        paths = session.scalars(
            sa.select(RawChunkFile.path)
            .filter_by(batch_id=batch.batch_id, entity=entity.raw_entity)
            .order_by(RawChunkFile.number)
        ).all()
        for path in paths:
            chunk = read_chunk(path)
            frame = apply_mapping(entity, chunk.frame, table=chunk.table).frame
            counts.update(str(code) if code else UNKNOWN_UNIT for code in frame["org_unit_code"])
    return counts


def headcount(
    session: Session,
    batches: list[SourceBatch],
    mappings: dict[str, SourceMapping],
    raw_dir: Path,
    scope: Scope,
) -> list[Headcount]:
    """Per ministry and org unit: source, staged, persons, quarantined, rejected, and the
    staged employments expected active in Odoo (the central count is filled in later)."""
    rows: dict[tuple[str, str], Headcount] = {}

    def row(ministry: str, unit: str | None) -> Headcount:
        key = (ministry, unit or UNKNOWN_UNIT)
        if key not in rows:
            rows[key] = Headcount(ministry, key[1])
        return rows[key]

    for batch in batches:
        mapping = mappings.get(batch.source_system)
        if mapping is None:
            continue

        def read(path: str, source: str = batch.source_system) -> RawChunk:
            return rawstore.read_chunk(raw_dir, path, source=source)

        for unit, count in _source_units(session, batch, mapping, read).items():
            row(batch.ministry, unit).source += count
    ministry_of = {batch.source_system: batch.ministry for batch in batches}
    if ministry_of:
        staged = (
            sa.select(
                Employment.source_system,
                Employment.org_unit_code,
                sa.func.count(),
                sa.func.count(sa.distinct(Employment.person_id)),
                sa.func.sum(sa.case((Employment.status == "terminated", 0), else_=1)),
            )
            .where(Employment.source_system.in_(list(ministry_of)), Employment.withdrawn.is_(False))
            .group_by(Employment.source_system, Employment.org_unit_code)
        )
        for system, unit, count, persons, active in session.execute(staged):
            target = row(ministry_of[system], unit)
            target.staged += count
            target.persons += persons
            target.expected_active += int(active or 0)
    quarantine = QuarantinedRecords(session, list(ministry_of), ("employee",))
    for record in quarantine.of("employee"):
        target = row(ministry_of[record.source_system], record.data.get("org_unit_code"))
        if record.status == IssueStatus.REJECTED:
            target.rejected += 1
        else:
            target.quarantined += 1
    del scope  # headcount is at the cut-over, not per period
    return [rows[key] for key in sorted(rows)]
