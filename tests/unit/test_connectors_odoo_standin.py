"""The Odoo stand-in's domain and order logic behaves as Odoo's does on the cases tests use."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest

from tests.odoo_standin import OdooStandIn
from tests.odoo_standin.server import Model, matches, search_read, sort_records


@pytest.fixture
def model() -> Model:
    standin = OdooStandIn()
    standin.add_records(
        "hr.employee",
        {"name": "char", "active": "boolean", "wage": "float", "category_ids": "many2many"},
        [
            {"name": "Fatima", "active": True, "wage": 850.5, "category_ids": [1, 2]},
            {"name": "Ali", "active": False, "wage": 1200.0},
            {"name": None, "active": True, "wage": None},
        ],
    )
    return standin.models["hr.employee"]


def ids(model: Model, domain: list[Any]) -> list[int]:
    return [rid for rid, record in model.records.items() if matches(model, record, domain)]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([], [1, 2, 3]),
        ([["active", "=", True]], [1, 3]),
        ([["active", "=", True], ["wage", ">", 900]], []),
        (["|", ["wage", ">", 900], ["name", "=", False]], [2, 3]),
        (["!", ["name", "in", ["Ali", "Fatima"]]], [3]),
        ([["name", "!=", False]], [1, 2]),
        ([["id", ">", 1], ["id", "<", 3]], [2]),
        ([["name", "ilike", "ali"]], [2]),
        ([["category_ids", "in", [2]]], [1]),
        (["&", ["active", "=", True], "|", ["wage", "<", 900], ["wage", "=", False]], [1, 3]),
    ],
)
def test_domains(model: Model, domain: list[Any], expected: list[int]) -> None:
    assert ids(model, domain) == expected


def test_an_unknown_field_or_operator_is_a_fault(model: Model) -> None:
    with pytest.raises(xmlrpc.client.Fault) as unknown_field:
        ids(model, [["x_cpr", "=", "1"]])
    with pytest.raises(xmlrpc.client.Fault) as unknown_operator:
        ids(model, [["name", "child_of", 1]])

    last_line = unknown_field.value.faultString.strip().splitlines()[-1]
    assert last_line == "ValueError: Invalid field 'x_cpr' on model 'hr.employee'"
    assert "unknown operator 'child_of'" in unknown_operator.value.faultString


def test_order_puts_empty_values_last_when_ascending(model: Model) -> None:
    records = list(model.records.values())

    assert [r["id"] for r in sort_records(model, records, "wage asc")] == [1, 2, 3]
    assert [r["id"] for r in sort_records(model, records, "wage desc, id")] == [3, 2, 1]
    assert [r["id"] for r in sort_records(model, records, "active desc, id desc")] == [3, 1, 2]


def test_search_read_sends_false_for_empty_and_pages(model: Model) -> None:
    standin = OdooStandIn()
    standin.context = {"active_test": False}
    found = search_read(standin, model, [], ["name", "category_ids"], offset=1, limit=5)

    assert found == [
        {"id": 2, "name": "Ali", "category_ids": []},
        {"id": 3, "name": False, "category_ids": []},
    ]


def test_search_hides_archived_records_unless_asked(model: Model) -> None:
    standin = OdooStandIn()
    assert [r["id"] for r in search_read(standin, model, [], ["name"])] == [1, 3]
    assert [r["id"] for r in search_read(standin, model, [["active", "=", False]], ["name"])] == [2]
    standin.context = {"active_test": False}
    assert [r["id"] for r in search_read(standin, model, [], ["name"])] == [1, 2, 3]
