"""``consolidate batches rollback ID``: undo in the central Odoo what loads created from a batch.

Reverse dependency order: entries are reset to draft (``button_draft`` answers "cannot marshal
None" over XML-RPC; the state is read back instead), then deleted; other records are deleted,
or archived where Odoo refuses (another record still points at them). Golden records another
batch's loaded rows still need (a person employed by two ministries, a vendor on another
ministry's entries) are left. Each step is in the audit log; the store's references go with
what was deleted, and the batch is marked rolled back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.core.schema import (
    Batch,
    BatchStatus,
    CentralRef,
    Employment,
    JournalLine,
    table_of,
)
from consolidation.load.exceptions import LoadError
from consolidation.load.settings import TARGET_ORDER
from consolidation.load.targets import TARGETS, Target

CHUNK = 200


@dataclass
class RollbackReport:
    batch_id: int
    deleted: dict[str, int] = field(default_factory=dict)
    archived: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)


def rollback_batch(
    engine: sa.Engine, odoo: OdooTransport, batch_id: int, *, operator: str
) -> RollbackReport:
    refs = table_of(CentralRef)
    with Session(engine) as session:
        if session.get(Batch, batch_id) is None:
            raise LoadError(f"batch {batch_id} does not exist")
    report = RollbackReport(batch_id)
    for name in reversed(TARGET_ORDER):
        target = TARGETS[name]
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(refs.c.row_id, refs.c.central_id, refs.c.external_id).where(
                    refs.c.entity == name, refs.c.batch_id == batch_id
                )
            ).all()
            needed = _still_needed(connection, name, batch_id)
        if not rows:
            continue
        keep = [row for row in rows if row.row_id in needed]
        rows = [row for row in rows if row.row_id not in needed]
        report.kept[name] = len(keep)
        deleted, archived, failed = _undo(odoo, target, [row.central_id for row in rows])
        by_central = {row.central_id: row.row_id for row in rows}
        with engine.begin() as connection:
            gone = [by_central[cid] for cid in deleted]
            for start in range(0, len(gone), 500):
                part = gone[start : start + 500]
                connection.execute(
                    refs.delete().where(refs.c.entity == name, refs.c.row_id.in_(part))
                )
            if target.line_entity and deleted:
                connection.execute(
                    refs.delete().where(
                        refs.c.entity == target.line_entity, refs.c.batch_id == batch_id
                    )
                )
            if archived:
                connection.execute(
                    refs.update()
                    .where(refs.c.entity == name, refs.c.central_id.in_(archived))
                    .values(state="archived")
                )
            audit.record(
                connection,
                operator,
                audit.Event.CENTRAL_ROLLBACK,
                target.model,
                f"batch {batch_id}: {name}",
                deleted=len(deleted),
                archived=len(archived),
                kept_for_other_batches=len(keep),
                failed=failed,
            )
        report.deleted[name] = len(deleted)
        report.archived[name] = len(archived)
        if failed:
            report.failed[name] = failed
    with Session(engine) as session, session.begin():
        batch = session.get_one(Batch, batch_id)
        if not report.failed:
            batch.status = BatchStatus.ROLLED_BACK
            batch.message = "rolled back from the central Odoo"
    return report


def _undo(
    odoo: OdooTransport, target: Target, ids: list[int]
) -> tuple[list[int], list[int], list[str]]:
    deleted: list[int] = []
    archived: list[int] = []
    failed: list[str] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if target.posts:
            # only entries not in draft are reset (Odoo 17 refuses the whole call if one is a
            # draft: an entry whose posting failed, or a retry after a lost answer); the states
            # read afterwards decide
            states = odoo.execute(target.model, "search_read", [["id", "in", chunk]], ["state"])
            undraft = [row["id"] for row in states if row["state"] in ("posted", "cancel")]
            if undraft:
                with contextlib.suppress(OdooError):
                    odoo.execute_void(target.model, "button_draft", undraft)
                states = odoo.execute(target.model, "search_read", [["id", "in", chunk]], ["state"])
            stuck = [row["id"] for row in states if row["state"] != "draft"]
            if stuck:
                failed.extend(f"{target.model}({cid}) is still posted" for cid in stuck)
                chunk = [cid for cid in chunk if cid not in stuck]
        try:
            odoo.execute(target.model, "unlink", chunk)
            deleted.extend(chunk)
            continue
        except OdooError:
            pass
        # deleted already (a retry after a lost answer is refused: 'does not exist')
        present = set(
            odoo.execute(
                target.model,
                "search",
                [["id", "in", chunk]],
                context={"active_test": False},
            )
        )
        deleted.extend(cid for cid in chunk if cid not in present)
        for central_id in [cid for cid in chunk if cid in present]:  # which does Odoo refuse?
            try:
                odoo.execute(target.model, "unlink", [central_id])
                deleted.append(central_id)
            except OdooError as exc:
                if target.archivable:
                    odoo.execute(target.model, "write", [central_id], {"active": False})
                    archived.append(central_id)
                else:
                    failed.append(f"{target.model}({central_id}): {exc}")
    return deleted, archived, failed


def _still_needed(connection: sa.Connection, target: str, batch_id: int) -> set[int]:
    """Rows of a shared golden record that loaded rows of another batch still use."""
    refs = table_of(CentralRef)
    others = sa.select(refs.c.row_id).where(refs.c.batch_id != batch_id)
    if target in ("person", "person_bank"):
        employments = table_of(Employment)
        loaded = employments.c.id.in_(others.where(refs.c.entity == "employment"))
        column = employments.c.person_id if target == "person" else employments.c.id
        return {
            row[0]
            for row in connection.execute(sa.select(column).where(loaded))
            if row[0] is not None
        }
    if target in ("vendor", "vendor_bank"):
        lines = table_of(JournalLine)
        loaded = lines.c.id.in_(others.where(refs.c.entity == "journal_line"))
        return {
            row[0]
            for row in connection.execute(sa.select(lines.c.partner_id).where(loaded))
            if row[0] is not None
        }
    return set()
