"""``consolidate central check``: is the central Odoo ready for a load?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.core.schema import (
    CentralRef,
    JournalEntry,
    Ministry,
    OpeningBalance,
    table_of,
)
from consolidation.load.external_ids import lookup
from consolidation.load.locks import company_locks
from consolidation.load.settings import CentralConfig
from consolidation.load.targets import (
    configured_targets,
    external_name,
    user_company,
    written_fields,
)

CURRENCY = "BHD"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def preflight(
    odoo: OdooTransport, engine: sa.Engine | None, config: CentralConfig, *, fix: bool = True
) -> list[Check]:
    """Every check, in order; with ``fix``, activate BHD and make it the company currency while
    that is still possible."""
    checks: list[Check] = []
    version = odoo.version()
    major = (version.get("server_version_info") or [0])[0]
    checks.append(
        Check("server version", major == 17, f"{version.get('server_version')} (17 expected)")
    )
    odoo.authenticate()
    modules = {
        row["name"]: row["state"]
        for row in odoo.execute(
            "ir.module.module",
            "search_read",
            [["name", "in", ["hr", "account"]]],
            ["name", "state"],
        )
    }
    for module in ("hr", "account"):
        state = modules.get(module, "not found")
        checks.append(Check(f"module {module}", state == "installed", state))
    checks.extend(_currency(odoo, config, fix=fix))
    checks.extend(_fields(odoo, config))
    checks.append(_journal_codes(engine, config))
    checks.extend(_access(odoo, config))
    checks.append(_lock_dates(odoo, engine, config))
    return checks


def _lock_dates(odoo: OdooTransport, engine: sa.Engine | None, config: CentralConfig) -> Check:
    """The lock dates of the companies the entries go to, against the earliest entry each is
    yet to take: Odoo would post one dated on or before as of another date, so the loader
    refuses it."""
    if config.per_ministry:
        companies = ministry_companies(odoo, engine, config)
    else:
        company = user_company(odoo)
        companies = {"": company} if company is not None else {}
    locks = company_locks(odoo, sorted(set(companies.values())))
    if not locks:
        return Check("lock dates", True, "no company of the load is in Odoo yet")
    described = "; ".join(lock.describe() for lock in locks.values())
    if engine is None:
        return Check("lock dates", True, f"{described} (the store's entries are not known)")
    earliest = earliest_to_load(engine)
    if not earliest:
        return Check("lock dates", True, f"{described}; no entry is yet to be loaded")
    late = []
    for ministry, day in sorted(earliest.items()):
        lock = locks.get(companies.get("" if not config.per_ministry else ministry, -1))
        if lock is not None and lock.refusal(day.isoformat()) is not None:
            late.append(f"{ministry} from {day.isoformat()} (lock date {lock.date})")
    first = min(earliest.values()).isoformat()
    if late:
        return Check(
            "lock dates",
            False,
            f"{described}; entries to load dated on or before the lock date are refused: "
            f"{', '.join(late)}; reopen those periods in Odoo, or correct the dates at the source",
        )
    return Check("lock dates", True, f"{described}; the earliest entry to load is of {first}")


def ministry_companies(
    odoo: OdooTransport, engine: sa.Engine | None, config: CentralConfig
) -> dict[str, int]:
    """The ministries' companies Odoo has (the multi-company mode), by ministry code; without a
    store, every company of the load, by its external id."""
    if engine is None:
        rows = odoo.execute(
            "ir.model.data",
            "search_read",
            [["module", "=", config.module], ["model", "=", "res.company"]],
            ["name", "res_id"],
        )
        return {str(row["name"]): int(row["res_id"]) for row in rows}
    with Session(engine) as session:
        codes = list(session.scalars(sa.select(Ministry.code)))
    xids = {config.xid(external_name("ministry_company", code)): code for code in codes}
    found = lookup(odoo, config.module, sorted(xids), "res.company")
    return {xids[xid]: company for xid, company in found.items()}


def earliest_to_load(engine: sa.Engine) -> dict[str, date]:
    """Each ministry's earliest date of an entry or opening balance not yet posted in Odoo."""
    refs = table_of(CentralRef)

    def unposted(entity: str, row_id: Any) -> Any:
        posted = sa.select(refs.c.id).where(
            refs.c.entity == entity, refs.c.row_id == row_id, refs.c.state == "posted"
        )
        return ~sa.exists(posted)

    entries = (
        sa.select(Ministry.code, sa.func.min(JournalEntry.entry_date))
        .join(Ministry, Ministry.id == JournalEntry.ministry_id)
        .where(JournalEntry.withdrawn.is_(False), unposted("journal_entry", JournalEntry.id))
        .group_by(Ministry.code)
    )
    openings = (
        sa.select(Ministry.code, sa.func.min(OpeningBalance.fiscal_year))
        .join(Ministry, Ministry.id == OpeningBalance.ministry_id)
        .where(
            OpeningBalance.withdrawn.is_(False),
            unposted("opening_balance_line", OpeningBalance.id),
        )
        .group_by(Ministry.code)
    )
    earliest: dict[str, date] = {}
    with Session(engine) as session:
        for code, day in session.execute(entries):
            if day is not None:
                earliest[code] = day if isinstance(day, date) else date.fromisoformat(str(day))
        for code, year in session.execute(openings):
            if year is not None:
                opening = date(int(year), 1, 1)
                earliest[code] = min(earliest.get(code, opening), opening)
    return earliest


def _currency(odoo: OdooTransport, config: CentralConfig, *, fix: bool) -> list[Check]:
    found = odoo.execute(
        "res.currency",
        "search_read",
        [["name", "=", CURRENCY]],
        ["active", "rounding"],
        context={"active_test": False},
    )
    if not found:
        return [Check("currency BHD", False, "Odoo has no BHD currency")]
    bhd = found[0]
    checks = []
    detail = f"rounding {bhd['rounding']}"
    if not bhd["active"] and fix:
        odoo.execute("res.currency", "write", [bhd["id"]], {"active": True})
        detail += ", activated now"
    elif not bhd["active"]:
        detail += ", inactive (run without --no-fix to activate it)"
    checks.append(
        Check(
            "currency BHD", abs(bhd["rounding"] - 0.001) < 1e-9 and (bhd["active"] or fix), detail
        )
    )
    if config.per_ministry:
        checks.append(_ministry_currency(odoo, config, bhd["id"]))
        return checks
    # the load's records go to the user's company, Odoo's default for a record without one
    company_id = user_company(odoo)
    if company_id is None:
        checks.append(Check("company currency", False, "the loading user has no company"))
        return checks
    company = odoo.execute("res.company", "read", [company_id], ["name", "currency_id"])[0]
    currency = company["currency_id"][1] if company["currency_id"] else "none"
    ok, detail = currency == CURRENCY, f"{company['name']}: {currency}"
    if not ok:
        items = odoo.execute("account.move.line", "search_count", [])
        if items:
            detail += f"; too late to change: {items} journal items exist"
        elif fix:
            odoo.execute("res.company", "write", [company["id"]], {"currency_id": bhd["id"]})
            ok, detail = True, f"{company['name']}: {CURRENCY}, set now (no journal items yet)"
        else:
            detail += "; can still be set to BHD (no journal items yet)"
    checks.append(Check("company currency", ok, detail))
    return checks


def _ministry_currency(odoo: OdooTransport, config: CentralConfig, bhd: int) -> Check:
    """The multi-company mode makes each ministry's company in ``company_currency``."""
    module, _, name = config.company_currency.partition(".")
    found = odoo.execute(
        "ir.model.data",
        "search_read",
        [["module", "=", module], ["name", "=", name], ["model", "=", "res.currency"]],
        ["res_id"],
    )
    if not found:
        return Check("company currency", False, f"no currency {config.company_currency!r}")
    ok = int(found[0]["res_id"]) == bhd
    detail = f"each ministry's company is made in {config.company_currency}"
    return Check("company currency", ok, detail if ok else f"{detail}, not {CURRENCY}")


def _fields(odoo: OdooTransport, config: CentralConfig) -> list[Check]:
    wanted: dict[str, set[str]] = {}
    for target in configured_targets(config):
        for model, fields in written_fields(target).items():
            wanted.setdefault(model, set()).update(fields)
    checks = []
    for model, names in sorted(wanted.items()):
        try:
            found = odoo.execute(model, "fields_get", sorted(names), ["type"])
        except OdooError as exc:
            checks.append(Check(f"fields of {model}", False, str(exc)))
            continue
        missing = sorted(names - set(found))
        detail = f"missing: {', '.join(missing)}" if missing else f"{len(names)} fields present"
        checks.append(Check(f"fields of {model}", not missing, detail))
    return checks


def _journal_codes(engine: sa.Engine | None, config: CentralConfig) -> Check:
    codes: dict[str, str] = {"opening": config.opening_journal.code}
    if engine is not None:
        with Session(engine) as session:
            for ministry in session.scalars(sa.select(Ministry)):
                codes[ministry.code] = config.journal_code(ministry.code)
    long = {owner: code for owner, code in codes.items() if len(code) > 5}
    if long:
        listed = ", ".join(f"{owner}: {code!r}" for owner, code in sorted(long.items()))
        return Check(
            "journal codes",
            False,
            f"longer than 5 characters, Odoo would cut them silently: {listed}; "
            "set journal_codes in the central config",
        )
    return Check("journal codes", True, ", ".join(sorted(set(codes.values()))))


def _access(odoo: OdooTransport, config: CentralConfig) -> list[Check]:
    models = sorted({target.model for target in configured_targets(config)} | {"ir.model.data"})
    denied: list[str] = []
    for model in models:
        for operation in ("read", "create", "write", "unlink"):
            try:
                allowed: Any = odoo.execute(
                    model, "check_access_rights", operation, raise_exception=False
                )
            except OdooError:
                allowed = False
            if not allowed:
                denied.append(f"{operation} {model}")
    detail = "denied: " + ", ".join(denied) if denied else f"all on {len(models)} models"
    if any(operation.split(" ", 1)[1].startswith("account.analytic.") for operation in denied):
        detail += (
            "; add the loading user to the group Analytic Accounting (Settings → Users → the "
            "user → Accounting: Analytic Accounting)"
        )
    return [Check("access rights", not denied, detail)]
