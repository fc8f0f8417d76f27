"""The Excel connector on small workbooks: the first sheet by default, typed cells as text."""

from __future__ import annotations

import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from connectors.base import ConnectorError
from connectors.excel import ExcelConnector
from consolidation.core.sources import ExcelSource
from consolidation.core.types import ReadLimits


def connector(path: Path, limits: ReadLimits | None = None, **entity: Any) -> ExcelConnector:
    spec = ExcelSource.model_validate(
        {
            "kind": "excel",
            "ministry": "moh",
            "domain": "finance",
            "name": "Payroll workbook",
            "entities": {"payroll": {"key": ["emp_no"], "path": str(path), **entity}},
        }
    )
    return ExcelConnector("moh_payroll", spec, limits=limits or ReadLimits())


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


def _workbook(path: Path, rows: int) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["emp_no", "salary"])
    for n in range(rows):
        sheet.append([f"{n:06d}", "850.500"])
    book.save(path)


def test_a_padded_sheet_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """A real 20-row workbook whose sheet XML is padded to expand far beyond its size (the
    probe's took 240 s and 4.4 GB): refused from the zip's directory, in one line."""
    plain, padded = tmp_path / "plain.xlsx", tmp_path / "padded.xlsx"
    _workbook(plain, 20)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (8 * 1024**2), 1)
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        list(connector(padded).extract("payroll"))
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert "sheet1.xml" in message and "sources.workbook_max_ratio" in message
    assert "\n" not in message
    bigger = connector(padded, limits=ReadLimits(workbook_max_part_bytes=4 * 1024**2))
    with pytest.raises(ConnectorError, match="over the limit of 4 MiB"):
        list(bigger.extract("payroll"))
    assert len([r for c in connector(plain).extract("payroll") for r in c.frame.index]) == 20


def test_rows_and_columns_past_the_limits_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "payroll.xlsx"
    _workbook(path, 20)
    with pytest.raises(ConnectorError, match=r"21 rows, over the limit of 10 \(sources"):
        list(connector(path, limits=ReadLimits(workbook_max_rows=10)).extract("payroll"))
    with pytest.raises(ConnectorError, match=r"2 columns, over the limit of 1 \(sources"):
        list(connector(path, limits=ReadLimits(workbook_max_columns=1)).extract("payroll"))
