"""Writing one table to an xlsxwriter worksheet: typed columns, amounts as numbers to the fils,
Arabic text right to left, the header frozen and filtered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from xlsxwriter.utility import xl_col_to_name

from consolidation.reconcile.render.display import has_arabic, utc

AMOUNT = "#,##0.000"
RED, RED_FILL, AMBER_FILL = "#B42318", "#FEE4E2", "#FEF3C7"

Kind = Literal["text", "amount", "int", "time"]


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "text"
    width: float = 12


def amount(header: str) -> Column:
    return Column(header, "amount", 16)


def count(header: str) -> Column:
    return Column(header, "int", 10)


def position(columns: Sequence[Column], header: str) -> int:
    return [column.header for column in columns].index(header)


def letter(columns: Sequence[Column], header: str) -> str:
    """The column's letter, for formulas: ``letter(SUMMARY, "Differing")`` is "G"."""
    return str(xl_col_to_name(position(columns, header)))


class Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format(
            {"bold": True, "bg_color": "#F2F4F7", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.amount = book.add_format({"num_format": AMOUNT})
        self.int = book.add_format({"num_format": "#,##0"})
        self.time = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.text = book.add_format({})
        self.rtl = book.add_format({"align": "right", "reading_order": 2})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.alarm = book.add_format({"bold": True, "font_color": RED, "bg_color": RED_FILL})
        self.red_row = book.add_format({"bg_color": RED_FILL, "font_color": RED})
        self.amber_row = book.add_format({"bg_color": AMBER_FILL})
        self.red_text = book.add_format({"bold": True, "font_color": RED})


def write_value(sheet: Any, formats: Formats, row: int, col: int, kind: Kind, value: Any) -> None:
    """One cell: an amount is a number (a Decimal becomes a float only as the cell's value),
    text with Arabic in it is right-aligned and reads right to left."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, formats.amount if kind == "amount" else None)
    elif kind == "amount":
        sheet.write_number(row, col, float(Decimal(value)), formats.amount)
    elif kind == "int":
        sheet.write_number(row, col, value, formats.int)
    elif kind == "time":
        assert isinstance(value, datetime)
        sheet.write_datetime(row, col, utc(value), formats.time)
    else:
        text = str(value)
        sheet.write_string(row, col, text, formats.rtl if has_arabic(text) else formats.text)


def write_table(
    sheet: Any,
    formats: Formats,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    first_row: int = 0,
) -> int:
    """Write the header at ``first_row`` and the rows under it, freeze the header and filter
    the table; returns the last data row (the header's row when there is none)."""
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
        sheet.write_string(first_row, col, column.header, formats.header)
    last = first_row
    for last, values in enumerate(rows, start=first_row + 1):
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            write_value(sheet, formats, last, col, column.kind, value)
    sheet.freeze_panes(first_row + 1, 0)
    sheet.autofilter(first_row, 0, last, len(columns) - 1)
    return last


def highlight_rows(
    sheet: Any,
    first_row: int,
    last_row: int,
    width: int,
    formula: str,
    fmt: Any,
) -> None:
    """Colour a whole data row when ``formula`` (written for the first data row) holds."""
    sheet.conditional_format(
        first_row,
        0,
        max(last_row, first_row),
        width - 1,
        {"type": "formula", "criteria": formula, "format": fmt},
    )
