"""The HTML report's charts as geometry for hand-written inline SVG: bars, labels and a scale.

Amounts are summed as Decimal and shown to the fils in each bar's tooltip; floats only place
the bars."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from consolidation.core.money import ZERO
from consolidation.reconcile.model import Comparison, Figures, Reconciliation
from consolidation.reconcile.render.display import account_class, amount

WIDTH, HEIGHT = 640.0, 230.0
LEFT, RIGHT, TOP, BOTTOM = 96.0, 12.0, 14.0, 52.0
MIN_BAR = 1.5
"""A bar that is not zero is never drawn thinner than this: a difference of one fils shows."""
MAX_BAR = 56.0
COLOURS = ("#b42318", "#1d4ed8", "#15803d")
CLASSES = {"1": "assets", "2": "liabilities", "3": "equity", "4": "revenue", "5": "expenses"}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass
class BarChart:
    """One chart of grouped bars: a group per category, a bar per series."""

    ministry: str
    title: str
    series: tuple[str, ...]
    width: float = WIDTH
    height: float = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rotate_labels: bool = False
    maximum: str = ""
    """The largest value, to the fils: the top of the scale."""
    empty: bool = True

    @property
    def baseline(self) -> float:
        return self.height - BOTTOM

    @property
    def plot_left(self) -> float:
        return LEFT

    @property
    def plot_right(self) -> float:
        return self.width - RIGHT

    @property
    def plot_top(self) -> float:
        return TOP

    def legend(self) -> list[tuple[str, str]]:
        return list(zip(self.series, COLOURS, strict=False))


def _turnover(figures: Figures) -> Decimal:
    return abs(figures.debit) + abs(figures.credit)


def bar_chart(
    ministry: str,
    title: str,
    series: tuple[str, ...],
    groups: Mapping[str, tuple[Decimal, ...]],
) -> BarChart:
    """Lay out ``groups`` (category → one value per series, in order) as grouped bars."""
    chart = BarChart(ministry=ministry, title=title, series=series)
    top = max((value for values in groups.values() for value in values), default=ZERO)
    chart.maximum = amount(top)
    chart.empty = top == 0
    if not groups:
        return chart
    step = (chart.plot_right - chart.plot_left) / len(groups)
    chart.rotate_labels = step < 52
    bar_width = min(step * 0.8 / len(series), MAX_BAR)
    height = chart.baseline - chart.plot_top
    for index, (category, values) in enumerate(groups.items()):
        start = chart.plot_left + index * step + (step - bar_width * len(series)) / 2
        for number, (name, value) in enumerate(zip(series, values, strict=True)):
            drawn = 0.0 if top == 0 else float(value / top) * height
            if value and drawn < MIN_BAR:
                drawn = MIN_BAR
            chart.bars.append(
                Bar(
                    x=round(start + number * bar_width, 1),
                    y=round(chart.baseline - drawn, 1),
                    width=round(max(bar_width - 1, 1.0), 1),
                    height=round(drawn, 1),
                    colour=COLOURS[number % len(COLOURS)],
                    title=f"{category} · {name}: {amount(value)} BHD",
                )
            )
        middle = chart.plot_left + (index + 0.5) * step
        chart.labels.append(
            Label(x=round(middle, 1), y=round(chart.baseline + 14, 1), text=category)
        )
    return chart


def _ministries(result: Reconciliation) -> list[str]:
    """Every ministry with cells, in the order of ``result.ministries`` and then by code."""
    present = {cell.ministry for cell in result.cells}
    known = [code for code in result.ministries if code in present]
    return known + sorted(present.difference(known))


def differences_by_month(result: Reconciliation) -> list[BarChart]:
    """Per ministry, the residual of every comparison per period: |debit| + |credit|."""
    charts = []
    for ministry in _ministries(result):
        per_period: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for cell in result.cells:
            if cell.ministry == ministry:
                per_period[cell.period] += _turnover(cell.residual)
        groups = {period: (per_period[period],) for period in sorted(per_period)}
        charts.append(bar_chart(ministry, "Residual per period", ("residual",), groups))
    return charts


def _per_class(cells: Iterable[tuple[str, Figures]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, figures in cells:
        totals[account_class(account)] += _turnover(figures)
    return totals


def class_label(code: str) -> str:
    name = CLASSES.get(code)
    return f"{code} {name}" if name else code


def source_against_central(result: Reconciliation) -> list[BarChart]:
    """Per ministry and account class, the source's turnover (debit + credit) at extraction
    against the central Odoo's posted turnover, when the central level was compared."""
    compared = Comparison.LEDGER_STORE_CENTRAL in result.comparisons()
    series = ("source", "central Odoo") if compared else ("source",)
    charts = []
    for ministry in _ministries(result):
        source = _per_class(
            (cell.account, cell.left)
            for cell in result.cells_of(Comparison.LEDGER_SOURCE_STORE, ministry)
        )
        if not source:
            continue
        central = _per_class(
            (cell.account, cell.right)
            for cell in result.cells_of(Comparison.LEDGER_STORE_CENTRAL, ministry)
        )
        groups = {
            class_label(code): (source[code], central[code]) if compared else (source[code],)
            for code in sorted(set(source) | set(central))
        }
        charts.append(bar_chart(ministry, "Turnover per account class", series, groups))
    return charts
