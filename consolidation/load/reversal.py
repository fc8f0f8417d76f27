"""A changed entry that is already posted is never rewritten: it is reversed, and the new
version is loaded as a new entry under a new external id; both are in the audit log."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.money import from_float
from consolidation.core.odoo_rpc import OdooTransport
from consolidation.load.external_ids import base_xid, version_of, versioned
from consolidation.load.isolation import load_chunk
from consolidation.load.refs import Ref, RefStore
from consolidation.load.report import LoadReport, ModelCounts, Outcome
from consolidation.load.targets import Line, Record, Target

REVERSAL_LINE_FIELDS = (
    "id",
    "account_id/.id",
    "name",
    "debit",
    "credit",
    "partner_id/.id",
    "analytic_distribution",
)
"""A reversal's items name Odoo's accounts and partners by database id, read from the entry,
and split by ministry as the entry's items were."""


class EntryReverser:
    """Reverses posted entries that changed at the source and loads their new versions."""

    def __init__(self, engine: sa.Engine, refs: RefStore, *, module: str, operator: str) -> None:
        self.engine = engine
        self.refs = refs
        self.module = module
        self.operator = operator

    def reverse_and_replace(
        self,
        odoo: OdooTransport,
        target: Target,
        record: Record,
        ref: Ref,
        run_id: int,
        counts: ModelCounts,
        report: LoadReport,
    ) -> None:
        """A posted entry is never rewritten: reverse it, then load the new version under a
        new external id. Both steps are audited."""
        version = version_of(ref.xid) + 1
        old_lines = odoo.execute(
            "account.move.line",
            "search_read",
            [["move_id", "=", ref.central_id]],
            ["account_id", "name", "debit", "credit", "partner_id", "analytic_distribution"],
        )
        old = odoo.execute(target.model, "read", [ref.central_id], ["date", "ref"])[0]
        reversal = Record(
            target.name,
            record.row_id,
            f"{base_xid(ref.xid)}_reversal_{version - 1}",
            {
                "journal_id/id": record.values["journal_id/id"],
                "date": record.values["date"],
                "ref": f"Reversal of {old.get('ref') or ref.xid}",
            },
            record.group,
        )
        for number, line in enumerate(old_lines):
            reversal.lines.append(
                Line(
                    "reversal_line",
                    0,
                    f"{reversal.xid}_line_{number}",
                    {
                        "account_id/.id": str(line["account_id"][0]),
                        "name": f"Reversal: {line.get('name') or ''}".strip(),
                        "debit": _text(line["credit"]),
                        "credit": _text(line["debit"]),
                        "partner_id/.id": str(line["partner_id"][0]) if line["partner_id"] else "",
                        "analytic_distribution": json.dumps(line["analytic_distribution"])
                        if line.get("analytic_distribution")
                        else "",
                    },
                )
            )
        reversal_target = Target(
            target.name,
            target.model,
            target.fields,
            target.read,
            line_fields=REVERSAL_LINE_FIELDS,
            posts=True,
        )
        reversed_outcome = load_chunk(odoo, self.module, reversal_target, [reversal])
        if reversed_outcome.failed:
            reason = reversed_outcome.failed[0][1]
            message = f"the posted entry changed but could not be reversed: {reason}"
            report.refuse(counts, target.name, record, message)
            self.refs.checkpoint(target, run_id, Outcome(failed=[(record, message)]))
            return
        new = versioned(record, version)
        outcome = load_chunk(odoo, self.module, target, [new])
        self.refs.checkpoint(target, run_id, outcome)
        reversal_id = reversed_outcome.loaded[0][1]
        with Session(self.engine) as session, session.begin():
            audit.record(
                session,
                self.operator,
                audit.Event.CENTRAL_ENTRY_REVERSED,
                target.model,
                record.xid,
                old_id=ref.central_id,
                old_external_id=ref.xid,
                reversal_id=reversal_id,
                new_external_id=new.xid,
                new_id=outcome.loaded[0][1] if outcome.loaded else None,
                load_run=run_id,
            )
        if outcome.failed:
            report.refuse(counts, target.name, record, outcome.failed[0][1])
        else:
            counts.reversed += 1
            counts.updated += 1


def _text(value: float) -> str:
    return format(from_float(value), "f")
