"""The load's targets: each turns unified rows into Odoo ``load`` rows with external ids.

A target names its Odoo model, its import columns and how its records are read from the store.
Records are plain text, as ``load`` takes them; their hash is what the next load compares.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.load.config import CentralConfig
from consolidation.core.odoo_rpc import OdooTransport
from consolidation.core.schema import (
    Account,
    Employment,
    Job,
    JournalEntry,
    JournalLine,
    Ministry,
    OpeningBalance,
    OrgUnit,
    Partner,
    PartnerSource,
    Person,
    SourceSystem,
    table_of,
)

_UNSAFE = re.compile(r"[^a-z0-9_]+")
_SAFE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
"""A name that the rules below leave as it is."""


def external_name(*parts: object) -> str:
    """An external id's name from its parts: lower-case, [a-z0-9_] only, with a short hash of
    the original when anything had to be replaced, so two keys never share a name."""
    raw = "_".join(map(str, parts))
    if _SAFE.fullmatch(raw):
        return raw
    safe = _UNSAFE.sub("_", raw.lower()).strip("_")
    if safe != raw:
        safe = f"{safe}_{hashlib.sha1(raw.encode()).hexdigest()[:6]}"  # noqa: S324 - a name, not a secret
    return safe


def amount_text(amount: Decimal | None) -> str:
    return "0" if amount is None else format(amount, "f")


@dataclass
class Line:
    """One line of a record's one2many (a journal item), with its own unified row."""

    entity: str
    row_id: int
    xid: str
    values: dict[str, str]


@dataclass
class Record:
    """One Odoo record to be: its unified row, external id and import values."""

    entity: str
    row_id: int
    xid: str
    values: dict[str, str]
    group: str
    batch_id: int | None = None
    source_system: str | None = None
    source_key: str | None = None
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    also: tuple[str, ...] = ()
    """Other parents this record's creation writes; records sharing any parent share a lane."""
    refusal: str | None = None
    """Why this record must not be sent (Odoo would crash or corrupt), if it must not."""
    scope: str = ""
    """The company of a per-company counterpart of the row ('' when the row has one)."""

    @property
    def key(self) -> tuple[int, str]:
        """The record's reference in the store: its unified row, in its scope."""
        return self.row_id, self.scope

    @property
    def row_hash(self) -> str:
        payload = json.dumps(
            [self.values, [(line.row_id, line.values) for line in self.lines]],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Selection:
    """Which source systems' rows a load takes (all of them when ``sources`` is None)."""

    sources: tuple[str, ...] | None = None

    def where(self, column: Any) -> Any:
        return sa.true() if self.sources is None else column.in_(self.sources)

    def staged(self, model: Any) -> Any:
        """The selected sources' current rows of a staged table: a withdrawn row (its source
        record's newer version is in the quarantine) is never loaded."""
        return sa.and_(self.where(model.source_system), model.withdrawn.is_(False))


Reader = Callable[[Session, Selection, CentralConfig], Iterator[Record]]
Counter = Callable[[Session, Selection], int]


@dataclass(frozen=True)
class Target:
    name: str
    model: str
    fields: tuple[str, ...]
    read: Reader
    line_fields: tuple[str, ...] = ()
    line_entity: str | None = None
    posts: bool = False
    archivable: bool = False
    owned_by_batch: bool = True
    company: bool = False
    """Whether the model takes the ministry's company in the multi-company mode."""
    count: Counter | None = None
    """How many records ``read`` yields. A target that has it is read, planned and loaded a
    page at a time (its records are all of level 0), so the loader's memory stays flat however
    large the store; one without it is small and is read whole before it loads."""

    @property
    def columns(self) -> list[str]:
        return ["id", *self.fields, *(f"line_ids/{name}" for name in self.line_fields)]

    def rows(self, records: list[Record]) -> list[list[str]]:
        """``load`` rows: a record's own values on its first row, one line per row."""
        rows: list[list[str]] = []
        blank = [""] * (1 + len(self.fields))
        for record in records:
            head = [record.xid, *(record.values.get(name, "") for name in self.fields)]
            if not record.lines:
                rows.append(head + [""] * len(self.line_fields))
            for number, line in enumerate(record.lines):
                own = [line.values.get(name, "") for name in self.line_fields]
                own[self.line_fields.index("id")] = line.xid
                rows.append((head if number == 0 else blank) + own)
        return rows


def configured(target: Target, config: CentralConfig) -> Target:
    """The target as the configuration loads it: with ``company_id`` in the multi-company mode."""
    if config.per_ministry and target.company:
        return dataclasses.replace(target, fields=(*target.fields, "company_id/id"))
    return target


def configured_targets(config: CentralConfig) -> list[Target]:
    """The configured targets, dependencies first (companies only in the multi-company mode)."""
    return [
        configured(TARGETS[name], config)
        for name in config.targets
        if name != "ministry_company" or config.per_ministry
    ]


def _name(config: CentralConfig, english: str | None, arabic: str | None) -> str:
    first, second = (english, arabic) if config.name_language == "en" else (arabic, english)
    return (first or second or "").strip()


def _ministries(session: Session, selection: Selection) -> list[Ministry]:
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


def _company(config: CentralConfig, ministry_code: str) -> dict[str, str]:
    """A record's company field: the ministry's company in the multi-company mode (Odoo would
    otherwise put it in the user's main company), none in the single-company mode."""
    if not config.per_ministry:
        return {}
    return {"company_id/id": config.xid(external_name("ministry_company", ministry_code))}


def _account_xid(config: CentralConfig, ministry_code: str, account_code: str) -> str:
    """A unified account in Odoo: one chart, or one per ministry's company."""
    if config.per_ministry:
        return config.xid(external_name("account", ministry_code, account_code))
    return config.xid(external_name("account", account_code))


def _opening_journal_xid(config: CentralConfig, ministry_code: str) -> str:
    if config.per_ministry:
        return config.xid(external_name("opening_journal", ministry_code))
    return config.xid("opening_journal")


def read_ministry_company(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    if not config.per_ministry:
        return
    for ministry in _ministries(session, selection):
        values = {
            "name": _name(config, ministry.name_en, ministry.name_ar),
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
    for ministry in _ministries(session, selection):
        values = {"name": _name(config, ministry.name_en, ministry.name_ar)}
        values |= _company(config, ministry.code)
        xid = _ministry_xid(config, "ministry", ministry)
        yield Record("ministry_department", ministry.id, xid, values, ministry.code)


def read_ministry_analytic(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    for ministry in _ministries(session, selection):
        values = {
            "name": _name(config, ministry.name_en, ministry.name_ar),
            "code": ministry.code,
            "plan_id/id": config.xid("analytic_plan"),
        } | _company(config, ministry.code)
        xid = _ministry_xid(config, "ministry_analytic", ministry)
        yield Record("ministry_analytic", ministry.id, xid, values, ministry.code)


def read_ministry_journal(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    for ministry in _ministries(session, selection):
        values = {
            "name": _name(config, ministry.name_en, ministry.name_ar),
            "code": config.journal_code(ministry.code),
            "type": "general",
        } | _company(config, ministry.code)
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
    for ministry in _ministries(session, selection):  # one in each ministry's company
        xid = _opening_journal_xid(config, ministry.code)
        own = values | _company(config, ministry.code)
        yield Record("opening_journal", ministry.id, xid, own, f"opening:{ministry.code}")


def read_account(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    """The unified chart: once, or in each ministry's company (its row in that scope)."""
    scopes = [m.code for m in _ministries(session, selection)] if config.per_ministry else [""]
    accounts = list(session.scalars(sa.select(Account).order_by(Account.code)))
    for scope in scopes:
        for account in accounts:
            kind = config.account_types.get(account.account_type, account.account_type)
            values = {
                "code": account.code,
                "name": _name(config, account.name_en, account.name_ar),
                "account_type": kind,
                "reconcile": "1" if kind in ("asset_receivable", "liability_payable") else "0",
            } | _company(config, scope)
            xid = _account_xid(config, scope, account.code)
            group = f"account:{scope}:{account.code}"
            yield Record("account", account.id, xid, values, group, scope=scope)


def _lineage(row: Any) -> dict[str, Any]:
    return {
        "batch_id": row.batch_id,
        "source_system": row.source_system,
        "source_key": row.source_key,
    }


def read_org_unit(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    units = list(
        session.execute(
            sa.select(OrgUnit, Ministry.code)
            .join(Ministry, Ministry.id == OrgUnit.ministry_id)
            .where(selection.staged(OrgUnit))
            .order_by(OrgUnit.id)
        )
    )
    by_id = {unit.id: unit for unit, _ in units}

    def depth(unit: OrgUnit) -> int:
        level, seen = 0, set()
        while unit.parent_id is not None and unit.parent_id in by_id and unit.id not in seen:
            seen.add(unit.id)
            unit = by_id[unit.parent_id]
            level += 1
        return level

    for unit, ministry_code in units:
        parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        parent_xid = (
            _org_unit_xid(config, parent)
            if parent is not None
            else config.xid(external_name("ministry", ministry_code))
        )
        values = {"name": _name(config, unit.name_en, unit.name_ar), "parent_id/id": parent_xid}
        values |= _company(config, ministry_code)
        yield Record(
            "org_unit",
            unit.id,
            _org_unit_xid(config, unit),
            values,
            parent_xid,
            level=depth(unit),
            **_lineage(unit),
        )


def _org_unit_xid(config: CentralConfig, unit: OrgUnit) -> str:
    return config.xid(external_name("org_unit", unit.source_system, unit.source_key))


def read_job(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    jobs = list(
        session.execute(
            sa.select(Job, Ministry.code)
            .join(Ministry, Ministry.id == Job.ministry_id)
            .where(selection.staged(Job))
            .order_by(Job.id)
        )
    )
    titles: dict[tuple[str, str], int] = {}
    for job, ministry_code in jobs:
        title = _name(config, job.title_en, job.title_ar)
        titles[(ministry_code, title)] = titles.get((ministry_code, title), 0) + 1
    for job, ministry_code in jobs:
        title = _name(config, job.title_en, job.title_ar) or job.code
        if titles.get((ministry_code, title), 0) > 1:
            title = f"{title} ({job.code})"  # Odoo: a job's name is unique per department
        department = config.xid(external_name("ministry", ministry_code))
        values = {"name": title, "department_id/id": department} | _company(config, ministry_code)
        xid = config.xid(external_name("job", job.source_system, job.source_key))
        yield Record("job", job.id, xid, values, department, **_lineage(job))


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
            "name": _name(config, partner.name_en, partner.name_ar),
            "is_company": "1",
            "vat": partner.vat_number or "",
            "company_registry": partner.cr_number or "",
            "ref": partner.partner_key,
            "active": "1",
        }
        xid = _vendor_xid(config, partner.partner_key)
        record = Record("vendor", partner.id, xid, values, xid, **_lineage(partner))
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
        yield Record("vendor_bank", partner.id, xid, values, partner_xid, **_lineage(partner))


def _person_xid(config: CentralConfig, person_key: str) -> str:
    return config.xid(external_name("person", person_key))


def _person_bank_xid(config: CentralConfig, person_key: str, iban: str) -> str:
    digest = hashlib.sha256(iban.encode()).hexdigest()[:12]  # the IBAN stays out of the id
    return config.xid(external_name("person_bank", person_key, digest))


def _selected_employments(selection: Selection) -> Any:
    return (
        sa.select(Employment, Person)
        .join(Person, Person.id == Employment.person_id, isouter=True)
        .where(selection.staged(Employment))
        .order_by(Employment.id)
        .execution_options(yield_per=2_000)
    )


def _count_rows(model: type[Employment] | type[JournalEntry]) -> Counter:
    """A target's count: the selected sources' rows of ``model``, one record each."""

    def count(session: Session, selection: Selection) -> int:
        query = sa.select(sa.func.count()).where(selection.staged(model))
        return int(session.scalar(query.select_from(model)) or 0)

    return count


def read_person(session: Session, selection: Selection, config: CentralConfig) -> Iterator[Record]:
    people = sa.select(Employment.person_id).where(selection.staged(Employment))
    query = sa.select(Person).where(Person.id.in_(people)).order_by(Person.id)
    for person in session.scalars(query):
        values = {"name": _name(config, person.name_en, person.name_ar), "active": "1"}
        xid = _person_xid(config, person.person_key)
        record = Record("person", person.id, xid, values, xid, **_lineage(person))
        if not values["name"]:
            record.refusal = "the person has no name in English or Arabic"
        yield record


def read_person_bank(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    seen: set[str] = set()
    for employment, person in session.execute(_selected_employments(selection)):
        if person is None or not employment.iban:
            continue
        xid = _person_bank_xid(config, person.person_key, employment.iban)
        if xid in seen:
            continue  # the same salary account of one person in two ministries
        seen.add(xid)
        person_xid = _person_xid(config, person.person_key)
        values = {"acc_number": employment.iban, "partner_id/id": person_xid, "active": "1"}
        yield Record("person_bank", employment.id, xid, values, person_xid, **_lineage(employment))


def read_employment(
    session: Session, selection: Selection, config: CentralConfig
) -> Iterator[Record]:
    units = {
        unit.id: unit
        for unit in session.scalars(sa.select(OrgUnit).where(selection.staged(OrgUnit)))
    }
    jobs = {job.id: job for job in session.scalars(sa.select(Job).where(selection.staged(Job)))}
    ministries = {
        row.id: row.code for row in session.execute(sa.select(Ministry.id, Ministry.code))
    }
    for employment, person in session.execute(_selected_employments(selection)):
        unit = units.get(employment.org_unit_id or -1)
        job = jobs.get(employment.job_id or -1)
        name = _name(config, person.name_en, person.name_ar) if person is not None else ""
        values = {
            "name": name,
            "department_id/id": _org_unit_xid(config, unit) if unit is not None else "",
            "job_id/id": config.xid(external_name("job", job.source_system, job.source_key))
            if job is not None
            else "",
            "work_contact_id/id": _person_xid(config, person.person_key) if person else "",
            "bank_account_id/id": _person_bank_xid(config, person.person_key, employment.iban)
            if person is not None and employment.iban
            else "",
            "identification_id": (person.national_id or "") if person else "",
            "birthday": person.birth_date.isoformat() if person and person.birth_date else "",
            "gender": config.genders.get(person.gender or "", "") if person else "",
            "work_email": employment.email or "",
            "mobile_phone": employment.phone or "",
            "active": "1",
        } | _company(config, ministries[employment.ministry_id])
        xid = config.xid(
            external_name("employment", employment.source_system, employment.source_key)
        )
        # creating an employee writes its work contact (email, phone) and its job (head counts):
        # records sharing either go to one lane (Odoo 17: "could not serialize access")
        group = values["work_contact_id/id"] or xid
        record = Record("employment", employment.id, xid, values, group, **_lineage(employment))
        record.also = tuple(value for value in (values["job_id/id"],) if value)
        if not name:
            # Odoo 17 answers an employee without a name with a server crash (KeyError)
            record.refusal = "the employee has no name: no matched person with a name"
        yield record


MOVE_FIELDS = ("journal_id/id", "date", "ref")
LINE_FIELDS = ("id", "account_id/id", "name", "debit", "credit", "partner_id/id")


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
                **_lineage(entry),
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
                "journal_id/id": _opening_journal_xid(config, ministry_code),
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
                    },
                )
            )
        yield record


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("ministry_company", "res.company", ("name", "currency_id/id"),
               read_ministry_company, archivable=True, owned_by_batch=False),
        Target("analytic_plan", "account.analytic.plan", ("name",), read_analytic_plan,
               owned_by_batch=False),
        Target("ministry_department", "hr.department", ("name",), read_ministry_department,
               archivable=True, owned_by_batch=False, company=True),
        Target("ministry_analytic", "account.analytic.account", ("name", "code", "plan_id/id"),
               read_ministry_analytic, archivable=True, owned_by_batch=False, company=True),
        Target("ministry_journal", "account.journal", ("name", "code", "type"),
               read_ministry_journal, archivable=True, owned_by_batch=False, company=True),
        Target("opening_journal", "account.journal", ("name", "code", "type"),
               read_opening_journal, archivable=True, owned_by_batch=False, company=True),
        Target("account", "account.account", ("code", "name", "account_type", "reconcile"),
               read_account, owned_by_batch=False, company=True),
        Target("org_unit", "hr.department", ("name", "parent_id/id"), read_org_unit,
               archivable=True, company=True),
        Target("job", "hr.job", ("name", "department_id/id"), read_job, archivable=True,
               company=True),
        Target("vendor", "res.partner",
               ("name", "is_company", "vat", "company_registry", "ref", "active"), read_vendor,
               archivable=True),
        Target("vendor_bank", "res.partner.bank", ("acc_number", "partner_id/id", "active"),
               read_vendor_bank, archivable=True),
        Target("person", "res.partner", ("name", "active"), read_person, archivable=True),
        Target("person_bank", "res.partner.bank", ("acc_number", "partner_id/id", "active"),
               read_person_bank, archivable=True),
        Target("employment", "hr.employee",
               ("name", "department_id/id", "job_id/id", "work_contact_id/id",
                "bank_account_id/id", "identification_id", "birthday", "gender", "work_email",
                "mobile_phone", "active"),
               read_employment, archivable=True, company=True, count=_count_rows(Employment)),
        Target("journal_entry", "account.move", MOVE_FIELDS, read_journal_entry,
               line_fields=LINE_FIELDS, line_entity="journal_line", posts=True,
               count=_count_rows(JournalEntry)),
        Target("opening_balance", "account.move", MOVE_FIELDS, read_opening_balance,
               line_fields=LINE_FIELDS, line_entity="opening_balance_line", posts=True),
    )
}  # fmt: skip


def user_company(odoo: OdooTransport) -> int | None:
    """The loading user's company: where Odoo puts a record that names none."""
    user = odoo.execute("res.users", "read", [odoo.authenticate()], ["company_id"])[0]
    return int(user["company_id"][0]) if user["company_id"] else None


def written_fields(target: Target) -> dict[str, list[str]]:
    """Every Odoo field the target writes, per model (for the preflight)."""
    fields = {target.model: sorted({name.split("/")[0] for name in target.fields})}
    if target.line_fields:
        fields[target.model].append("line_ids")
        fields["account.move.line"] = sorted(
            {name.split("/")[0] for name in target.line_fields if name != "id"}
        )
    return fields
