"""The reconciliation arranged for reading: ministry → comparison → account → period, with each
cell's differences and explanations beside it. Arrangement only; every figure is the model's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from consolidation.reconcile.model import (
    Cell,
    CellStatus,
    Comparison,
    Difference,
    DifferenceKind,
    Explanation,
    Figures,
    Reconciliation,
)

SEVERITY = {
    CellStatus.RECONCILED: 0,
    CellStatus.EXPLAINED: 1,
    CellStatus.TOLERATED: 2,
    CellStatus.DIFFERENT: 3,
}

Key = tuple[str, str, str, str]


@dataclass
class CellView:
    cell: Cell
    differences: list[Difference] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)


@dataclass
class AccountView:
    account: str
    name: str
    cells: list[CellView] = field(default_factory=list)

    @property
    def status(self) -> CellStatus:
        return max((view.cell.status for view in self.cells), key=SEVERITY.__getitem__)

    def total(self, side: str) -> Figures:
        total = Figures()
        for view in self.cells:
            total = total.plus(getattr(view.cell, side))
        return total


@dataclass
class ComparisonView:
    comparison: Comparison
    accounts: list[AccountView] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    """Found by drilling down but tied to no cell of this comparison (such as an entry only
    Odoo has, on an account the store never used)."""
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def differing(self) -> int:
        return sum(
            view.cell.status is CellStatus.DIFFERENT for a in self.accounts for view in a.cells
        )

    @property
    def cells(self) -> int:
        return sum(len(account.cells) for account in self.accounts)


@dataclass
class MinistryView:
    code: str
    name: str
    summary: list[dict[str, Any]] = field(default_factory=list)
    comparisons: list[ComparisonView] = field(default_factory=list)
    unexplained: bool = False


def _key(item: Cell | Difference | Explanation) -> Key:
    return (item.comparison.value, item.ministry, item.account, item.period)


def ministries(result: Reconciliation) -> list[MinistryView]:
    """One view per ministry in the result, in the order of ``result.ministries``."""
    codes = list(result.ministries)
    extra = {
        item.ministry
        for items in (result.cells, result.headcount, result.differences, result.explanations)
        for item in items
    }
    codes += sorted(extra.difference(codes))
    differences: dict[Key, list[Difference]] = defaultdict(list)
    for difference in result.differences:
        differences[_key(difference)].append(difference)
    explanations: dict[Key, list[Explanation]] = defaultdict(list)
    for explanation in result.explanations:
        explanations[_key(explanation)].append(explanation)
    summary = result.summary()
    views = []
    for code in codes:
        view = MinistryView(code, result.ministries.get(code, code))
        view.summary = [row for row in summary if row["ministry"] == code]
        for comparison in result.comparisons():
            cells = result.cells_of(comparison, code)
            if cells:
                view.comparisons.append(_comparison(comparison, cells, differences, explanations))
        view.unexplained = (
            any(row["different"] for row in view.summary)
            or any(
                r.ministry == code and r.status is CellStatus.DIFFERENT for r in result.headcount
            )
            or any(
                d.ministry == code and d.kind is not DifferenceKind.NOT_POSTED
                for d in result.differences
            )
        )
        views.append(view)
    _attach_loose(views, differences, explanations)
    return views


def _comparison(
    comparison: Comparison,
    cells: list[Cell],
    differences: dict[Key, list[Difference]],
    explanations: dict[Key, list[Explanation]],
) -> ComparisonView:
    """Cells grouped by account, in account then period order; what a cell uses is taken out of
    the indexes, so that what remains there is tied to no cell."""
    view = ComparisonView(comparison)
    accounts: dict[str, AccountView] = {}
    for cell in sorted(cells, key=lambda c: (c.account, c.period)):
        account = accounts.setdefault(cell.account, AccountView(cell.account, cell.account_name))
        account.name = account.name or cell.account_name
        account.cells.append(
            CellView(cell, differences.pop(cell.key, []), explanations.pop(cell.key, []))
        )
    view.accounts = list(accounts.values())
    return view


def _attach_loose(
    views: list[MinistryView],
    differences: dict[Key, list[Difference]],
    explanations: dict[Key, list[Explanation]],
) -> None:
    """What no cell holds goes to its ministry's comparison, made when the ministry has no cell
    of that comparison at all; nothing found is left out of the report."""
    by_key = {(c.comparison.value, v.code): c for v in views for c in v.comparisons}
    by_code = {view.code: view for view in views}

    def target(comparison: str, ministry: str) -> ComparisonView:
        if (comparison, ministry) not in by_key:
            made = ComparisonView(Comparison(comparison))
            by_code[ministry].comparisons.append(made)
            by_key[(comparison, ministry)] = made
        return by_key[(comparison, ministry)]

    for (comparison, ministry, _, _), items in sorted(differences.items()):
        target(comparison, ministry).differences.extend(items)
    for (comparison, ministry, _, _), found in sorted(explanations.items()):
        target(comparison, ministry).explanations.extend(found)
    order = {comparison: rank for rank, comparison in enumerate(Comparison)}
    for view in views:
        view.comparisons.sort(key=lambda c: order[c.comparison])
