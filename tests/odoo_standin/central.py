"""The central shared-services Odoo 17, as the stand-in plays it for the loader.

A fresh database with ``hr`` and ``account`` installed: one company in USD, BHD present but
inactive (rounding 0.001), a few accounts and journals of the generic chart. The models carry
the fields the loader writes, and the rules measured on Odoo 17.0 that the loader depends on:

* required fields (``load`` reports "Missing required value", ``create`` a not-null violation);
* ``hr.employee`` without a name crashes with ``KeyError: 'name'``, not a validation error;
* an unbalanced entry is refused at create; amounts are rounded to 0.001; a line on a
  deprecated account is refused; an item's ``analytic_distribution`` is JSON of percentages
  keyed by analytic account id, unchecked;
* a posted entry cannot be deleted; ``button_draft`` answers "cannot marshal None";
* journal codes are cut to 5 characters; account, journal and job names are unique as in Odoo;
* the company currency cannot change once journal items exist;
* an entry dated on or before its company's lock date is posted as of the first open date,
  without a word; the fiscal year cannot be locked over draft entries;
* several companies: a new one is given to its creator; an entry's company is its journal's and
  its lines' accounts must be of that company ("Incompatible companies on records"); HR records
  are not checked: an employee, job or department without a company goes to the user's main
  company whatever its department's.

``tests/odoo_live`` runs the same contract against a real Odoo to show these are faithful.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from tests.odoo_standin.grouping import read_group
from tests.odoo_standin.server import (
    Field,
    Model,
    OdooStandIn,
    server_error,
    unlink,
    user_error,
    write,
)

COMPANY_ID = 1
USD_ID = 1
BHD_ID = 54


def _many2one(relation: str, *, required: bool = False, default: Any = None) -> Field:
    return Field("many2one", relation, required=required, default=default)


def _char(*, required: bool = False) -> Field:
    return Field("char", required=required)


def _bool(default: bool = False) -> Field:
    return Field("boolean", default=default)


MODELS: dict[str, dict[str, Field | str | tuple[str, str]]] = {
    "ir.module.module": {"name": _char(required=True), "state": "selection"},
    "ir.model.data": {
        "module": _char(required=True),
        "name": _char(required=True),
        "model": _char(required=True),
        "res_id": "integer",
        "noupdate": "boolean",
    },
    "res.currency": {
        "name": _char(required=True),
        "active": _bool(),
        "rounding": "float",
        "decimal_places": "integer",
    },
    "res.company": {
        "name": _char(required=True),
        "currency_id": _many2one("res.currency", required=True),
        "partner_id": ("many2one", "res.partner"),
        "fiscalyear_lock_date": "date",
        "period_lock_date": "date",
    },
    "res.users": {
        "name": _char(required=True),
        "login": _char(required=True),
        "company_id": _many2one("res.company", default=COMPANY_ID),
        "company_ids": ("many2many", "res.company"),
    },
    "res.partner": {
        "name": "char",
        "is_company": "boolean",
        "vat": "char",
        "ref": "char",
        "company_registry": "char",
        "email": "char",
        "active": _bool(True),
    },
    "res.partner.bank": {
        "acc_number": _char(required=True),
        "partner_id": _many2one("res.partner", required=True),
        "active": _bool(True),
    },
    "hr.department": {
        "name": _char(required=True),
        "parent_id": ("many2one", "hr.department"),
        "company_id": _many2one("res.company", default=COMPANY_ID),
        "active": _bool(True),
    },
    "hr.job": {
        "name": _char(required=True),
        "department_id": ("many2one", "hr.department"),
        "company_id": _many2one("res.company", default=COMPANY_ID),
        "active": _bool(True),
    },
    "hr.employee": {
        "name": "char",
        "department_id": ("many2one", "hr.department"),
        "job_id": ("many2one", "hr.job"),
        "job_title": "char",
        "work_contact_id": ("many2one", "res.partner"),
        "bank_account_id": ("many2one", "res.partner.bank"),
        "departure_date": "date",
        "identification_id": "char",
        "birthday": "date",
        "gender": "selection",
        "work_email": "char",
        "mobile_phone": "char",
        "company_id": _many2one("res.company", required=True, default=COMPANY_ID),
        "employee_type": Field("selection", required=True, default="employee"),
        "active": _bool(True),
    },
    "account.account": {
        "code": _char(required=True),
        "name": _char(required=True),
        "account_type": Field("selection", required=True),
        "reconcile": "boolean",
        "company_id": _many2one("res.company", required=True, default=COMPANY_ID),
        "deprecated": "boolean",
    },
    "account.journal": {
        "name": _char(required=True),
        "code": _char(required=True),
        "type": Field("selection", required=True),
        "company_id": _many2one("res.company", required=True, default=COMPANY_ID),
        "active": _bool(True),
    },
    "account.analytic.plan": {"name": _char(required=True)},
    "account.analytic.account": {
        "name": _char(required=True),
        "code": "char",
        "plan_id": _many2one("account.analytic.plan", required=True),
        "company_id": _many2one("res.company", default=COMPANY_ID),
        "active": _bool(True),
    },
    "account.move": {
        "name": "char",
        "journal_id": _many2one("account.journal", required=True),
        "date": Field("date", required=True),
        "ref": "char",
        "state": Field("selection", required=True, default="draft"),
        "move_type": Field("selection", required=True, default="entry"),
        "company_id": ("many2one", "res.company"),
        "currency_id": _many2one("res.currency", default=USD_ID),
        "line_ids": Field("one2many", "account.move.line", inverse="move_id"),
    },
    "account.move.line": {
        "move_id": _many2one("account.move", required=True),
        "account_id": _many2one("account.account", required=True),
        "partner_id": ("many2one", "res.partner"),
        "name": "char",
        "debit": Field("monetary", default=0.0),
        "credit": Field("monetary", default=0.0),
        "date": Field("date", related=("move_id", "date")),
        "journal_id": Field("many2one", "account.journal", related=("move_id", "journal_id")),
        "company_id": Field("many2one", "res.company", related=("move_id", "company_id")),
        "parent_state": Field("selection", related=("move_id", "state")),
        "analytic_distribution": "json",
    },
}

ORDERS = {
    "res.company": "name",
    "res.partner": "name",
    "hr.department": "name",
    "hr.job": "name",
    "hr.employee": "name",
    "account.account": "code, company_id",
    "account.journal": "type, code",
    "account.analytic.account": "plan_id, name",
    "account.move": "date desc, name desc, id desc",
    "account.move.line": "date desc, id",
}
"""Each model's ``_order`` in Odoo 17 (as far as the stand-in has its fields): a grouping by a
many2one orders its groups so."""

GENERIC_ACCOUNTS = [
    ("101000", "Current Assets", "asset_current"),
    ("101401", "Bank", "asset_cash"),
    ("121000", "Account Receivable", "asset_receivable"),
    ("211000", "Account Payable", "liability_payable"),
    ("400000", "Product Sales", "income"),
    ("600000", "Expenses", "expense"),
    ("999999", "Undistributed Profits/Losses", "equity_unaffected"),
]
GENERIC_JOURNALS = [
    ("INV", "Customer Invoices", "sale"),
    ("BILL", "Vendor Bills", "purchase"),
    ("MISC", "Miscellaneous Operations", "general"),
    ("BNK1", "Bank", "bank"),
]


def central_standin(**options: Any) -> OdooStandIn:
    """A stand-in holding a fresh Odoo 17 central database; start it with ``with``."""
    standin = OdooStandIn(**options)
    for name, fields in MODELS.items():
        standin.add_model(name, fields).order = ORDERS.get(name, "id")
    standin.display_names["account.account"] = lambda account: (
        f"{account['code']} {account['name']}"
    )
    _seed(standin)
    _rules(standin)
    standin.register("action_post", action_post, model="account.move", writes=True)
    standin.register("button_draft", button_draft, model="account.move", writes=True)
    standin.register("unlink", unlink_move, model="account.move", writes=True)
    standin.register("write", write_company, model="res.company", writes=True)
    standin.register("has_group", has_group, model="res.users")
    standin.register("read_group", read_group)
    return standin


def _seed(standin: OdooStandIn) -> None:
    models = standin.models
    modules = models["ir.module.module"]
    for module in ("base", "mail", "hr", "account", "analytic", "l10n_bh"):
        state = "uninstalled" if module == "l10n_bh" else "installed"
        standin.insert(modules, {"name": module, "state": state})
    standin.insert(
        models["res.currency"],
        {"id": USD_ID, "name": "USD", "active": True, "rounding": 0.01, "decimal_places": 2},
    )
    standin.insert(
        models["res.currency"],
        {"id": BHD_ID, "name": "BHD", "active": False, "rounding": 0.001, "decimal_places": 3},
    )
    _xid(standin, "base", "USD", "res.currency", USD_ID)
    _xid(standin, "base", "BHD", "res.currency", BHD_ID)
    standin.insert(
        models["res.company"], {"id": COMPANY_ID, "name": "My Company", "currency_id": USD_ID}
    )
    _xid(standin, "base", "main_company", "res.company", COMPANY_ID)
    standin.insert(
        models["res.users"],
        {"id": standin.uid, "name": "Administrator", "login": "a", "company_ids": [COMPANY_ID]},
    )
    for code, name, kind in GENERIC_ACCOUNTS:
        record_id = standin.insert(
            models["account.account"],
            {"code": code, "name": name, "account_type": kind, "reconcile": kind.endswith("able")},
        )
        _xid(standin, "account", f"{COMPANY_ID}_account_{code}", "account.account", record_id)
    for code, name, kind in GENERIC_JOURNALS:
        record_id = standin.insert(
            models["account.journal"], {"code": code, "name": name, "type": kind}
        )
        _xid(
            standin, "account", f"{COMPANY_ID}_{kind}_{code.lower()}", "account.journal", record_id
        )


def _xid(standin: OdooStandIn, module: str, name: str, model: str, record_id: int) -> None:
    standin.insert(
        standin.models["ir.model.data"],
        {"module": module, "name": name, "model": model, "res_id": record_id},
    )


# --- rules --------------------------------------------------------------------------------------


def _rules(standin: OdooStandIn) -> None:
    models = standin.models
    models["ir.model.data"].checks.append(_unique_xid)
    models["res.company"].checks.append(_company_of_its_creator)
    models["hr.employee"].checks.append(_employee_name)
    models["hr.job"].checks.append(_unique("name", "company_id", "department_id"))
    models["account.account"].checks += [_unique("code", "company_id"), _reconcilable]
    models["account.journal"].checks += [_journal_code, _unique("code", "company_id")]
    models["res.partner.bank"].checks.append(_unique("acc_number", "partner_id"))
    models["res.partner"].checks.append(_partner_name)
    models["account.move"].checks += [_journal_company, _balanced]
    models["account.move.line"].checks += [
        _line_account_usable,
        _line_company,
        _line_balanced,
        _analytic_percentages,
    ]


def _unique_xid(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    """``ir.model.data`` (module, name) is unique; its index keeps the first holder only."""
    if standin.xid_index.get((record["module"], record["name"])) != record["id"]:
        raise server_error(
            "psycopg2.errors.UniqueViolation",
            'duplicate key value violates unique constraint "ir_model_data_module_name_uniq" '
            f"DETAIL: Key (module, name)=({record['module']}, {record['name']}) already exists.",
        )


def _unique(*names: str) -> Any:
    def check(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
        key = tuple(record.get(name) for name in names)
        if len(standin.holders(model.name, names, key)) > 1:
            raise server_error(
                "psycopg2.errors.UniqueViolation",
                f'duplicate key value violates unique constraint "{model.name}_'
                f'{"_".join(names)}_uniq" DETAIL: Key ({", ".join(names)})='
                f"({', '.join(str(part) for part in key)}) already exists.",
            )

    return check


def _incompatible(record: dict[str, Any], label: str, other: dict[str, Any], field: str) -> Any:
    return user_error(
        "Incompatible companies on records:\n"
        f"- '{record.get('name') or record['id']}' belongs to company {record.get('company_id')} "
        f"and '{label}' ({field}: '{other.get('name') or other['id']}') belongs to another "
        "company."
    )


def _journal_company(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    """An entry's company is its journal's (a stored compute in Odoo)."""
    journal = standin.models["account.journal"].records.get(record["journal_id"])
    company = journal["company_id"] if journal is not None else None
    if record.get("company_id") != company:
        standin.replace(model, record["id"], {"company_id": company})


def _line_company(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    move = standin.models["account.move"].records.get(record["move_id"])
    account = standin.models["account.account"].records.get(record["account_id"])
    if move is None or account is None:
        return
    journal = standin.models["account.journal"].records.get(move["journal_id"])
    if journal is not None and account["company_id"] != journal["company_id"]:
        raise _incompatible(
            {**record, "company_id": journal["company_id"]}, "Account", account, "account_id"
        )


def _line_account_usable(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    account = standin.models["account.account"].records.get(record["account_id"])
    if account is not None and account.get("deprecated"):
        raise user_error(f"The account {account['name']} ({account['code']}) is deprecated.")


def _analytic_percentages(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    """Odoo 17 keeps an analytic distribution's percentages as floats; it does not check that
    its keys are analytic accounts."""
    distribution = record.get("analytic_distribution")
    if isinstance(distribution, dict) and any(type(v) is not float for v in distribution.values()):
        floats = {key: float(value) for key, value in distribution.items()}
        standin.replace(model, record["id"], {"analytic_distribution": floats})


def _company_of_its_creator(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    """Odoo 17 gives a new company to the user who created it, so its records are in reach."""
    users = standin.models["res.users"]
    user = users.records[standin.uid]
    if record["id"] not in (user.get("company_ids") or []):
        standin.replace(users, standin.uid, {"company_ids": [*user["company_ids"], record["id"]]})


def _employee_name(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    if not record.get("name"):
        raise server_error("KeyError", "'name'")


def _partner_name(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    if not record.get("name"):
        raise user_error("Contacts require a name")


def _reconcilable(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    if record["account_type"] in ("asset_receivable", "liability_payable") and not record.get(
        "reconcile"
    ):
        raise user_error(
            "You cannot have a receivable/payable account that is not reconcilable. "
            f"(account code: {record['code']})"
        )


def _journal_code(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    """Odoo 17 cuts a journal code to its 5-character column without a word."""
    code = record.get("code") or ""
    if len(code) > 5:
        standin.replace(model, record["id"], {"code": code[:5]})


def _totals(standin: OdooStandIn, move_id: int) -> tuple[float, float, int]:
    """An entry's debit and credit sums (to the fils) and its number of lines."""
    lines = standin.models["account.move.line"].records
    debit = credit = 0.0
    count = 0
    for line_id in standin.holders("account.move.line", ("move_id",), (move_id,)):
        line = lines[line_id]
        debit += line.get("debit") or 0.0
        credit += line.get("credit") or 0.0
        count += 1
    return round(debit, 3), round(credit, 3), count


def _balanced(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    debit, credit, _ = _totals(standin, record["id"])
    if abs(debit - credit) >= 0.0005:
        raise user_error(
            f"An error has occurred.\n\nThe move ({record.get('name') or 'Draft Entry'}) is not "
            f"balanced.\nThe total of debits equals {debit:.3f} and the total of credits equals "
            f"{credit:.3f}."
        )


def _line_balanced(standin: OdooStandIn, model: Model, record: dict[str, Any]) -> None:
    move = standin.models["account.move"].records.get(record["move_id"])
    if move is not None:
        _balanced(standin, standin.models["account.move"], move)


# --- methods ------------------------------------------------------------------------------------


def action_post(standin: OdooStandIn, model: Model, ids: list[int] | int) -> bool:
    for move_id in ids if isinstance(ids, list) else [ids]:
        move = model.records.get(int(move_id))
        if move is None:
            raise user_error(f"Record does not exist or has been deleted.\n(Record: {model.name})")
        _, _, count = _totals(standin, move["id"])
        if count == 0:
            raise user_error("You need to add a line before posting.")
        _balanced(standin, model, move)
        if move["state"] in ("posted", "cancel"):
            name = move.get("name") or "/"
            raise user_error(f"The entry {name} (id {move['id']}) must be in draft.")
        journal = standin.models["account.journal"].records[move["journal_id"]]
        day = _open_date(standin, move)
        name = move.get("name") or f"{journal['code']}/{day[:4]}/{move['id']:05d}"
        standin.replace(model, move["id"], {"state": "posted", "name": name, "date": day})
    return False


ADVISER = "account.group_account_manager"


def lock_date(standin: OdooStandIn, company_id: int | None) -> date | None:
    """The company's lock date for the user (Odoo 17's ``_get_user_fiscal_lock_date``): an
    Adviser is held by the fiscal year's only, anyone else by the later of the two."""
    company = standin.models["res.company"].records.get(company_id or COMPANY_ID) or {}
    dates = [company.get("fiscalyear_lock_date")]
    if ADVISER in standin.denied_groups:
        dates.append(company.get("period_lock_date"))
    found = [date.fromisoformat(day) for day in dates if day]
    return max(found) if found else None


def _open_date(standin: OdooStandIn, move: dict[str, Any]) -> str:
    """The date Odoo 17 posts an entry as: its own, or, dated on or before the lock date, the
    first open day's month end (that day itself, or today, in the current month), as
    ``_get_accounting_date`` picks for a journal numbered by month."""
    day = date.fromisoformat(move["date"])
    lock = lock_date(standin, move.get("company_id"))
    if lock is None or day > lock:
        return str(move["date"])
    first = lock + timedelta(days=1)
    today = date.today()
    if (today.year, today.month) > (first.year, first.month):
        return date(first.year, first.month, monthrange(first.year, first.month)[1]).isoformat()
    return max(first, today).isoformat()


def button_draft(standin: OdooStandIn, model: Model, ids: list[int] | int) -> None:
    moves = [
        model.records.get(int(move_id)) for move_id in (ids if isinstance(ids, list) else [ids])
    ]
    if any(move is None for move in moves):
        raise user_error(f"Record does not exist or has been deleted.\n(Record: {model.name})")
    if any(move["state"] not in ("cancel", "posted") for move in moves if move is not None):
        raise user_error("Only posted/cancelled journal entries can be reset to draft.")
    for move in moves:
        if move is not None:
            standin.replace(model, move["id"], {"state": "draft"})


def unlink_move(standin: OdooStandIn, model: Model, ids: list[int] | int) -> bool:
    for move_id in ids if isinstance(ids, list) else [ids]:
        move = model.records.get(int(move_id))
        if move is not None and move["state"] == "posted":
            raise user_error(
                "You can't delete a posted journal item. Don’t play games with your accounting "
                "records; reset the journal entry to draft before deleting it."
            )
    return unlink(standin, model, ids)


def write_company(
    standin: OdooStandIn, model: Model, ids: list[int] | int, values: dict[str, Any]
) -> bool:
    if "currency_id" in values and standin.models["account.move.line"].records:
        raise user_error(
            "You cannot change the currency of the company since some journal items already exist"
        )
    if values.get("fiscalyear_lock_date"):
        companies = ids if isinstance(ids, list) else [ids]
        locked = str(values["fiscalyear_lock_date"])
        if any(
            move["state"] == "draft" and move["company_id"] in companies and move["date"] <= locked
            for move in standin.models["account.move"].records.values()
        ):
            raise user_error(
                "There are still unposted entries in the period you want to lock. You should "
                "either post or delete them."
            )
    return write(standin, model, ids, values)


def has_group(standin: OdooStandIn, model: Model, group: str) -> bool:
    return group not in standin.denied_groups
