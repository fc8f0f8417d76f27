"""An Odoo value whose shape its field type does not allow is one line naming row and field."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import ConnectorError
from connectors.odoo import OdooConnector
from consolidation.core.sources import OdooSource


def test_a_value_its_field_type_does_not_allow_names_the_row_and_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MYS_ODOO_PASSWORD", "not-used")
    spec = OdooSource.model_validate(
        {
            "kind": "odoo",
            "ministry": "mys",
            "domain": "hr",
            "name": "MYS Odoo",
            "url": "http://127.0.0.1:1",
            "database": "mys",
            "login": "etl",
            "password_env": "MYS_ODOO_PASSWORD",
            "entities": {"employee": {"model": "hr.employee", "fields": ["name", "dept"]}},
        }
    )
    connector = OdooConnector("mys_hr", spec)

    def call(entity: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if method == "fields_get":
            return {"name": {"type": "char"}, "dept": {"type": "many2one"}}
        assert method == "search_read"
        return [
            {"id": 1, "name": "Ali", "dept": [3, "HR"]},
            {"id": 2, "name": "Sara", "dept": 7},  # a customized server's bare id
        ]

    monkeypatch.setattr(connector, "_call", call)
    with pytest.raises(ConnectorError) as caught:
        for _ in connector.extract("employee"):
            pass
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("source 'mys_hr': model 'hr.employee'")
    assert "row 2 (id 2), field 'dept' holds a value of type int" in message
    assert "many2one" in message


def test_a_connector_refuses_a_source_of_another_kind() -> None:
    from connectors.csv import CsvConnector

    spec = OdooSource.model_validate(
        {
            "kind": "odoo", "ministry": "mys", "domain": "hr", "name": "MYS Odoo",
            "url": "http://127.0.0.1:1", "database": "mys", "login": "etl",
            "password_env": "MYS_ODOO_PASSWORD",
            "entities": {"employee": {"model": "hr.employee", "fields": ["name"]}},
        }
    )  # fmt: skip
    with pytest.raises(TypeError, match="CsvConnector needs a csv source, not 'odoo'"):
        CsvConnector("mys_hr", spec)
