"""Lock dates: Odoo 17 posts an entry dated on or before its company's lock date as of the first
open date instead, without a word (measured: locked to 2020-12-31, an entry of 2020-06-30 was
posted as of 2021-01-31). The loader never lets it: an entry dated in a locked period is refused
before it is sent, and an entry Odoo posted as of another date anyway is taken back out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.load.external_ids import lookup
from consolidation.load.report import Outcome
from consolidation.load.targets import Record, Target

ADVISER = "account.group_account_manager"
"""Odoo 17 holds a user of this group (Accounting: Adviser) to the fiscal year's lock date
only; anyone else to the later of it and the period's (``_get_user_fiscal_lock_date``)."""
LOCK_FIELDS = ["name", "fiscalyear_lock_date", "period_lock_date"]


@dataclass(frozen=True)
class CompanyLock:
    """A company's lock dates, and which one holds the loading user."""

    company: str
    fiscalyear: date | None
    period: date | None
    adviser: bool

    @property
    def date(self) -> date | None:
        """The lock date that holds the loading user: no entry on or before it keeps its date."""
        if self.adviser:
            return self.fiscalyear
        return max((d for d in (self.fiscalyear, self.period) if d is not None), default=None)

    def describe(self) -> str:
        parts = []
        if self.fiscalyear is not None:
            parts.append(f"fiscal year locked to {self.fiscalyear.isoformat()}")
        if self.period is not None:
            held = " (not for the loading user, an Adviser)" if self.adviser else ""
            parts.append(f"period locked to {self.period.isoformat()}{held}")
        return f"{self.company}: {', '.join(parts) or 'no lock date'}"

    def refusal(self, day: str) -> str | None:
        """Why an entry dated ``day`` must not be sent, or None when it may."""
        lock = self.date
        if lock is None or date.fromisoformat(day) > lock:
            return None
        return (
            f"dated {day}, on or before the lock date {lock.isoformat()} of {self.company}: "
            "Odoo would post it as of the first open date instead; reopen the period in Odoo "
            "or correct the date at the source"
        )


def company_locks(odoo: OdooTransport, company_ids: list[int]) -> dict[int, CompanyLock]:
    """The lock dates of these companies, as they hold the loading user."""
    if not company_ids:
        return {}
    adviser = bool(odoo.execute("res.users", "has_group", ADVISER))
    rows = odoo.execute("res.company", "read", sorted(set(company_ids)), LOCK_FIELDS)
    return {
        int(row["id"]): CompanyLock(
            str(row["name"]),
            _date(row.get("fiscalyear_lock_date")),
            _date(row.get("period_lock_date")),
            adviser,
        )
        for row in rows
    }


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


class LockGuard:
    """The lock date of each entry's company (through its journal), read once per load."""

    def __init__(self) -> None:
        self._journals: dict[str, int | None] = {}
        self._locks: dict[int, CompanyLock] = {}

    def refusals(self, odoo: OdooTransport, records: list[Record]) -> dict[tuple[int, str], str]:
        """The records dated on or before their company's lock date, by key, with why."""
        journals = sorted({r.values["journal_id/id"] for r in records} - set(self._journals))
        if journals:
            self._learn(odoo, journals)
        found: dict[tuple[int, str], str] = {}
        for record in records:
            company = self._journals.get(record.values["journal_id/id"])
            lock = self._locks.get(company) if company is not None else None
            reason = lock.refusal(record.values["date"]) if lock is not None else None
            if reason is not None:
                found[record.key] = reason
        return found

    def _learn(self, odoo: OdooTransport, journals: list[str]) -> None:
        ids: dict[str, int] = {}
        for module in sorted({xid.split(".", 1)[0] for xid in journals}):
            ids |= lookup(odoo, module, [x for x in journals if x.startswith(f"{module}.")])
        companies: dict[int, int] = {}
        if ids:
            for row in odoo.execute(
                "account.journal", "read", sorted(set(ids.values())), ["company_id"]
            ):
                if row["company_id"]:
                    companies[int(row["id"])] = int(row["company_id"][0])
        for xid in journals:  # a journal Odoo does not have yet: its load refuses the entry
            self._journals[xid] = companies.get(ids[xid]) if xid in ids else None
        new = sorted({c for c in companies.values() if c not in self._locks})
        self._locks |= company_locks(odoo, new)


def redated(
    odoo: OdooTransport, target: Target, posted: list[tuple[Record, int]]
) -> list[tuple[Record, int, str]]:
    """The posted entries Odoo holds under another date than their own, with that date."""
    if not posted:
        return []
    rows = odoo.execute(target.model, "read", [cid for _, cid in posted], ["date"])
    dates = {int(row["id"]): str(row["date"]) for row in rows}
    return [
        (record, cid, dates[cid])
        for record, cid in posted
        if cid in dates and dates[cid] != record.values["date"]
    ]


def take_back(
    odoo: OdooTransport, target: Target, record: Record, central_id: int, day: str
) -> tuple[str, str]:
    """Undo an entry Odoo posted as of ``day`` instead of its own date: reset it to draft and
    delete it. Returns the state it is left in ('gone', or 'draft' under its own date, or
    'posted' when Odoo keeps it so) and the message for the quarantine."""
    own = record.values["date"]
    message = (
        f"Odoo posted it as of {day} instead of {own}, its own date (a lock date of its company)"
    )
    try:
        odoo.execute_void(target.model, "button_draft", [central_id])
    except OdooError as exc:
        if exc.transient:
            raise
        return "posted", f"{message}; it stays posted as of {day}, Odoo would not reset it: {exc}"
    try:
        odoo.execute(target.model, "unlink", [central_id])
    except OdooError as exc:
        if exc.transient:
            raise
        odoo.execute(target.model, "write", [central_id], {"date": own})
        return "draft", f"{message}; it stays a draft dated {own}, Odoo would not delete it: {exc}"
    return "gone", f"{message}; it was taken back out of Odoo"


def keep_dates(odoo: OdooTransport, target: Target, outcome: Outcome) -> None:
    """Take back out of Odoo every entry of ``outcome`` it posted as of another date, and
    refuse it with why."""
    posted = [(record, cid) for record, cid in outcome.loaded if cid in outcome.posted]
    for record, cid, day in redated(odoo, target, posted):
        state, message = take_back(odoo, target, record, cid, day)
        outcome.failed.append((record, message))
        if state == "posted":
            continue
        outcome.posted.discard(cid)
        if state == "gone":
            outcome.loaded.remove((record, cid))
            for line in record.lines:
                outcome.line_ids.pop(line.xid, None)
