"""The reconciliation's plain data and input parsing: a cell's status from its exact figures,
a configured tolerance, the outcome and exit code, scopes and periods."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from consolidation.reconcile import (
    Cell,
    CellStatus,
    Comparison,
    Figures,
    Outcome,
    ReconcileError,
    Reconciliation,
    Scope,
    parse_levels,
    parse_period,
)
from consolidation.reconcile.central import month_of, odoo_amount
from consolidation.reconcile.model import Difference, DifferenceKind, Fingerprint
from consolidation.reconcile.runs import digest


def _cell(left: str, right: str, quarantined: str = "0", tolerance: str | None = None) -> Cell:
    cell = Cell(Comparison.LEDGER_SOURCE_STORE, "MOF", "5101001", "2025-03")
    cell.left = Figures(3, Decimal(left), Decimal(left))
    cell.right = Figures(2 if quarantined != "0" else 3, Decimal(right), Decimal(right))
    if quarantined != "0":
        cell.quarantined = Figures(1, Decimal(quarantined), Decimal(quarantined))
    cell.tolerance = None if tolerance is None else Decimal(tolerance)
    return cell


def test_a_cell_reconciles_only_to_the_fils() -> None:
    assert _cell("100.000", "100.000").status is CellStatus.RECONCILED
    assert _cell("100.001", "100.000").status is CellStatus.DIFFERENT
    assert _cell("100.001", "100.000").residual.debit == Decimal("0.001")


def test_quarantined_parts_explain_and_a_count_alone_differs() -> None:
    assert _cell("100.000", "60.000", quarantined="40.000").status is CellStatus.EXPLAINED
    cell = _cell("100.000", "100.000")
    cell.right = Figures(2, Decimal("100.000"), Decimal("100.000"))
    assert cell.status is CellStatus.DIFFERENT  # a line missing with a zero amount still counts


def test_a_tolerance_applies_only_where_configured_and_is_named() -> None:
    assert _cell("100.004", "100.000", tolerance="0.005").status is CellStatus.TOLERATED
    assert _cell("100.006", "100.000", tolerance="0.005").status is CellStatus.DIFFERENT
    assert _cell("100.004", "100.000").as_json()["tolerance"] is None
    assert _cell("100.004", "100.000", tolerance="0.005").as_json()["tolerance"] == "0.005"


def _result(*cells: Cell) -> Reconciliation:
    fingerprint = Fingerprint(datetime.now(UTC), "tester", "sqlite://")
    return Reconciliation(Scope(), fingerprint, cells=list(cells))


def test_outcome_and_exit_code_work_like_diff() -> None:
    assert _result(_cell("1", "1")).outcome is Outcome.RECONCILED
    assert _result(_cell("1", "0.5", quarantined="0.5")).exit_code == 0
    assert _result(_cell("1", "0.5", quarantined="0.5")).outcome is Outcome.EXPLAINED
    assert _result(_cell("1", "0.999")).exit_code == 1
    drafts = _result(_cell("1", "1"))
    drafts.differences.append(
        Difference(
            Comparison.LEDGER_STORE_CENTRAL,
            "MOF",
            "5101001",
            "2025-03",
            DifferenceKind.NOT_POSTED,
            "draft entries",
        )
    )
    assert drafts.exit_code == 0  # reported apart, not an error
    drafts.differences.append(
        Difference(
            Comparison.LEDGER_STORE_CENTRAL,
            "MOF",
            "5101001",
            "2025-03",
            DifferenceKind.CENTRAL_ONLY,
            "MISC/2025/03/0001",
        )
    )
    assert drafts.exit_code == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, (None, None)),
        ("2025", ("2025-01", "2025-12")),
        ("2025-03", ("2025-03", "2025-03")),
        ("2025-01..2025-12", ("2025-01", "2025-12")),
        ("2025-06..", ("2025-06", None)),
    ],
)
def test_periods_parse(text: str | None, expected: tuple[str | None, str | None]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "25-01", "2025-01..2024-12", "January", "2025-1"])
def test_malformed_periods_are_one_line(text: str) -> None:
    with pytest.raises(ReconcileError) as raised:
        parse_period(text)
    assert "\n" not in str(raised.value)


def test_levels_and_scope() -> None:
    assert parse_levels("source,store") == ("source", "store")
    with pytest.raises(ReconcileError, match="unknown: odoo"):
        parse_levels("store,odoo")
    scope = Scope(period_from="2025-03", period_to="2025-05")
    assert scope.covers("2025-04") and not scope.covers("2025-06") and not scope.covers(None)
    assert scope.covers_year(2025) and not scope.covers_year(2024)
    assert Scope().covers(None)


def test_odoo_floats_become_exact_fils_and_months_come_from_the_range() -> None:
    assert odoo_amount(0.1 + 0.2) == Decimal("0.300")
    assert odoo_amount(73999999.999) == Decimal("73999999.999")
    group = {"date:month": "March 2025", "__range": {"date:month": {"from": "2025-03-01"}}}
    assert month_of(group) == "2025-03"
    with pytest.raises(ReconcileError):
        month_of({"date:month": "March 2025"})


def test_a_digest_changes_with_any_figure_of_any_cell() -> None:
    cells = [_cell("100.000", "100.000"), _cell("5.000", "5.000")]
    cells[1].account = "1101001"
    before = digest(cells)
    cells[1].right = Figures(3, Decimal("5.001"), Decimal("5.000"))
    assert digest(cells) != before
    assert set(before) == {Comparison.LEDGER_SOURCE_STORE.value}
