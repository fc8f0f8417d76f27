"""Extract a sheet of an Excel workbook (.xlsx), streamed as text.

The workbook is read in openpyxl's read-only mode with cached formula values, so a large sheet
streams row by row. Cells become text: a whole number '123', another number its shortest exact
repr ('850.5'), a date '2025-03-01', a timestamp '2025-03-01 10:15:00'; a text cell stays as
written, so an id typed as text keeps its leading zeros. Fully blank rows hold no record.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from connectors.base import Connector
from consolidation.core.sources import ExcelEntity

# What openpyxl raises for a file that is not an .xlsx workbook, or a damaged one.
_NOT_A_WORKBOOK = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, EOFError)


class ExcelConnector(Connector):
    """Workbooks of a source; each entity is one sheet with its header row."""

    kind: ClassVar[str] = "excel"

    def _prepare(self) -> None:
        self._books: dict[str, Workbook] = {}

    def close(self) -> None:
        for book in self._books.values():
            book.close()
        self._books.clear()

    def _open(self, entity: str) -> list[str]:
        sheet = self._sheet(entity)
        row = next(_rows(sheet, min_row=self._header_row(entity)), ())
        header = list(row)
        while header and cell_text(header[-1]) is None:  # formatted but empty columns on the right
            header.pop()
        if not header:
            raise self.error(f"{self._where(entity)} is blank: the sheet has no header there")
        columns = [
            (cell_text(value) or "").strip() or f"Unnamed: {index}"
            for index, value in enumerate(header)
        ]
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        if repeated:
            raise self.error(f"{self._where(entity)} names column {repeated[0]!r} more than once")
        return columns

    def _frames(self, entity: str, *, since: datetime | None) -> Iterator[pd.DataFrame]:
        columns = self._open(entity)
        sheet = self._sheet(entity)
        rows: list[list[str | None]] = []
        try:
            for row in _rows(sheet, min_row=self._header_row(entity) + 1, max_col=len(columns)):
                values = [cell_text(value) for value in row]
                if any(value is not None for value in values):
                    rows.append(values)
                    if len(rows) == self.chunk_size:
                        yield pd.DataFrame(rows, columns=columns, dtype=object)
                        rows = []
            if rows:
                yield pd.DataFrame(rows, columns=columns, dtype=object)
        finally:
            book = self._books.pop(entity, None)
            if book is not None:
                book.close()

    def _where(self, entity: str) -> str:
        spec = self._entity(entity)
        sheet = f"sheet {spec.sheet!r}" if spec.sheet else "the first sheet"
        return f"file {self.resolve(spec.path)}, {sheet}, header row {spec.header_row}"

    def _entity(self, entity: str) -> ExcelEntity:
        spec = self.entity_spec(entity)
        assert isinstance(spec, ExcelEntity)
        return spec

    def _header_row(self, entity: str) -> int:
        return self._entity(entity).header_row

    def _sheet(self, entity: str) -> ReadOnlyWorksheet:
        spec = self._entity(entity)
        path = self.resolve(spec.path)
        book = self._books.get(entity)
        if book is None:
            book = self._books[entity] = self._load(path)
        if spec.sheet is None:
            sheet = book.worksheets[0]
        elif spec.sheet in book.sheetnames:
            sheet = book[spec.sheet]
        else:
            raise self.error(
                f"file {path} has no sheet {spec.sheet!r}; its sheets are "
                f"{', '.join(repr(name) for name in book.sheetnames)}"
            )
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise self.error(f"file {path}: sheet {sheet.title!r} is a chart, not a worksheet")
        self._check_dimensions(path, sheet)
        return sheet

    def _check_parts(self, path: Path) -> None:
        """Before openpyxl parses anything: no part of the zip may expand past the limit or be
        compressed far beyond what a spreadsheet's XML reaches (a padded sheet, a zip bomb)."""
        try:
            with zipfile.ZipFile(path) as archive:
                parts = archive.infolist()
        except (zipfile.BadZipFile, OSError):
            return  # not a workbook at all: openpyxl's own refusal names it
        limits = self.limits
        for part in parts:
            if part.file_size > limits.workbook_max_part_bytes:
                raise self.error(
                    f"file {path}: part {part.filename!r} would expand to "
                    f"{_size(part.file_size)}, over the limit of "
                    f"{_size(limits.workbook_max_part_bytes)} (sources.workbook_max_part_bytes)"
                )
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > 1024**2 and ratio > limits.workbook_max_ratio:
                raise self.error(
                    f"file {path}: part {part.filename!r} is compressed {ratio:,.0f} to 1, over "
                    f"the limit of {limits.workbook_max_ratio} to 1 (sources.workbook_max_ratio); "
                    "a spreadsheet's XML reaches about 10 to 30"
                )

    def _check_dimensions(self, path: Path, sheet: ReadOnlyWorksheet) -> None:
        """The rows and columns the sheet declares, within the limits, before it is read."""
        limits = self.limits
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > limits.workbook_max_rows:
            raise self.error(
                f"file {path}, sheet {sheet.title!r}: {rows:,} rows, over the limit of "
                f"{limits.workbook_max_rows:,} (sources.workbook_max_rows)"
            )
        if columns > limits.workbook_max_columns:
            raise self.error(
                f"file {path}, sheet {sheet.title!r}: {columns:,} columns, over the limit of "
                f"{limits.workbook_max_columns:,} (sources.workbook_max_columns)"
            )

    def _load(self, path: Path) -> Workbook:
        self._check_parts(path)
        try:
            return load_workbook(path, read_only=True, data_only=True)
        except FileNotFoundError:
            raise self.error(f"file {path} does not exist") from None
        except InvalidFileException as exc:
            # openpyxl names the format it refuses ('.csv', the old '.xls').
            raise self.error(f"file {path} is not an .xlsx workbook: {exc}") from None
        except _NOT_A_WORKBOOK as exc:
            reason = "it is not a zip archive" if isinstance(exc, zipfile.BadZipFile) else exc
            raise self.error(
                f"file {path} is not an .xlsx workbook ({reason}); is it a CSV or an old .xls "
                "file renamed? Save it from Excel as .xlsx"
            ) from None
        except OSError as exc:
            raise self.error(f"file {path} cannot be read: {exc.strerror or exc}") from None


def _size(count: int) -> str:
    return f"{count / 1024**2:,.0f} MiB" if count >= 1024**2 else f"{count:,} bytes"


def _rows(sheet: ReadOnlyWorksheet, **bounds: int) -> Iterator[tuple[Any, ...]]:
    """The sheet's cell values row by row (every row padded to ``max_col`` when given)."""
    # openpyxl's stubs type iter_rows for Worksheet only; ReadOnlyWorksheet shares the function.
    rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True, **bounds)  # type: ignore[misc]
    return rows


def cell_text(value: Any) -> str | None:
    """A cell value as text; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second or value.microsecond:
            return value.isoformat(sep=" ")
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _number_text(value: float) -> str:
    """A float as exact text: '1200' for a whole number, else the shortest repr ('850.5')."""
    if value.is_integer():
        return str(int(value))
    return repr(value)
