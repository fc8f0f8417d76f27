"""The reconciliation as an Excel workbook: a summary with a native chart and the fingerprint,
a sheet per comparison, and the drill-downs (explanations, differences, headcount, changes,
sign-offs). Amounts are numbers formatted to the fils, never text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from consolidation.reconcile.model import Comparison, Figures, Reconciliation
from consolidation.reconcile.render.drilldown import (
    write_changes,
    write_differences,
    write_explanations,
    write_headcount,
    write_signoffs,
)
from consolidation.reconcile.render.sheet import (
    RED,
    Column,
    Formats,
    Kind,
    amount,
    count,
    highlight_rows,
    letter,
    position,
    write_table,
    write_value,
)

SUMMARY_TOP = 2
"""The summary table's header row: above it, the outcome and any reopened period."""

BATCH_HEADERS = ("Source", "Batch", "Status", "Extracted (UTC)", "Raw chunks", "Raw SHA-256")
BATCH_KINDS: tuple[Kind, ...] = ("text", "int", "text", "time", "int", "text")

# Column A also holds the fingerprint's labels, and D the batches' extraction times: hence their
# widths.
SUMMARY = (
    Column("Ministry", width=24),
    Column("Ministry name", width=28),
    Column("Comparison", width=22),
    Column("Left side", width=20),
    Column("Right side", width=10),
    count("Cells"),
    count("Differing"),
    count("Left lines"),
    amount("Left debit"),
    amount("Left credit"),
    count("Right lines"),
    amount("Right debit"),
    amount("Right credit"),
    amount("Explained debit"),
    amount("Explained credit"),
    amount("Residual debit"),
    amount("Residual credit"),
    Column("Chart label", width=30),
)


def write_xlsx(result: Reconciliation, path: Path) -> Path:
    """Write the workbook one sheet after another, each row once (constant memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        formats = Formats(book)
        _summary(book, formats, result)
        for comparison in result.comparisons():
            _comparison(book, formats, result, comparison)
        write_explanations(book, formats, result)
        write_differences(book, formats, result)
        write_headcount(book, formats, result)
        write_changes(book, formats, result)
        write_signoffs(book, formats, result)
    finally:
        book.close()
    return path


def _summary(book: Any, formats: Formats, result: Reconciliation) -> None:
    sheet = book.add_worksheet("Summary")
    run = "" if result.run_id is None else f" run {result.run_id}"
    outcome_format = formats.alarm if result.exit_code else formats.title
    sheet.write_string(0, 0, f"Reconciliation{run}: {result.outcome.value}", outcome_format)
    if result.reopened:
        periods = ", ".join(f"{change.ministry} {change.period}" for change in result.reopened)
        sheet.write_string(1, 0, f"Reopened since sign-off: {periods}", formats.alarm)
    rows = [
        (
            row["ministry"],
            result.ministries.get(row["ministry"], row["ministry"]),
            row["comparison"].value,
            *row["comparison"].sides,
            row["cells"],
            row["different"],
            row["left"].count,
            row["left"].debit,
            row["left"].credit,
            row["right"].count,
            row["right"].debit,
            row["right"].credit,
            row["explained"].debit,
            row["explained"].credit,
            row["residual"].debit,
            row["residual"].credit,
            f"{row['ministry']} {row['comparison'].value}",
        )
        for row in result.summary()
    ]
    last = write_table(sheet, formats, SUMMARY, rows, first_row=SUMMARY_TOP)
    first = SUMMARY_TOP + 1
    differing = f"=${letter(SUMMARY, 'Differing')}{first + 1}>0"
    highlight_rows(sheet, first, last, len(SUMMARY), differing, formats.red_row)
    below = last + 2
    if rows:
        sheet.insert_chart(below, 0, _chart(book, first, last), {"x_scale": 1.6, "y_scale": 1.2})
        below += 20
    _fingerprint(sheet, formats, result, below)


def _chart(book: Any, first: int, last: int) -> Any:
    """Left against right debit per ministry and comparison, from the summary's cells."""
    chart = book.add_chart({"type": "column"})
    label = position(SUMMARY, "Chart label")
    categories = ["Summary", first, label, last, label]
    for name, colour in (("Left debit", "#1D4ED8"), ("Right debit", "#15803D")):
        col = position(SUMMARY, name)
        chart.add_series(
            {
                "name": name,
                "categories": categories,
                "values": ["Summary", first, col, last, col],
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": "Debit per ministry and comparison: left side against right side"})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    return chart


def _fingerprint(sheet: Any, formats: Formats, result: Reconciliation, row: int) -> None:
    """Below the chart: what was compared (the batches and their raw checksums, the Odoo, the
    time and the operator), then the notes."""
    fp = result.fingerprint
    scope = result.scope
    facts: list[tuple[str, Kind, Any]] = [
        ("Run", "int", result.run_id),
        ("Previous run of this scope", "int", result.previous_run_id),
        ("Outcome", "text", result.outcome.value),
        ("Operator", "text", fp.operator),
        ("Time (UTC)", "time", fp.at),
        ("Store", "text", fp.store),
        ("Central Odoo", "text", fp.central_url or "not compared"),
        ("Central database", "text", fp.central_database or ""),
        ("Central calls", "int", result.central_calls),
        ("Ministries", "text", ", ".join(scope.ministries) or "all"),
        ("Periods", "text", f"{scope.period_from or 'first'} to {scope.period_to or 'last'}"),
        ("Levels", "text", ", ".join(scope.levels)),
    ]
    sheet.write_string(row, 0, "Fingerprint", formats.title)
    for offset, (label, kind, value) in enumerate(facts, start=1):
        sheet.write_string(row + offset, 0, label, formats.bold)
        write_value(sheet, formats, row + offset, 1, kind, value)
    header = row + len(facts) + 2
    for col, title in enumerate(BATCH_HEADERS):
        sheet.write_string(header, col, title, formats.header)
    for offset, batch in enumerate(fp.batches, start=1):
        values = (
            batch.source_system,
            batch.batch_id,
            batch.status,
            batch.extracted_at,
            batch.raw_chunks,
            batch.raw_sha256,
        )
        for col, (kind, value) in enumerate(zip(BATCH_KINDS, values, strict=True)):
            write_value(sheet, formats, header + offset, col, kind, value)
    if result.notes:
        notes = header + len(fp.batches) + 2
        sheet.write_string(notes, 0, "Notes", formats.title)
        for offset, note in enumerate(result.notes, start=1):
            write_value(sheet, formats, notes + offset, 0, "text", note)


def _comparison(
    book: Any, formats: Formats, result: Reconciliation, comparison: Comparison
) -> None:
    columns = comparison_columns(comparison)
    cells = sorted(result.cells_of(comparison), key=lambda c: (c.ministry, c.account, c.period))
    sheet = book.add_worksheet(comparison.value[:31])
    if any(cell.status == "different" for cell in cells):
        sheet.set_tab_color(RED)
    rows = (
        (
            cell.ministry,
            cell.account,
            cell.account_name,
            cell.period,
            cell.status.value,
            *_figures(cell.left),
            *_figures(cell.right),
            *_figures(cell.quarantined),
            *_figures(cell.rejected),
            *_figures(cell.residual),
            cell.tolerance,
        )
        for cell in cells
    )
    last = write_table(sheet, formats, columns, rows)
    width, status = len(columns), letter(columns, "Status")
    highlight_rows(sheet, 1, last, width, f'=${status}2="different"', formats.red_row)
    highlight_rows(sheet, 1, last, width, f'=${status}2="tolerated"', formats.amber_row)
    sheet.conditional_format(
        1,
        position(columns, "Residual lines"),
        max(last, 1),
        position(columns, "Residual credit"),
        {"type": "cell", "criteria": "!=", "value": 0, "format": formats.red_text},
    )


def comparison_columns(comparison: Comparison) -> tuple[Column, ...]:
    """A comparison sheet's columns, the two sides named as the comparison names them."""
    left, right = comparison.sides
    return (
        Column("Ministry", width=10),
        Column("Account", width=12),
        Column("Account name", width=32),
        Column("Period", width=10),
        Column("Status", width=11),
        count(f"{left.capitalize()} lines"),
        amount(f"{left.capitalize()} debit"),
        amount(f"{left.capitalize()} credit"),
        count(f"{right.capitalize()} lines"),
        amount(f"{right.capitalize()} debit"),
        amount(f"{right.capitalize()} credit"),
        count("Quarantined lines"),
        amount("Quarantined debit"),
        amount("Quarantined credit"),
        count("Rejected lines"),
        amount("Rejected debit"),
        amount("Rejected credit"),
        count("Residual lines"),
        amount("Residual debit"),
        amount("Residual credit"),
        amount("Tolerance"),
    )


def _figures(figures: Figures) -> tuple[int, Decimal, Decimal]:
    return figures.count, figures.debit, figures.credit
