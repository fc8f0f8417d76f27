"""The workbook's drill-down sheets: what explains a cell, what differs entry by entry and line
by line, the headcount, what changed since the previous run and the sign-offs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from consolidation.reconcile.model import Difference, Reconciliation
from consolidation.reconcile.render.sheet import (
    RED,
    Column,
    Formats,
    amount,
    count,
    highlight_rows,
    letter,
    write_table,
)

EXPLANATIONS = (
    Column("Comparison", width=22),
    Column("Ministry", width=10),
    Column("Account", width=12),
    Column("Period", width=10),
    Column("Kind", width=11),
    Column("Source system", width=14),
    Column("Entity", width=14),
    Column("Source key", width=24),
    Column("Entry", width=20),
    amount("Debit"),
    amount("Credit"),
    Column("Rules", width=40),
)

DIFFERENCES = (
    Column("Comparison", width=22),
    Column("Ministry", width=10),
    Column("Account", width=12),
    Column("Period", width=10),
    Column("Kind", width=20),
    Column("Entry", width=20),
    Column("Source system", width=14),
    Column("Sides", width=16),
    Column("Level", width=7),
    Column("Line key", width=24),
    Column("Line account", width=12),
    count("Left lines"),
    amount("Left debit"),
    amount("Left credit"),
    count("Right lines"),
    amount("Right debit"),
    amount("Right credit"),
    Column("Detail", width=40),
)

HEADCOUNT = (
    Column("Ministry", width=10),
    Column("Ministry name", width=28),
    Column("Org unit", width=28),
    count("Source"),
    count("Staged"),
    count("Persons"),
    count("Quarantined"),
    count("Rejected"),
    count("Unaccounted"),
    count("Expected active"),
    count("Active in Odoo"),
    count("Odoo residual"),
    Column("Status", width=11),
)

CHANGES = (
    Column("Change", width=17),
    Column("Ministry", width=10),
    Column("Ministry name", width=28),
    Column("Period", width=10),
    Column("Comparison", width=22),
    Column("Account", width=12),
    Column("Detail", width=50),
)

SIGNOFFS = (
    count("Sign-off"),
    Column("Ministry", width=10),
    Column("Ministry name", width=28),
    Column("Period", width=10),
    count("Run"),
    Column("Signed by", width=16),
    Column("Signed at (UTC)", "time", 20),
    Column("Note", width=50),
    Column("Status", width=10),
    count("Reopened by run"),
)


def _table(
    book: Any, formats: Formats, name: str, columns: Sequence[Column], rows: Any
) -> tuple[Any, int]:
    sheet = book.add_worksheet(name)
    return sheet, write_table(sheet, formats, columns, rows)


def write_explanations(book: Any, formats: Formats, result: Reconciliation) -> None:
    rows = (
        (
            e.comparison.value,
            e.ministry,
            e.account,
            e.period,
            e.kind,
            e.source_system,
            e.entity,
            e.source_key,
            e.entry,
            e.debit,
            e.credit,
            ", ".join(e.rules),
        )
        for e in result.explanations
    )
    _table(book, formats, "Explanations", EXPLANATIONS, rows)


def _difference_rows(difference: Difference) -> Iterator[tuple[Any, ...]]:
    """One row per line, or one for the entry when the drill-down named no line."""
    d = difference
    head = (
        d.comparison.value,
        d.ministry,
        d.account,
        d.period,
        d.kind.value,
        d.entry,
        d.source_system,
        " / ".join(d.comparison.sides),
    )
    if not d.lines:
        yield (
            *head,
            "entry",
            "",
            "",
            d.left.count,
            d.left.debit,
            d.left.credit,
            d.right.count,
            d.right.debit,
            d.right.credit,
            d.detail,
        )
    for line in d.lines:
        yield (
            *head,
            "line",
            line.key,
            line.account,
            None,
            line.left_debit,
            line.left_credit,
            None,
            line.right_debit,
            line.right_credit,
            d.detail,
        )


def write_differences(book: Any, formats: Formats, result: Reconciliation) -> None:
    rows = (row for d in result.differences for row in _difference_rows(d))
    sheet, last = _table(book, formats, "Differences", DIFFERENCES, rows)
    if result.differences:
        sheet.set_tab_color(RED)
    kind = letter(DIFFERENCES, "Kind")
    highlight_rows(sheet, 1, last, len(DIFFERENCES), f'=${kind}2="not posted"', formats.amber_row)
    for side in ("debit", "credit"):
        left, right = letter(DIFFERENCES, f"Left {side}"), letter(DIFFERENCES, f"Right {side}")
        differs = f"=OR(ISBLANK(${left}2)<>ISBLANK(${right}2),N(${left}2)<>N(${right}2))"
        for column in (left, right):
            sheet.conditional_format(
                f"{column}2:{column}{max(last, 1) + 1}",
                {"type": "formula", "criteria": differs, "format": formats.red_text},
            )


def write_headcount(book: Any, formats: Formats, result: Reconciliation) -> None:
    rows = (
        (
            h.ministry,
            result.ministries.get(h.ministry, h.ministry),
            h.org_unit,
            h.source,
            h.staged,
            h.persons,
            h.quarantined,
            h.rejected,
            h.source_residual,
            h.expected_active,
            h.central_active,
            h.central_residual if h.central_active is not None else None,
            h.status.value,
        )
        for h in result.headcount
    )
    sheet, last = _table(book, formats, "Headcount", HEADCOUNT, rows)
    status = letter(HEADCOUNT, "Status")
    highlight_rows(sheet, 1, last, len(HEADCOUNT), f'=${status}2="different"', formats.red_row)


def write_changes(book: Any, formats: Formats, result: Reconciliation) -> None:
    rows = (
        (
            c.kind.value,
            c.ministry,
            result.ministries.get(c.ministry, c.ministry),
            c.period,
            c.comparison,
            c.account,
            c.detail,
        )
        for c in result.changes
    )
    sheet, last = _table(book, formats, "Changes", CHANGES, rows)
    change = letter(CHANGES, "Change")
    formula = f'=OR(${change}2="reopened",${change}2="newly different")'
    highlight_rows(sheet, 1, last, len(CHANGES), formula, formats.red_row)


def write_signoffs(book: Any, formats: Formats, result: Reconciliation) -> None:
    rows = (
        (
            s.id,
            s.ministry,
            result.ministries.get(s.ministry, s.ministry),
            s.period,
            s.run_id,
            s.signed_by,
            s.signed_at,
            s.note,
            s.status,
            s.reopened_by_run,
        )
        for s in result.signoffs
    )
    sheet, last = _table(book, formats, "Sign-offs", SIGNOFFS, rows)
    if any(s.status == "reopened" for s in result.signoffs):
        sheet.set_tab_color(RED)
    status = letter(SIGNOFFS, "Status")
    highlight_rows(sheet, 1, last, len(SIGNOFFS), f'=${status}2="reopened"', formats.red_row)
