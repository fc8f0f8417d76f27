"""The Odoo 17 behaviours the loader depends on, asserted the same way against the stand-in and,
when ODOO_URL is set, a real Odoo: the stand-in's fidelity is shown, not assumed.

Each test keeps its external ids in a module of its own and deletes what it created.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from consolidation.core.odoo_rpc import OdooError
from consolidation.load.isolation import load_chunk
from consolidation.load.locks import LockGuard
from consolidation.load.targets import Line, Record, Target
from tests.odoo_live.conftest import Central, Created

pytestmark = pytest.mark.odoo_live
QUIET = {"context": {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}}


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
    central: Central,
    name: str,
    lines: list[tuple[int, str, str]],
    *,
    line_xids: bool = True,
    day: str = "2026-01-31",
) -> list[list[Any]]:
    journal = _general_journal(central)
    rows: list[list[Any]] = []
    for number, (account, debit, credit) in enumerate(lines):
        head = [central.xid(name), str(journal), day, name] if number == 0 else [""] * 4
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


# --- read_group, as the reconciliation reads the central ledger back -----------------------


def _entries(
    central: Central, created: Created, entries: list[tuple[str, str]], *, posted: int
) -> tuple[list[int], int, int]:
    """Load one balanced entry (expense / cash) per (date, amount); post the first ``posted``.
    Returns the entries' ids and the two accounts."""
    cash, expense = _accounts(central)
    rows: list[list[Any]] = []
    for number, (day, amount) in enumerate(entries):
        lines = [(expense, amount, "0"), (cash, "0", amount)]
        rows += _move_rows(central, f"entry_{number}", lines, day=day)
    result = central.transport.execute("account.move", "load", MOVE_FIELDS, rows, **QUIET)
    assert result["messages"] == []
    created.add("account.move", result["ids"])
    central.transport.execute_void("account.move", "action_post", result["ids"][:posted])
    return result["ids"], cash, expense


def _account_names(central: Central, *ids: int) -> dict[int, str]:
    """Each account's display name: its code and name."""
    found = central.transport.execute("account.account", "read", list(ids), ["code", "name"])
    return {a["id"]: f"{a['code']} {a['name']}" for a in found}


LEDGER = [("2025-01-15", "0.100"), ("2025-01-31", "0.200"), ("2025-01-02", "1.001")]
LEDGER += [("2025-02-01", "3.333")]
"""Three January entries whose float sum is not 1.301 (0.1 + 0.2), posted; a February draft."""


@pytest.mark.parametrize("owner", ["journal_id", "company_id"])
def test_read_group_sums_lines_per_owner_account_month_and_state_to_the_fils(
    central: Central, created: Created, owner: str
) -> None:
    odoo = central.transport
    moves, cash, expense = _entries(central, created, LEDGER, posted=3)
    line = odoo.execute("account.move.line", "search_read", [["move_id", "=", moves[0]]], [owner])
    owner_value = line[0][owner]
    domain = [[owner, "in", [owner_value[0]]], ["move_id", "in", moves]]
    groups = odoo.execute(
        "account.move.line",
        "read_group",
        domain,
        ["debit:sum", "credit:sum"],
        [owner, "account_id", "date:month", "parent_state"],
        lazy=False,
    )
    names = _account_names(central, cash, expense)
    january = {"date:month": {"from": "2025-01-01", "to": "2025-02-01"}}
    february = {"date:month": {"from": "2025-02-01", "to": "2025-03-01"}}
    found = [
        (g["account_id"], g["date:month"], g["parent_state"], g["debit"], g["credit"])
        for g in groups
    ]
    assert found == [
        ([cash, names[cash]], "January 2025", "posted", 0.0, 1.301),
        ([cash, names[cash]], "February 2025", "draft", 0.0, 3.333),
        ([expense, names[expense]], "January 2025", "posted", 1.301, 0.0),
        ([expense, names[expense]], "February 2025", "draft", 3.333, 0.0),
    ]
    assert [(g["__count"], g["__range"], g[owner]) for g in groups] == [
        (3, january, owner_value),
        (1, february, owner_value),
        (3, january, owner_value),
        (1, february, owner_value),
    ]
    assert set(groups[0]) == {owner, "account_id", "date:month", "parent_state"} | {
        "debit",
        "credit",
        "__count",
        "__range",
        "__domain",
    }
    assert groups[0]["__domain"] == [
        *["&"] * 5,
        *domain,
        [owner, "=", owner_value[0]],
        ["account_id", "=", cash],
        "&",
        ["date", ">=", "2025-01-01"],
        ["date", "<", "2025-02-01"],
        ["parent_state", "=", "posted"],
    ]
    lazy = odoo.execute(
        "account.move.line",
        "read_group",
        domain,
        ["debit:sum", "credit:sum"],
        [owner, "account_id", "date:month", "parent_state"],
    )
    assert lazy == [
        {
            owner: owner_value,
            f"{owner}_count": 8,
            "debit": 4.634,
            "credit": 4.634,
            "__context": {"group_by": ["account_id", "date:month", "parent_state"]},
            "__domain": ["&", "&", *domain, [owner, "=", owner_value[0]]],
        }
    ]


def test_read_group_by_entry_and_account_with_a_period_and_a_state(
    central: Central, created: Created
) -> None:
    """The drill-down: one entry's sums per group (newest entry first, as account.move orders),
    then per entry and account within a month of posted lines."""
    odoo = central.transport
    moves, _, expense = _entries(central, created, LEDGER, posted=3)
    by_move = odoo.execute(
        "account.move.line",
        "read_group",
        [["move_id", "in", moves]],
        ["debit:sum", "credit:sum"],
        ["move_id"],
        lazy=False,
    )
    assert [(g["move_id"][0], g["debit"], g["credit"], g["__count"]) for g in by_move] == [
        (moves[3], 3.333, 3.333, 2),
        (moves[1], 0.2, 0.2, 2),
        (moves[0], 0.1, 0.1, 2),
        (moves[2], 1.001, 1.001, 2),
    ]
    assert set(by_move[0]) == {"move_id", "debit", "credit", "__count", "__domain"}
    assert by_move[0]["__domain"] == ["&", ["move_id", "in", moves], ["move_id", "=", moves[3]]]
    lazy = odoo.execute(
        "account.move.line", "read_group", [["move_id", "in", moves]], ["debit:sum"], ["move_id"]
    )
    assert [(g["move_id"][0], g["move_id_count"]) for g in lazy] == [
        (moves[3], 2),
        (moves[1], 2),
        (moves[0], 2),
        (moves[2], 2),
    ]
    assert "__context" not in lazy[0] and "__count" not in lazy[0]
    domain = [
        ["move_id", "in", moves],
        ["account_id", "=", expense],
        ["date", ">=", "2025-01-01"],
        ["date", "<", "2025-02-01"],
        ["parent_state", "=", "posted"],
    ]
    lines = odoo.execute(
        "account.move.line",
        "read_group",
        domain,
        ["debit:sum", "credit:sum"],
        ["move_id", "account_id"],
        lazy=False,
    )
    names = _account_names(central, expense)
    assert [(g["move_id"][0], g["account_id"], g["debit"], g["__count"]) for g in lines] == [
        (moves[1], [expense, names[expense]], 0.2, 1),
        (moves[0], [expense, names[expense]], 0.1, 1),
        (moves[2], [expense, names[expense]], 1.001, 1),
    ]
    assert lines[0]["__domain"] == [
        *["&"] * 6,
        *domain,
        ["move_id", "=", moves[1]],
        ["account_id", "=", expense],
    ]
    assert "__range" not in lines[0]


def test_read_group_counts_active_employees_per_company_and_department(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    department = odoo.execute(
        "hr.department",
        "load",
        ["id", "name"],
        [[central.xid("count_dept"), f"Count {central.module}"]],
        **QUIET,
    )["ids"]
    created.add("hr.department", department)
    employees = odoo.execute(
        "hr.employee",
        "load",
        ["id", "name", "department_id/.id", "active"],
        [
            [central.xid("count_1"), "Counted one", str(department[0]), "1"],
            [central.xid("count_2"), "Counted two", str(department[0]), "1"],
            [central.xid("count_3"), "Archived", str(department[0]), "0"],
            [central.xid("count_4"), "No department", "", "1"],
        ],
        **QUIET,
    )["ids"]
    created.add("hr.employee", employees)
    company = odoo.execute("hr.employee", "read", employees[:1], ["company_id"])[0]["company_id"]
    dept = odoo.execute("hr.department", "read", department, ["name"])[0]
    domain = [["active", "=", True], ["id", "in", employees]]
    for fields in (["company_id"], []):
        groups = odoo.execute(
            "hr.employee",
            "read_group",
            domain,
            fields,
            ["company_id", "department_id"],
            lazy=False,
        )
        assert groups == [
            {
                "company_id": company,
                "department_id": [department[0], dept["name"]],
                "__count": 2,
                "__domain": [
                    *["&"] * 3,
                    *domain,
                    ["company_id", "=", company[0]],
                    ["department_id", "=", department[0]],
                ],
            },
            {
                "company_id": company,
                "department_id": False,
                "__count": 1,
                "__domain": [
                    *["&"] * 3,
                    *domain,
                    ["company_id", "=", company[0]],
                    ["department_id", "=", False],
                ],
            },
        ]


def test_external_ids_of_entries_are_found_by_pattern_and_by_record(
    central: Central, created: Created
) -> None:
    odoo = central.transport
    moves, _, _ = _entries(central, created, LEDGER[:2], posted=0)
    by_name = odoo.execute(
        "ir.model.data",
        "search_read",
        [
            ["module", "=", central.module],
            ["model", "=", "account.move"],
            ["name", "=like", "entry_%"],
        ],
        ["name", "res_id"],
        order="name",
    )
    assert [(d["name"], d["res_id"]) for d in by_name] == [
        ("entry_0", moves[0]),
        ("entry_1", moves[1]),
    ]
    by_record = odoo.execute(
        "ir.model.data",
        "search_read",
        [["module", "=", central.module], ["model", "=", "account.move"], ["res_id", "in", moves]],
        ["name", "res_id"],
        order="name",
    )
    assert by_record == by_name


# --- load's failure isolation, as Odoo 17 reports it ---------------------------------------


def _deprecated_account(central: Central, created: Created) -> int:
    account = central.transport.execute(
        "account.account",
        "create",
        {
            "code": f"9{uuid.uuid4().hex[:5].upper()}",
            "name": "Contract deprecated",
            "account_type": "expense",
            "deprecated": True,
        },
    )
    created.add("account.account", account)
    return int(account)


def _entries_on(central: Central, accounts: list[int], tag: str) -> list[list[Any]]:
    """One entry per account given (that account against cash), in one ``load``'s rows."""
    cash, _ = _accounts(central)
    rows: list[list[Any]] = []
    for number, account in enumerate(accounts):
        lines = [(account, "1.000", "0"), (cash, "0", "1.000")]
        rows += _move_rows(central, f"{tag}_{number}", lines, day="2025-03-10")
    return rows


def _named(result: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(m["type"], m.get("record")) for m in result["messages"]]


def test_a_failing_load_tags_the_group_error_on_its_first_record_and_stops_after_ten_errors(
    central: Central, created: Created
) -> None:
    """Odoo 17's ``load`` makes the records all at once, then one by one when that fails: the
    all-at-once error is put first against the call's first record, whichever record caused
    it, and the one-by-one pass gives up after 10 errors, naming none of the records after."""
    odoo = central.transport
    _, good = _accounts(central)
    bad = _deprecated_account(central, created)
    accounts = [good] * 3 + [bad] * 12
    result = odoo.execute("account.move", "load", MOVE_FIELDS, _entries_on(central, accounts, "t"))
    assert result["ids"] is False
    assert _named(result) == [
        ("error", 0),
        *[("error", number) for number in range(3, 13)],
        ("warning", None),
    ]
    assert all("is deprecated" in m["message"] for m in result["messages"][:-1])
    assert "more than 10 errors" in result["messages"][-1]["message"]
    assert result["messages"][0]["rows"] == {"from": 0, "to": 1}
    one = odoo.execute(
        "account.move", "load", MOVE_FIELDS, _entries_on(central, [good, good, bad, good], "o")
    )
    assert _named(one) == [("error", 0), ("error", 2)]
    assert one["messages"][0]["message"] == one["messages"][1]["message"]
    first = odoo.execute(
        "account.move", "load", MOVE_FIELDS, _entries_on(central, [bad, good], "f")
    )
    assert _named(first) == [("error", 0)]
    assert odoo.execute("ir.model.data", "search", [["module", "=", central.module]]) == []


ENTRIES = Target(
    "journal_entry",
    "account.move",
    ("journal_id/id", "date", "ref"),
    read=lambda *_: iter(()),
    line_fields=("id", "account_id/.id", "name", "debit", "credit"),
    line_entity="journal_line",
    posts=True,
)
"""The loader's entries target, naming Odoo's accounts by database id."""


def _entry_records(central: Central, entries: list[tuple[int, str]], cash: int) -> list[Record]:
    """The loader's records of entries of 1.000 on (account, date) against cash, in the general
    journal (named by its external id, as the loader names a ministry's)."""
    journal = central.transport.execute(
        "ir.model.data",
        "search_read",
        [["model", "=", "account.journal"], ["res_id", "=", _general_journal(central)]],
        ["module", "name"],
    )[0]
    records = []
    for number, (account, day) in enumerate(entries):
        tag = f"entry_{uuid.uuid4().hex[:6]}"
        record = Record(
            "journal_entry",
            number,
            central.xid(tag),
            {"journal_id/id": f"{journal['module']}.{journal['name']}", "date": day, "ref": tag},
            "journal",
        )
        for side, (line_account, debit, credit) in enumerate(
            [(account, "1.000", "0"), (cash, "0", "1.000")]
        ):
            values = {"account_id/.id": str(line_account), "name": tag}
            values |= {"debit": debit, "credit": credit}
            record.lines.append(
                Line("journal_line", number * 2 + side, central.xid(f"{tag}_{side}"), values)
            )
        records.append(record)
    return records


def test_the_loader_quarantines_only_the_entries_odoo_refuses_alone(
    central: Central, created: Created
) -> None:
    """The issue's case: a chunk of 15 entries, 12 on a deprecated account; the first three
    and only they are loaded and posted, every bad one is refused with Odoo's message."""
    odoo = central.transport
    cash, good = _accounts(central)
    bad = _deprecated_account(central, created)
    records = _entry_records(central, [(good, "2025-03-10")] * 3 + [(bad, "2025-03-10")] * 12, cash)
    outcome = load_chunk(odoo, central.module, ENTRIES, records)
    created.add("account.move", [move for _, move in outcome.loaded])
    assert sorted(record.row_id for record, _ in outcome.loaded) == [0, 1, 2]
    assert outcome.posted == {move for _, move in outcome.loaded}
    assert sorted(record.row_id for record, _ in outcome.failed) == list(range(3, 15))
    assert all("is deprecated" in message for _, message in outcome.failed)
    assert len(outcome.line_ids) == 6


def test_load_takes_an_items_analytic_distribution_as_json_keyed_by_analytic_account_id(
    central: Central, created: Created
) -> None:
    """How the loader splits one ledger by ministry: a JSON column of percentages keyed by the
    analytic account's database id, kept with float percentages; Odoo checks JSON, not ids."""
    odoo = central.transport
    plan = odoo.execute("account.analytic.plan", "create", {"name": f"Plan {central.module}"})
    created.add("account.analytic.plan", plan)
    analytic = odoo.execute(
        "account.analytic.account", "create", {"name": "Contract ministry", "plan_id": plan}
    )
    created.add("account.analytic.account", analytic)
    cash, expense = _accounts(central)
    fields = [*MOVE_FIELDS, "line_ids/analytic_distribution"]
    split = json.dumps({str(analytic): 100})
    rows = _move_rows(central, "split", [(expense, "2.500", "0"), (cash, "0", "2.500")])
    rows = [[*row, split] for row in rows]
    result = odoo.execute("account.move", "load", fields, rows, **QUIET)
    assert result["messages"] == []
    created.add("account.move", result["ids"])
    odoo.execute_void("account.move", "action_post", result["ids"])
    lines = odoo.execute(
        "account.move.line",
        "search_read",
        [["move_id", "in", result["ids"]]],
        ["analytic_distribution"],
    )
    assert [line["analytic_distribution"] for line in lines] == [{str(analytic): 100.0}] * 2
    rows = _move_rows(central, "bad_split", [(expense, "1.000", "0"), (cash, "0", "1.000")])
    refused = odoo.execute(
        "account.move", "load", fields, [[*rows[0], "not json"], [*rows[1], ""]], **QUIET
    )
    assert refused["ids"] is False
    assert _named(refused) == [("error", 0)]
    assert "does not seem to be a valid JSON" in refused["messages"][0]["message"]


# --- lock dates --------------------------------------------------------------------------------

LOCKS = ["fiscalyear_lock_date", "period_lock_date"]


def test_posting_on_or_before_the_lock_date_moves_the_entry_to_the_first_open_date(
    central: Central, created: Created
) -> None:
    """Measured on Odoo 17: locked to 2020-12-31, entries dated 2020-06-30 and 2020-12-31 are
    posted as of 2021-01-31 (the first open month's end, that month being past), their items
    too, without a word; 2021-01-01 keeps its date. An Adviser (account manager) is held by the
    fiscal year's lock date only. The fiscal year cannot be locked over a draft entry."""
    odoo = central.transport
    company = odoo.execute("res.users", "read", [odoo.authenticate()], ["company_id"])[0]
    company_id = company["company_id"][0]
    before = odoo.execute("res.company", "read", [company_id], LOCKS)[0]
    adviser = odoo.execute("res.users", "has_group", "account.group_account_manager")
    cash, expense = _accounts(central)

    def load(name: str, day: str) -> int:
        rows = _move_rows(central, name, [(expense, "1.000", "0"), (cash, "0", "1.000")], day=day)
        result = odoo.execute("account.move", "load", MOVE_FIELDS, rows, **QUIET)
        assert result["messages"] == []
        created.add("account.move", result["ids"])
        return int(result["ids"][0])

    def dates(moves: list[int]) -> list[str]:
        read = odoo.execute("account.move", "read", moves, ["date", "state"])
        assert {move["state"] for move in read} == {"posted"}
        return [move["date"] for move in read]

    try:
        draft = load("pending", "2020-06-30")
        with pytest.raises(OdooError, match="unposted entries in the period"):
            odoo.execute("res.company", "write", [company_id], {LOCKS[0]: "2020-12-31"})
        odoo.execute("account.move", "unlink", [draft])
        odoo.execute("res.company", "write", [company_id], {LOCKS[0]: "2020-12-31"})
        moves = [load(f"lock_{n}", d) for n, d in enumerate(["2020-06-30", "2020-12-31"])]
        moves.append(load("open", "2021-01-01"))
        odoo.execute_void("account.move", "action_post", moves)
        assert dates(moves) == ["2021-01-31", "2021-01-31", "2021-01-01"]
        items = odoo.execute(
            "account.move.line", "search_read", [["move_id", "=", moves[0]]], ["date"]
        )
        assert {item["date"] for item in items} == {"2021-01-31"}
        odoo.execute("res.company", "write", [company_id], {LOCKS[0]: False})
        odoo.execute("res.company", "write", [company_id], {LOCKS[1]: "2020-12-31"})
        period = load("period", "2020-06-30")
        odoo.execute_void("account.move", "action_post", [period])
        assert dates([period]) == ["2020-06-30" if adviser else "2021-01-31"]
    finally:
        odoo.execute("res.company", "write", [company_id], {name: before[name] for name in LOCKS})
    assert odoo.execute("res.company", "read", [company_id], LOCKS)[0] == before


def test_the_loader_refuses_entries_in_a_locked_period_and_takes_back_a_redated_one(
    central: Central, created: Created
) -> None:
    """The lock date read as the loader reads it refuses the entry before it is sent; an entry
    posted anyway (the period locked after that read) is posted by Odoo as of another date, and
    the loader takes it back out of Odoo and refuses it."""
    odoo = central.transport
    company = odoo.execute("res.users", "read", [odoo.authenticate()], ["company_id"])[0]
    company_id = company["company_id"][0]
    before = odoo.execute("res.company", "read", [company_id], LOCKS)[0]
    cash, expense = _accounts(central)
    records = _entry_records(central, [(expense, "2020-06-30"), (expense, "2021-01-01")], cash)
    try:
        odoo.execute("res.company", "write", [company_id], {LOCKS[0]: "2020-12-31"})
        refusals = LockGuard().refusals(odoo, records)
        assert list(refusals) == [records[0].key]
        assert "before the lock date 2020-12-31" in refusals[records[0].key]
        outcome = load_chunk(odoo, central.module, ENTRIES, records)
        created.add("account.move", [move for _, move in outcome.loaded])
    finally:
        odoo.execute("res.company", "write", [company_id], {name: before[name] for name in LOCKS})
    assert [record.key for record, _ in outcome.loaded] == [records[1].key]
    assert outcome.posted == {outcome.loaded[0][1]}
    assert [(record.key, message) for record, message in outcome.failed] == [
        (
            records[0].key,
            "Odoo posted it as of 2021-01-31 instead of 2020-06-30, its own date (a lock date of "
            "its company); it was taken back out of Odoo",
        )
    ]
    assert (
        odoo.execute(
            "ir.model.data", "search", [["name", "=", records[0].xid[len(central.module) + 1 :]]]
        )
        == []
    )
