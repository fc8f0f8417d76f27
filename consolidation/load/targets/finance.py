"""The finance targets: the chart of accounts, vendors and their bank accounts, journal
entries with their items, opening balances."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import (
    Account,
    CentralRef,
    JournalEntry,
    JournalLine,
    Ministry,
    OpeningBalance,
    Partner,
    PartnerSource,
    table_of,
)
from consolidation.load.settings import CentralConfig
from consolidation.load.targets.ministry import ministries
from consolidation.load.targets.model import Line, Record, Selection, lineage
from consolidation.load.targets.names import (
    amount_text,
    company_field,
    display_name,
    external_name,
    opening_journal_xid,
)

MOVE_FIELDS = ("journal_id/id", "date", "ref")
LINE_FIELDS = (
    "id",
    "account_id/id",
    "name",
    "debit",
    "credit",
    "partner_id/id",
    "analytic_distribution",
)


def ministry_analytics(session: Session, config: CentralConfig) -> dict[int, str]:
    """Each ministry's ``analytic_distribution`` in the single-company mode: all of a line on
    the ministry's analytic account, by its Odoo id (the JSON Odoo 17's import takes), so that
    Odoo's own reports split the one ledger by ministry. None in the multi-company mode, where
    the company does, nor for a ministry whose analytic account is not in Odoo (yet)."""
    if config.per_ministry:
        return {}
    refs = table_of(CentralRef)
    rows = session.execute(
        sa.select(refs.c.row_id, refs.c.central_id).where(
            refs.c.entity == "ministry_analytic", refs.c.scope == ""
        )
    )
    return {row.row_id: json.dumps({str(row.central_id): 100}) for row in rows}


def _account_xid(config: CentralConfig, ministry_code: str, account_code: str) -> str:
    """A unified account in Odoo: one chart, or one per ministry's company."""
    if config.per_ministry:
        return config.xid(external_name("account", ministry_code, account_code))
    return config.xid(external_name("account", account_code))


def read_account(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    """The unified chart: once, or in each ministry's company (its row in that scope)."""
    scopes = [m.code for m in ministries(session, selection)] if config.per_ministry else [""]
    accounts = list(session.scalars(sa.select(Account).order_by(Account.code)))
    for scope in scopes:
        for account in accounts:
            kind = config.account_types.get(account.account_type, account.account_type)
            values = {
                "code": account.code,
                "name": display_name(config, account.name_en, account.name_ar),
                "account_type": kind,
                "reconcile": "1" if kind in ("asset_receivable", "liability_payable") else "0",
            } | company_field(config, scope)
            xid = _account_xid(config, scope, account.code)
            group = f"account:{scope}:{account.code}"
            yield Record("account", account.id, xid, values, group, scope=scope)


def _vendor_xid(config: CentralConfig, partner_key: str) -> str:
    return config.xid(external_name("vendor", partner_key))


def _selected_partners(selection: Selection) -> Any:
    return sa.select(PartnerSource.partner_id).where(selection.staged(PartnerSource))


def read_vendor(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    query = (
        sa.select(Partner).where(Partner.id.in_(_selected_partners(selection))).order_by(Partner.id)
    )
    for partner in session.scalars(query):
        values = {
            "name": display_name(config, partner.name_en, partner.name_ar),
            "is_company": "1",
            "vat": partner.vat_number or "",
            "company_registry": partner.cr_number or "",
            "ref": partner.partner_key,
            "active": "1",
        }
        xid = _vendor_xid(config, partner.partner_key)
        record = Record("vendor", partner.id, xid, values, xid, **lineage(partner))
        if not values["name"]:
            record.refusal = "the vendor has no name in English or Arabic"
        yield record


def read_vendor_bank(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    query = (
        sa.select(Partner)
        .where(Partner.id.in_(_selected_partners(selection)), Partner.iban.is_not(None))
        .order_by(Partner.id)
    )
    for partner in session.scalars(query):
        partner_xid = _vendor_xid(config, partner.partner_key)
        values = {"acc_number": partner.iban or "", "partner_id/id": partner_xid, "active": "1"}
        xid = config.xid(external_name("vendor_bank", partner.partner_key))
        yield Record("vendor_bank", partner.id, xid, values, partner_xid, **lineage(partner))


def read_journal_entry(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    accounts = {row.id: row.code for row in session.execute(sa.select(Account.id, Account.code))}
    partners = {
        row.id: row.partner_key
        for row in session.execute(sa.select(Partner.id, Partner.partner_key))
    }
    ministries = {
        row.id: row.code for row in session.execute(sa.select(Ministry.id, Ministry.code))
    }
    analytics = ministry_analytics(session, config)
    lines_table = table_of(JournalLine)
    entries = (
        sa.select(JournalEntry)
        .where(selection.staged(JournalEntry))
        .order_by(JournalEntry.id)
        .execution_options(yield_per=2_000)
    )
    account_xids: dict[tuple[str, int], str] = {}  # a few hundred, used by every line

    def account_xid(ministry: str, account_id: int) -> str:
        xid = account_xids.get((ministry, account_id))
        if xid is None:
            xid = _account_xid(config, ministry, accounts[account_id])
            account_xids[(ministry, account_id)] = xid
        return xid

    for chunk in session.scalars(entries).partitions():
        ids = [entry.id for entry in chunk]
        lines: dict[int, list[Any]] = {}
        for line in session.execute(
            sa.select(lines_table)
            .where(lines_table.c.entry_id.in_(ids), lines_table.c.withdrawn.is_(False))
            .order_by(lines_table.c.id)
        ):
            lines.setdefault(line.entry_id, []).append(line)
        for entry in chunk:
            ministry = ministries[entry.ministry_id]
            journal = config.xid(external_name("ministry_journal", ministry))
            record = Record(
                "journal_entry",
                entry.id,
                config.xid(external_name("entry", entry.source_system, entry.source_key)),
                {
                    "journal_id/id": journal,
                    "date": entry.entry_date.isoformat(),
                    "ref": entry.reference or entry.source_key,
                },
                journal,  # posting takes the journal's sequence: one lane per journal
                **lineage(entry),
            )
            for line in lines.get(entry.id, []):
                record.lines.append(
                    Line(
                        "journal_line",
                        line.id,
                        config.xid(external_name("line", line.source_system, line.source_key)),
                        {
                            "account_id/id": account_xid(ministry, line.account_id),
                            "name": line.description or record.values["ref"],
                            "debit": amount_text(line.debit_amount),
                            "credit": amount_text(line.credit_amount),
                            "partner_id/id": _vendor_xid(config, partners[line.partner_id])
                            if line.partner_id is not None
                            else "",
                            "analytic_distribution": analytics.get(entry.ministry_id, ""),
                        },
                    )
                )
            if not record.lines:
                record.refusal = "the entry has no lines"
            yield record


def read_opening_balance(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    accounts = {row.id: row.code for row in session.execute(sa.select(Account.id, Account.code))}
    rows = list(
        session.execute(
            sa.select(OpeningBalance, Ministry.code)
            .join(Ministry, Ministry.id == OpeningBalance.ministry_id)
            .where(selection.staged(OpeningBalance))
            .order_by(Ministry.code, OpeningBalance.fiscal_year, OpeningBalance.id)
        )
    )
    analytics = ministry_analytics(session, config)
    groups: dict[tuple[str, int], list[OpeningBalance]] = {}
    for balance, ministry_code in rows:
        groups.setdefault((ministry_code, balance.fiscal_year), []).append(balance)
    for (ministry_code, year), balances in groups.items():
        first = balances[0]
        record = Record(
            "opening_balance",
            first.id,
            config.xid(external_name("opening", ministry_code, year)),
            {
                "journal_id/id": opening_journal_xid(config, ministry_code),
                "date": f"{year}-01-01",
                "ref": f"Opening balances {ministry_code} {year}",
            },
            f"opening:{ministry_code}:{year}",
            batch_id=first.batch_id,
            source_system=first.source_system,
            source_key=first.source_key,
        )
        for balance in balances:
            record.lines.append(
                Line(
                    "opening_balance_line",
                    balance.id,
                    config.xid(
                        external_name("opening_line", balance.source_system, balance.source_key)
                    ),
                    {
                        "account_id/id": _account_xid(
                            config, ministry_code, accounts[balance.account_id]
                        ),
                        "name": f"Opening {balance.source_account_code}",
                        "debit": amount_text(balance.debit_amount),
                        "credit": amount_text(balance.credit_amount),
                        "partner_id/id": "",
                        "analytic_distribution": analytics.get(balance.ministry_id, ""),
                    },
                )
            )
        yield record
