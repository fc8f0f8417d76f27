"""How cell and field values become text: exact, with no float digits invented or lost."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from connectors.excel import _text as cell_text
from connectors.odoo import _converter as odoo_converter


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        ("000123", "000123"),
        (" فاطمة ", " فاطمة "),
        (True, "true"),
        (False, "false"),
        (123, "123"),
        (0, "0"),
        (1200.0, "1200"),
        (850.5, "850.5"),
        (1500.125, "1500.125"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e16, "10000000000000000"),
        (-0.75, "-0.75"),
        (datetime(2025, 3, 1), "2025-03-01"),
        (datetime(2025, 3, 1, 10, 15), "2025-03-01 10:15:00"),
        (datetime(2025, 3, 1, 0, 0, 0, 500000), "2025-03-01 00:00:00.500000"),
        (date(2025, 3, 1), "2025-03-01"),
        (time(8, 30), "08:30:00"),
        (timedelta(hours=36), "1 day, 12:00:00"),
    ],
)
def test_excel_cell_text(value: Any, text: str | None) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("field_type", "value", "text"),
    [
        ("boolean", False, "false"),
        ("boolean", True, "true"),
        ("char", False, None),
        ("char", "000123", "000123"),
        ("text", "سطر", "سطر"),
        ("date", "2025-03-01", "2025-03-01"),
        ("date", False, None),
        ("datetime", "2025-03-01 10:15:00", "2025-03-01 10:15:00"),
        ("selection", "draft", "draft"),
        ("many2one", [7, "Human Resources"], "7"),
        ("many2one", False, None),
        ("many2many", [3, 4, 12], "3,4,12"),
        ("one2many", [], None),
        ("float", 850.5, "850.5"),
        ("monetary", 1200.0, "1200"),
        ("monetary", 0.0, "0"),
        ("monetary", False, None),
        ("integer", 0, "0"),
        ("integer", 42, "42"),
        ("an_unknown_type", "x", "x"),
    ],
)
def test_odoo_field_text(field_type: str, value: Any, text: str | None) -> None:
    assert odoo_converter(field_type)(value) == text
