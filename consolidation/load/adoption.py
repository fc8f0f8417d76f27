"""Records Odoo holds that the store has no reference for become references: after a crash,
ids Odoo committed but the store never heard of are found by a bulk ``ir.model.data`` look-up
and adopted, so the next run creates nothing twice; an account the company's chart already has
is used, not created twice."""

from __future__ import annotations

from collections.abc import Callable

from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.load.external_ids import lookup
from consolidation.load.isolation import posted_entries
from consolidation.load.refs import Ref, RefStore
from consolidation.load.report import Outcome
from consolidation.load.targets import Record, Target, user_company


def adopt(
    odoo: Callable[[], OdooTransport],
    refs: RefStore,
    module: str,
    target: Target,
    records: list[Record],
    known: dict[tuple[int, str], Ref],
    run_id: int,
) -> int:
    """Adopt the ``records`` that ``known`` lacks and Odoo holds: checkpointed and added to
    ``known``; how many. ``odoo`` gives the transport, asked for only when one is unknown."""
    unknown = [record for record in records if record.key not in known]
    if not unknown:
        return 0
    transport = odoo()
    found = lookup(transport, module, [record.xid for record in unknown], target.model)
    adopted = Outcome()
    for record in unknown:
        if record.xid in found:
            adopted.loaded.append((record, found[record.xid]))
    if target.name == "account":
        by_code = [record for record in unknown if record.xid not in found]
        _adopt_by_code(transport, module, by_code, adopted)
    if not adopted.loaded:
        return 0
    if target.line_entity:
        lines = [line for record, _ in adopted.loaded for line in record.lines]
        adopted.line_ids = lookup(
            transport, module, [line.xid for line in lines], "account.move.line"
        )
        adopted.posted = posted_entries(transport, [cid for _, cid in adopted.loaded], target.model)
    # adopted records are re-sent (load updates them by id) unless they are posted entries
    hashes = {
        record.key: record.row_hash
        if target.name == "account" or (target.posts and cid in adopted.posted)
        else ""
        for record, cid in adopted.loaded
    }
    refs.checkpoint(target, run_id, adopted, hashes=hashes)
    for record, cid in adopted.loaded:
        state = "posted" if cid in adopted.posted else ("draft" if target.posts else "loaded")
        known[record.key] = Ref(record.xid, cid, hashes[record.key], state)
    return len(adopted.loaded)


def _adopt_by_code(
    odoo: OdooTransport, module: str, records: list[Record], adopted: Outcome
) -> None:
    """An account whose code the company's chart already has is used, not created twice
    (Odoo's own chart in the single company; in a ministry's company, one made before)."""
    if not records:
        return
    companies = _companies_of(odoo, module, records)
    wanted = {(record.values["code"], companies[record.key]): record for record in records}
    existing = odoo.execute(
        "account.account",
        "search_read",
        [["code", "in", sorted({code for code, _ in wanted})]],
        ["code", "company_id"],
    )
    for row in existing:
        company = row["company_id"][0] if row["company_id"] else None
        record = wanted.get((row["code"], company))
        if record is None:
            continue  # the same code in another company's chart
        xid_module, name = record.xid.split(".", 1)
        try:
            odoo.execute(
                "ir.model.data",
                "create",
                {
                    "module": xid_module,
                    "name": name,
                    "model": "account.account",
                    "res_id": row["id"],
                },
            )
        except OdooError as exc:
            # a retry after a lost answer finds the external id taken: by this account?
            if exc.transient or lookup(odoo, module, [record.xid], "account.account").get(
                record.xid
            ) != int(row["id"]):
                raise
        adopted.loaded.append((record, int(row["id"])))


def _companies_of(
    odoo: OdooTransport, module: str, records: list[Record]
) -> dict[tuple[int, str], int | None]:
    """Each record's company id: the one it names (None while Odoo has no such company),
    or, when it names none, the loading user's company (where Odoo puts it)."""
    named = sorted({r.values["company_id/id"] for r in records if r.values.get("company_id/id")})
    found = lookup(odoo, module, named, "res.company") if named else {}
    default: int | None = None
    if any(not record.values.get("company_id/id") for record in records):
        default = user_company(odoo)
    return {
        record.key: found.get(record.values["company_id/id"])
        if record.values.get("company_id/id")
        else default
        for record in records
    }
