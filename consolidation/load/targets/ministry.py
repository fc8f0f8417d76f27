"""The ministries' targets: a company (per-ministry mode), department, analytic account and
journal for each ministry, the analytic plan and the opening-balance journal."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.odoo_rpc import OdooTransport
from consolidation.core.schema import Ministry, SourceSystem
from consolidation.load.settings import CentralConfig
from consolidation.load.targets.model import Record, Selection
from consolidation.load.targets.names import (
    company_field,
    display_name,
    external_name,
    opening_journal_xid,
)


def ministries(session: Session, selection: Selection) -> list[Ministry]:
    query = sa.select(Ministry).order_by(Ministry.code)
    if selection.sources is not None:
        query = query.where(
            Ministry.id.in_(
                sa.select(SourceSystem.ministry_id).where(SourceSystem.code.in_(selection.sources))
            )
        )
    return list(session.scalars(query))


def _ministry_xid(config: CentralConfig, kind: str, ministry: Ministry) -> str:
    return config.xid(external_name(kind, ministry.code))


def read_ministry_company(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    if not config.per_ministry:
        return
    for ministry in ministries(session, selection):
        values = {
            "name": display_name(config, ministry.name_en, ministry.name_ar),
            "currency_id/id": config.company_currency,
        }
        xid = _ministry_xid(config, "ministry_company", ministry)
        # creating a company writes the loading user (its companies and groups): two at once
        # fail in Odoo 17 ("could not serialize access"), so all go down one lane
        yield Record("ministry_company", ministry.id, xid, values, "res.users")


def read_analytic_plan(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    yield Record(
        "analytic_plan", 0, config.xid("analytic_plan"), {"name": config.analytic_plan}, "plan"
    )


def read_ministry_department(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    for ministry in ministries(session, selection):
        values = {"name": display_name(config, ministry.name_en, ministry.name_ar)}
        values |= company_field(config, ministry.code)
        xid = _ministry_xid(config, "ministry", ministry)
        yield Record("ministry_department", ministry.id, xid, values, ministry.code)


def read_ministry_analytic(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    for ministry in ministries(session, selection):
        values = {
            "name": display_name(config, ministry.name_en, ministry.name_ar),
            "code": ministry.code,
            "plan_id/id": config.xid("analytic_plan"),
        } | company_field(config, ministry.code)
        xid = _ministry_xid(config, "ministry_analytic", ministry)
        yield Record("ministry_analytic", ministry.id, xid, values, ministry.code)


def read_ministry_journal(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    for ministry in ministries(session, selection):
        values = {
            "name": display_name(config, ministry.name_en, ministry.name_ar),
            "code": config.journal_code(ministry.code),
            "type": "general",
        } | company_field(config, ministry.code)
        xid = _ministry_xid(config, "ministry_journal", ministry)
        yield Record("ministry_journal", ministry.id, xid, values, ministry.code)


def read_opening_journal(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    journal = config.opening_journal
    values = {"name": journal.name, "code": journal.code, "type": "general"}
    if not config.per_ministry:
        yield Record("opening_journal", 0, config.xid("opening_journal"), values, "opening")
        return
    for ministry in ministries(session, selection):  # one in each ministry's company
        xid = opening_journal_xid(config, ministry.code)
        own = values | company_field(config, ministry.code)
        yield Record("opening_journal", ministry.id, xid, own, f"opening:{ministry.code}")


def user_company(odoo: OdooTransport) -> int | None:
    """The loading user's company: where Odoo puts a record that names none."""
    user = odoo.execute("res.users", "read", [odoo.authenticate()], ["company_id"])[0]
    return int(user["company_id"][0]) if user["company_id"] else None
