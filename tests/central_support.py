"""Assertions shared by the loader's tests: exactly one Odoo record per loaded unified row."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from tests.odoo_standin import OdooStandIn


def ours(standin: OdooStandIn) -> Counter[str]:
    """External ids of module 'consolidation', per model."""
    return Counter(
        entry["model"]
        for entry in standin.records("ir.model.data")
        if entry["module"] == "consolidation"
    )


def assert_exactly_once(engine: sa.Engine, standin: OdooStandIn) -> None:
    """Every loaded unified row has exactly one Odoo record, and Odoo has no record of ours
    that the store does not know."""
    with engine.connect() as connection:
        refs = connection.execute(
            sa.text("SELECT model, central_id, external_id FROM central_ref")
        ).all()
    xids = {
        f"{e['module']}.{e['name']}": (e["model"], e["res_id"])
        for e in standin.records("ir.model.data")
        if e["module"] == "consolidation"
    }
    for model, central_id, external_id in refs:
        assert xids.get(external_id) == (model, central_id), external_id
    referenced = {external_id for _, _, external_id in refs}
    unknown = [xid for xid in xids if xid not in referenced and "_reversal_" not in xid]
    assert unknown == []
    counts = ours(standin)
    for model in ("hr.employee", "hr.job", "account.move", "account.move.line", "res.partner.bank"):
        # the fresh central has none of these: every one must be ours, with an external id
        assert len(standin.records(model)) == counts[model], model


def assert_every_row_accounted(engine: sa.Engine, entity: str, table: str) -> None:
    """Each unified row is in Odoo (a reference) or refused (an open load issue), never both
    and never neither."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        loaded = connection.execute(
            sa.text("SELECT count(*) FROM central_ref WHERE entity = :e"), {"e": entity}
        ).scalar_one()
        refused = connection.execute(
            sa.text(
                "SELECT count(*) FROM validation_issue WHERE rule_id = 'central.load.refused' "
                "AND entity = :e AND status = 'open'"
            ),
            {"e": entity},
        ).scalar_one()
    assert loaded + refused == rows, (entity, loaded, refused, rows)
