"""A chunk into Odoo: loaded with ``load``, which rolls back the whole call when one record
fails. The records Odoo names are suspects, each tried again alone, and the rest loads in a
retry; a failing chunk whose errors name no record is split in halves instead. Entries are then
posted, and their items' ids read back; one Odoo posted as of another date is taken back out."""

from __future__ import annotations

from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.load.external_ids import lookup
from consolidation.load.locks import keep_dates
from consolidation.load.report import Outcome
from consolidation.load.targets import Record, Target

QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
"""Odoo context keys that skip chatter and tracking during bulk loads."""


def load_chunk(odoo: OdooTransport, module: str, target: Target, records: list[Record]) -> Outcome:
    """Load a chunk; isolate the records Odoo refuses; post entries; resolve line ids; refuse
    an entry Odoo re-dated (see ``locks``)."""
    outcome = Outcome()
    load_isolating(odoo, target, records, outcome)
    if outcome.loaded and target.line_entity:
        lines = [line for record, _ in outcome.loaded for line in record.lines]
        outcome.line_ids = lookup(odoo, module, [line.xid for line in lines], "account.move.line")
    if outcome.loaded and target.posts:
        # posted straight away: an entry already posted (a draft reference that Odoo had
        # posted after all) makes the call fail, and post then reads the states back
        post(odoo, target, list(outcome.loaded), outcome)
        keep_dates(odoo, target, outcome)
    return outcome


def load_isolating(
    odoo: OdooTransport, target: Target, records: list[Record], outcome: Outcome
) -> None:
    """Load ``records``; those Odoo refuses on their own go to ``outcome.failed`` with Odoo's
    message. A record is refused only by a call that holds it alone: Odoo 17's ``load`` tags
    the error of the whole call on its first record too (measured: 15 entries, 12 of them on a
    deprecated account, name the first, good, entry and then ten bad ones, and stop there)."""
    try:
        result = odoo.execute(
            target.model, "load", target.columns, target.rows(records), context=QUIET
        )
    except OdooError as exc:
        if exc.transient:
            raise  # the transport's retries are spent: stop, a later run resumes
        result = {"ids": False, "messages": [{"type": "error", "message": str(exc)}]}
    ids = result.get("ids")
    if ids:
        outcome.loaded.extend(zip(records, [int(i) for i in ids], strict=True))
        return
    errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
    if len(records) == 1:
        message = "; ".join(dict.fromkeys(_one_line(m.get("message", "")) for m in errors))
        outcome.failed.append((records[0], message or "Odoo refused the record"))
        return
    named = {m["record"] for m in errors if isinstance(m.get("record"), int)}
    suspects = [records[i] for i in sorted(named) if i < len(records)]
    if suspects and all(isinstance(m.get("record"), int) for m in errors):
        # Odoo 17 also tags the whole call's error on its first record, and stops naming after
        # 10 errors: a named record is only a suspect until a call of its own refuses it
        rest = [record for number, record in enumerate(records) if number not in named]
        if rest:
            load_isolating(odoo, target, rest, outcome)
        for record in suspects:
            load_isolating(odoo, target, [record], outcome)
        return
    middle = len(records) // 2
    load_isolating(odoo, target, records[:middle], outcome)
    load_isolating(odoo, target, records[middle:], outcome)


def posted_entries(odoo: OdooTransport, ids: list[int], model: str) -> set[int]:
    """Those of the entries ``ids`` that Odoo holds as posted."""
    rows = odoo.execute(model, "search_read", [["id", "in", ids]], ["state"])
    return {int(row["id"]) for row in rows if row["state"] == "posted"}


def post(
    odoo: OdooTransport, target: Target, todo: list[tuple[Record, int]], outcome: Outcome
) -> None:
    """Post the loaded entries ``todo``; one Odoo will not post stays a draft and is refused."""
    if not todo:
        return
    try:
        odoo.execute_void(target.model, "action_post", [cid for _, cid in todo])
        outcome.posted.update(cid for _, cid in todo)
    except OdooError as exc:
        if exc.transient:
            raise
        # a retry after a lost answer meets entries the first call posted ('must be in
        # draft'): the state read back, not the fault, says which ones are still drafts
        posted = posted_entries(odoo, [cid for _, cid in todo], target.model)
        outcome.posted.update(posted)
        if posted:
            post(odoo, target, [(r, cid) for r, cid in todo if cid not in posted], outcome)
            return
        if len(todo) == 1:
            # loaded but not posted: it stays a draft, and its posting failure is an issue
            outcome.failed.append((todo[0][0], f"not posted: {_one_line(str(exc))}"))
            return
        middle = len(todo) // 2
        post(odoo, target, todo[:middle], outcome)
        post(odoo, target, todo[middle:], outcome)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
