"""The Excel connector on small workbooks: the first sheet by default, typed cells as text."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from connectors.excel import ExcelConnector
from consolidation.core.sources import ExcelSource


def connector(path: Path, **entity: Any) -> ExcelConnector:
    spec = ExcelSource.model_validate(
        {
            "kind": "excel",
            "ministry": "moh",
            "domain": "finance",
            "name": "Payroll workbook",
            "entities": {"payroll": {"key": ["emp_no"], "path": str(path), **entity}},
        }
    )
    return ExcelConnector("moh_payroll", spec)


def test_first_sheet_typed_cells_and_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "payroll.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([" emp_no ", "amount", 2025, "paid_on", None])
    sheet["E1"].number_format = "0.000"  # a formatted, empty header cell is no column
    sheet.append(["000123", 850.5, 1, date(2025, 3, 1)])
    sheet.append([None, None, None, None])
    sheet.append([123, 1200, None, "not a date"])
    book.save(path)

    with connector(path) as excel:
        chunks = list(excel.extract("payroll"))
    records = [r for chunk in chunks for r in chunk.frame.to_dict("records")]

    assert records == [
        {
            "emp_no": "000123",
            "amount": "850.5",
            "2025": "1",
            "paid_on": "2025-03-01",
            "_source_key": "000123",
        },
        {
            "emp_no": "123",
            "amount": "1200",
            "2025": None,
            "paid_on": "not a date",
            "_source_key": "123",
        },
    ]
    assert excel.totals["payroll"].rows == 2
