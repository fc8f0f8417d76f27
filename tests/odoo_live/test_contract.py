"""The Odoo 17 behaviours the loader depends on, asserted the same way against the stand-in and,
when ODOO_URL is set, a real Odoo: the stand-in's fidelity is shown, not assumed.

Each test keeps its external ids in a module of its own and deletes what it created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from consolidation.core.odoo_rpc import OdooError
from tests.odoo_live.conftest import Central

pytestmark = pytest.mark.odoo_live
MADE_WITH = {"hr.employee": "work_contact_id", "res.company": "partner_id"}
"""The partner Odoo creates with a record of these models, which outlives the record."""
QUIET = {"context": {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}}


class Created:
    """Records a test made, deleted in reverse order at its end (entries reset to draft)."""

    def __init__(self, central: Central) -> None:
        self.central = central
        self.records: list[tuple[str, int]] = []

    def add(self, model: str, ids: list[int] | int) -> None:
        for record_id in ids if isinstance(ids, list) else [ids]:
            self.records.append((model, record_id))

    def cleanup(self) -> None:
        """Delete what the test made, reading each record first: a draft entry is deleted as
        it is (Odoo 17 refuses ``button_draft`` on one), a posted or cancelled one is reset
        first, a record already gone is skipped, and the partner Odoo made with an employee or
        a company goes with it. Anything that stays fails the test: a live suite leaves the
        database as it found it, or says so."""
        odoo = self.central.transport
        left: list[str] = []
        for model, record_id in reversed(self.records):
            found = odoo.execute(
                model,
                "search_read",
                [["id", "=", record_id]],
                fields=["state"] if model == "account.move" else [MADE_WITH.get(model, "id")],
                context={"active_test": False},
            )
            if not found:
                continue  # deleted by the test, or with its parent
            try:
                if model == "account.move" and found[0]["state"] != "draft":
                    odoo.execute_void(model, "button_draft", [record_id])
                odoo.execute(model, "unlink", [record_id])
            except OdooError as exc:
                if model == "res.company":  # a company that cannot go is archived, as Odoo asks
                    odoo.execute(model, "write", [record_id], {"active": False})
                    continue
                left.append(f"{model} {record_id}: {exc}")
                continue
            made = found[0].get(MADE_WITH.get(model, ""))
            if made:
                try:
                    odoo.execute("res.partner", "unlink", [made[0]])
                except OdooError as exc:
                    left.append(f"the partner {made[0]} of {model} {record_id}: {exc}")
        if left:
            pytest.fail(f"the test left records behind in Odoo: {'; '.join(left)}")


@pytest.fixture
def created(central: Central) -> Iterator[Created]:
    tracker = Created(central)
    yield tracker
    tracker.cleanup()


def _accounts(central: Central) -> tuple[int, int]:
    found = central.transport.execute(
        "account.account",
        "search_read",
        [["account_type", "in", ["asset_cash", "expense"]]],
        fields=["account_type"],
        order="id",
    )
    cash = next(a["id"] for a in found if a["account_type"] == "asset_cash")
    expense = next(a["id"] for a in found if a["account_type"] == "expense")
    return cash, expense


def _general_journal(central: Central) -> int:
    found = central.transport.execute(
        "account.journal", "search", [["type", "=", "general"]], limit=1, order="id"
    )
    return int(found[0])


def _move_rows(
    central: Central, name: str, lines: list[tuple[int, str, str]], *, line_xids: bool = True
) -> list[list[Any]]:
    journal = _general_journal(central)
    rows: list[list[Any]] = []
    for number, (account, debit, credit) in enumerate(lines):
        head = [central.xid(name), str(journal), "2026-01-31", name] if number == 0 else [""] * 4
        line_xid = central.xid(f"{name}_line_{number}") if line_xids else ""
        rows.append([*head, line_xid, str(account), f"line {number}", debit, credit])
    return rows


MOVE_FIELDS = [
    "id",
    "journal_id/.id",
    "date",
    "ref",
    "line_ids/id",
    "line_ids/account_id/.id",
    "line_ids/name",
    "line_ids/debit",
    "line_ids/credit",
]


def test_version_is_odoo_17_and_login_checks_the_password(central: Central) -> None:
    version = central.transport.version()
    assert version["server_version_info"][0] == 17
    assert central.transport.authenticate() > 0
    central.transport._password = type(central.transport._password)("wrong")
    central.transport._uid = None
    with pytest.raises(OdooError, match="was refused"):
        central.transport.authenticate()


def test_hr_and_account_are_installed_and_bhd_rounds_to_the_fils(central: Central) -> None:
    odoo = central.transport
    modules = odoo.execute(
        "ir.module.module", "search_read", [["name", "in", ["hr", "account"]]], fields=["state"]
    )
    assert [m["state"] for m in modules] == ["installed", "installed"]
    bhd = odoo.execute(
        "res.currency",
        "search_read",
        [["name", "=", "BHD"]],
        fields=["rounding", "active"],
        context={"active_test": False},
    )
    assert len(bhd) == 1
    assert bhd[0]["rounding"] == 0.001


def test_fields_get_names_required_fields(central: Central) -> None:
    fields = central.transport.execute(
        "hr.department", "fields_get", ["name", "parent_id", "no_such_field"], ["required", "type"]
    )
    assert fields["name"] == {"required": True, "type": "char"}
    assert fields["parent_id"]["type"] == "many2one"
    assert "no_such_field" not in fields


def test_load_creates_with_external_ids_and_a_second_load_updates_the_same_record(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    first = odoo.execute(
        "hr.department", "load", ["id", "name"], [[central.xid("d1"), "Contract dept"]], **QUIET
    )
    assert first["messages"] == []
    created.add("hr.department", first["ids"])
    again = odoo.execute(
        "hr.department", "load", ["id", "name"], [[central.xid("d1"), "Contract dept 2"]], **QUIET
    )
    assert again["ids"] == first["ids"]
    data = odoo.execute(
        "ir.model.data",
        "search_read",
        [["module", "=", central.module], ["name", "in", ["d1"]]],
        fields=["model", "res_id"],
    )
    assert [(d["model"], d["res_id"]) for d in data] == [("hr.department", first["ids"][0])]
    names = odoo.execute("hr.department", "read", first["ids"], ["name"])
    assert names[0]["name"] == "Contract dept 2"


def test_a_terminated_employee_arrives_archived_with_its_departure_date(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    loaded = odoo.execute(
        "hr.employee",
        "load",
        ["id", "name", "active", "departure_date"],
        [
            [central.xid("leaver"), "Contract leaver", "0", "2025-03-31"],
            [central.xid("stayer"), "Contract stayer", "1", ""],
        ],
        **QUIET,
    )
    assert loaded["messages"] == []
    created.add("hr.employee", loaded["ids"])
    read = odoo.execute(
        "hr.employee",
        "read",
        loaded["ids"],
        ["active", "departure_date"],
        context={"active_test": False},
    )
    assert [(r["active"], r["departure_date"]) for r in read] == [
        (False, "2025-03-31"),
        (True, False),
    ]
    active = odoo.execute("hr.employee", "search", [["id", "in", loaded["ids"]]])
    assert active == [loaded["ids"][1]]


def test_load_is_all_or_nothing_and_names_the_failing_record(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    result = odoo.execute(
        "hr.department",
        "load",
        ["id", "name"],
        [[central.xid("good"), "Kept?"], [central.xid("bad"), ""]],
        **QUIET,
    )
    assert result["ids"] is False
    assert [(m["type"], m["record"]) for m in result["messages"]] == [("error", 1)]
    assert "Missing required value" in result["messages"][0]["message"]
    assert odoo.execute("hr.department", "search", [["name", "=", "Kept?"]]) == []


def test_a_create_call_is_one_transaction(central: Central, created: Created) -> None:
    odoo = central.transport
    name = f"Contract {uuid.uuid4().hex[:6]}"
    with pytest.raises(OdooError):
        odoo.execute("hr.department", "create", [{"name": name}, {"parent_id": 1}])
    assert odoo.execute("hr.department", "search", [["name", "=", name]]) == []


def test_an_employee_without_a_name_crashes_the_server_with_key_error(central: Central) -> None:
    with pytest.raises(OdooError, match="KeyError: 'name'") as refused:
        central.transport.execute("hr.employee", "create", {"job_title": "no name"})
    assert not refused.value.transient


def test_an_unbalanced_entry_is_refused_at_create(central: Central, created: Created) -> None:
    cash, expense = _accounts(central)
    with pytest.raises(OdooError, match="not balanced"):
        central.transport.execute(
            "account.move",
            "create",
            {
                "journal_id": _general_journal(central),
                "date": "2026-01-31",
                "line_ids": [
                    (0, 0, {"account_id": cash, "debit": 10}),
                    (0, 0, {"account_id": expense, "credit": 9}),
                ],
            },
        )


def test_amounts_are_rounded_to_the_currency(central: Central, created: Created) -> None:
    odoo = central.transport
    cash, expense = _accounts(central)
    rows = _move_rows(central, "round", [(expense, "10.0004", "0"), (cash, "0", "10.0004")])
    result = odoo.execute("account.move", "load", MOVE_FIELDS, rows, **QUIET)
    created.add("account.move", result["ids"] or [])
    assert result["messages"] == []
    lines = odoo.execute(
        "account.move.line", "search_read", [["move_id", "in", result["ids"]]], fields=["debit"]
    )
    assert sorted(line["debit"] for line in lines) == [0.0, 10.0]


def test_line_external_ids_keep_a_reload_from_appending_lines(
    central: Central, created: Created
) -> None:
    """Measured on Odoo 17: lines without external ids are appended again by every load."""
    odoo = central.transport
    cash, expense = _accounts(central)
    lines = [(expense, "5.250", "0"), (cash, "0", "5.250")]
    result = odoo.execute(
        "account.move", "load", MOVE_FIELDS, _move_rows(central, "m", lines), **QUIET
    )
    created.add("account.move", result["ids"])
    odoo.execute("account.move", "load", MOVE_FIELDS, _move_rows(central, "m", lines), **QUIET)

    def count() -> int:
        return int(
            odoo.execute("account.move.line", "search_count", [["move_id", "in", result["ids"]]])
        )

    assert count() == 2
    bare = _move_rows(central, "m", lines, line_xids=False)
    odoo.execute("account.move", "load", MOVE_FIELDS, bare, **QUIET)
    assert count() == 4
    totals = odoo.execute(
        "account.move.line",
        "read_group",
        [["move_id", "in", result["ids"]]],
        ["debit:sum"],
        ["move_id"],
    )
    assert totals[0]["debit"] == 10.5


def test_posted_entries_cannot_be_deleted_and_button_draft_answers_marshal_none(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    cash, expense = _accounts(central)
    rows = _move_rows(central, "p", [(expense, "1.000", "0"), (cash, "0", "1.000")])
    move_ids = odoo.execute("account.move", "load", MOVE_FIELDS, rows, **QUIET)["ids"]
    created.add("account.move", move_ids)
    assert odoo.execute("account.move", "action_post", move_ids) is False
    with pytest.raises(OdooError, match="posted journal item"):
        odoo.execute("account.move", "unlink", move_ids)
    with pytest.raises(OdooError, match="cannot marshal None"):
        odoo.execute("account.move", "button_draft", move_ids)
    state = odoo.execute("account.move", "read", move_ids, ["state"])
    assert state[0]["state"] == "draft"  # the fault came after the change was committed
    odoo.execute_void("account.move", "action_post", move_ids)
    odoo.execute_void("account.move", "button_draft", move_ids)
    assert odoo.execute("account.move", "unlink", move_ids) is True
    gone = odoo.execute(
        "ir.model.data", "search", [["module", "=", central.module], ["name", "=", "p"]]
    )
    assert gone == []


def test_repeating_a_committed_call_is_refused(central: Central, created: Created) -> None:
    """What a retry after a lost answer meets: each of these calls, repeated once it has been
    committed, is refused, so the loader must read the state back rather than trust the fault."""
    odoo = central.transport
    cash, expense = _accounts(central)
    rows = _move_rows(central, "r", [(expense, "1.000", "0"), (cash, "0", "1.000")])
    move_ids = odoo.execute("account.move", "load", MOVE_FIELDS, rows, **QUIET)["ids"]
    created.add("account.move", move_ids)
    odoo.execute_void("account.move", "action_post", move_ids)
    with pytest.raises(OdooError, match="must be in draft"):
        odoo.execute("account.move", "action_post", move_ids)
    odoo.execute_void("account.move", "button_draft", move_ids)
    with pytest.raises(OdooError, match="Only posted/cancelled journal entries"):
        odoo.execute_void("account.move", "button_draft", move_ids)
    assert odoo.execute("account.move", "unlink", move_ids) is True
    with pytest.raises(OdooError, match="does not exist or has been deleted"):
        odoo.execute("account.move", "unlink", move_ids)
    journal = _general_journal(central)
    xid = {"module": central.module, "name": f"twice_{uuid.uuid4().hex[:8]}"}
    entry = odoo.execute(
        "ir.model.data", "create", {**xid, "model": "account.journal", "res_id": journal}
    )
    created.add("ir.model.data", entry)
    with pytest.raises(OdooError, match=r"ir_model_data_module_name_uniq|unique"):
        odoo.execute(
            "ir.model.data", "create", {**xid, "model": "account.journal", "res_id": journal}
        )


def test_each_ministry_can_be_a_company_with_its_own_chart_and_journal(
    central: Central, created: Created
) -> None:
    """The multi-company mode: a company in BHD made by ``load``, given to the user who made
    it; its journal and chart; an entry there is posted; a line on another company's account
    is refused; an employee given no company is not put in its department's."""
    odoo = central.transport
    tag = uuid.uuid4().hex[:6]
    company = odoo.execute(
        "res.company",
        "load",
        ["id", "name", "currency_id/id"],
        [[central.xid(f"company_{tag}"), f"Ministry {tag}", "base.BHD"]],
        **QUIET,
    )["ids"]
    created.add("res.company", company)
    user = odoo.execute("res.users", "read", [odoo.authenticate()], ["company_ids"])[0]
    assert company[0] in user["company_ids"]
    in_company = central.xid(f"company_{tag}")
    journal = odoo.execute(
        "account.journal",
        "load",
        ["id", "name", "code", "type", "company_id/id"],
        [[central.xid(f"journal_{tag}"), f"Journal {tag}", "MJ", "general", in_company]],
    )["ids"]
    created.add("account.journal", journal)
    accounts = odoo.execute(
        "account.account",
        "load",
        ["id", "code", "name", "account_type", "company_id/id"],
        [
            [central.xid(f"expense_{tag}"), "600000", "Expenses", "expense", in_company],
            [central.xid(f"cash_{tag}"), "101401", "Bank", "asset_cash", in_company],
        ],
    )["ids"]
    created.add("account.account", accounts)
    fields = ["id", "journal_id/id", "date", "ref", "line_ids/id", "line_ids/account_id/.id"]
    fields += ["line_ids/name", "line_ids/debit", "line_ids/credit"]
    head = [central.xid(f"move_{tag}"), central.xid(f"journal_{tag}"), "2026-01-31", "mc"]
    rows = [
        [*head, central.xid(f"move_{tag}_1"), str(accounts[0]), "a", "1.000", "0"],
        ["", "", "", "", central.xid(f"move_{tag}_2"), str(accounts[1]), "b", "0", "1.000"],
    ]
    move = odoo.execute("account.move", "load", fields, rows, **QUIET)["ids"]
    created.add("account.move", move)
    odoo.execute_void("account.move", "action_post", move)
    read = odoo.execute("account.move", "read", move, ["company_id", "state"])[0]
    assert read["company_id"][0] == company[0] and read["state"] == "posted"
    theirs, _ = _accounts(central)  # the first company's bank account
    head[0] = central.xid(f"wrong_{tag}")
    rows = [
        [*head, central.xid(f"wrong_{tag}_1"), str(theirs), "a", "1.000", "0"],
        ["", "", "", "", central.xid(f"wrong_{tag}_2"), str(accounts[1]), "b", "0", "1.000"],
    ]
    refused = odoo.execute("account.move", "load", fields, rows, **QUIET)
    assert refused["ids"] is False
    assert "Incompatible companies" in refused["messages"][0]["message"]
    department = odoo.execute(
        "hr.department",
        "load",
        ["id", "name", "company_id/id"],
        [[central.xid(f"department_{tag}"), f"Ministry {tag}", in_company]],
    )["ids"]
    created.add("hr.department", department)
    employee = odoo.execute(
        "hr.employee",
        "load",
        ["id", "name", "department_id/id"],
        [[central.xid(f"employee_{tag}"), "Employee", central.xid(f"department_{tag}")]],
        **QUIET,
    )
    created.add("hr.employee", employee["ids"])
    # HR records are not checked for their company: without one an employee goes to the user's
    # main company, under another company's department; the loader names it on every record
    read = odoo.execute("hr.employee", "read", employee["ids"], ["company_id"])[0]
    assert read["company_id"][0] != company[0]


def test_journal_codes_are_cut_to_five_characters(central: Central, created: Created) -> None:
    odoo = central.transport
    code = "Q" + uuid.uuid4().hex[:8].upper()
    journal = odoo.execute(
        "account.journal", "create", {"name": f"Contract {code}", "code": code, "type": "general"}
    )
    created.add("account.journal", journal)
    assert odoo.execute("account.journal", "read", [journal], ["code"])[0]["code"] == code[:5]


def test_a_referenced_record_cannot_be_deleted_but_can_be_archived(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    partner = odoo.execute("res.partner", "create", {"name": "Contract vendor"})
    created.add("res.partner", partner)
    bank = odoo.execute(
        "res.partner.bank",
        "create",
        {"acc_number": f"BH{uuid.uuid4().hex[:20].upper()}", "partner_id": partner},
    )
    created.add("res.partner.bank", bank)
    cash, expense = _accounts(central)
    move = odoo.execute(
        "account.move",
        "create",
        {
            "journal_id": _general_journal(central),
            "date": "2026-01-31",
            "line_ids": [
                (0, 0, {"account_id": expense, "debit": 2, "partner_id": partner}),
                (0, 0, {"account_id": cash, "credit": 2}),
            ],
        },
    )
    created.add("account.move", move)
    with pytest.raises(OdooError):
        odoo.execute("res.partner", "unlink", [partner])
    assert odoo.execute("res.partner", "write", [partner], {"active": False}) is True
    assert odoo.execute("res.partner", "search", [["id", "=", partner]]) == []
    archived = odoo.execute(
        "res.partner", "search", [["id", "=", partner]], context={"active_test": False}
    )
    assert archived == [partner]


def test_access_rights_can_be_asked(central: Central) -> None:
    odoo = central.transport
    for model in ("hr.employee", "account.move", "res.partner"):
        assert odoo.execute(model, "check_access_rights", "create", raise_exception=False) is True
