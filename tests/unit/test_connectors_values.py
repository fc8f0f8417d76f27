"""How cell and field values become text: exact, with no float digits invented or lost."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from connectors.excel import cell_text
from connectors.keys import SourceKeys
from connectors.odoo import field_converter
from consolidation.core.types import SOURCE_KEY, text_table


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
    assert field_converter(field_type)(value) == text


def test_source_keys_join_key_columns_and_hash_records_without_a_key() -> None:
    """A key of several columns is joined by '|' (a missing part is empty); a record whose whole
    key is missing is keyed by a hash of its content, so it keeps the same key on every run."""
    frame = pd.DataFrame(
        {
            "ministry": ["MOH", "MOH", None, None],
            "emp_no": ["7", None, "9", None],
            "name": ["مريم", "Ali", "Huda", "بلا رقم"],
        },
        dtype=object,
    )
    table = text_table(frame)

    def source_keys(table: pa.Table, key: list[str]) -> list[str]:
        return list(SourceKeys(list(key)).add_to(table).column(SOURCE_KEY).to_pylist())

    content = "\x1f".join(["", "", "بلا رقم"])
    hashed = "#" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:20]

    assert source_keys(table, ["ministry", "emp_no"]) == [
        "MOH|7",
        "MOH|",
        "|9",
        hashed,
    ]
    single = source_keys(table, ["emp_no"])
    assert single[0] == "7" and single[2] == "9"
    assert single[1] == "#" + hashlib.sha256(b"MOH\x1f\x1fAli").hexdigest()[:20]
    assert single[3] == hashed
