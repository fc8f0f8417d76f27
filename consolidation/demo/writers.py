"""Where demo rows go: database tables in bulk (COPY on PostgreSQL), CSV files, Excel workbooks.

Everything written is a function of its input only: no clock reaches a file, so the same seed
gives the same bytes (workbook properties and zip entry times are fixed).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class SqlSink:
    """Drop and create a metadata's tables in one database, then append rows in bulk.

    PostgreSQL gets COPY through psycopg; SQLite and MariaDB get ``executemany`` (PyMySQL turns
    it into multi-row INSERTs). Everything is one transaction, committed on a clean exit.
    """

    def __init__(self, url: str, metadata: sa.MetaData) -> None:
        self.engine = sa.create_engine(url)
        self.metadata = metadata
        self.dialect = self.engine.dialect.name
        self._connection: Any = None

    def __enter__(self) -> SqlSink:
        self.metadata.drop_all(self.engine)
        self.metadata.create_all(self.engine)
        self._connection = self.engine.raw_connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._connection.commit()
            else:
                self._connection.rollback()
        finally:
            self._connection.close()
            self.engine.dispose()

    def append(self, table: str, rows: Sequence[Sequence[object]]) -> None:
        """Append rows whose values are in the table's column order."""
        if not rows:
            return
        target = self.metadata.tables[table]
        preparer = self.engine.dialect.identifier_preparer
        name = preparer.format_table(target)
        columns = ", ".join(preparer.quote(column.name) for column in target.columns)
        if self.dialect == "postgresql":
            driver = self._connection.driver_connection
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        markers = ", ".join([marker] * len(target.columns))
        cursor = self._connection.cursor()
        try:
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({markers})", rows)
        finally:
            cursor.close()

    def append_records(self, table: str, records: Iterable[Mapping[str, object]]) -> int:
        """Append rows given as column → value mappings; returns how many."""
        order = [column.name for column in self.metadata.tables[table].columns]
        rows = [tuple(record[column] for column in order) for record in records]
        self.append(table, rows)
        return len(rows)


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    lineterminator: str = "\n",
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows(rows)


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its rows from row 1 (title rows and blanks included)."""

    title: str
    rows: list[list[object]]
    date_format: str = "DD/MM/YYYY"


def write_workbook(path: Path, sheets: Sequence[Sheet], *, moment: datetime) -> None:
    """An .xlsx whose bytes depend only on its content and ``moment`` (its created/modified)."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        for row in sheet.rows:
            worksheet.append(row)
        for cells in worksheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, date | datetime):
                    cell.number_format = sheet.date_format
    workbook.properties.creator = "consolidation demo"
    workbook.properties.lastModifiedBy = "consolidation demo"
    workbook.properties.created = moment
    workbook.properties.modified = moment
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
