"""Reconciliation for finance officers: source → unified store → central Odoo, to the fils.

* ``ReconcileService`` — a run over a scope (ministries, periods, levels), stored with its cells;
  ``show`` a stored run; ``sign_off`` a ministry-period, which a later change reopens.
* ``model`` — the result as plain data (cells, explanations, differences, headcount).
* ``render`` — the HTML report and the Excel workbook; the CLI renders the terminal and JSON.
"""

from __future__ import annotations

from consolidation.reconcile.exceptions import ReconcileError
from consolidation.reconcile.model import (
    Cell,
    CellStatus,
    Comparison,
    Difference,
    DifferenceKind,
    Figures,
    Outcome,
    Reconciliation,
    Scope,
    Signoff,
)
from consolidation.reconcile.service import ReconcileService, parse_levels, parse_period

__all__ = [
    "Cell",
    "CellStatus",
    "Comparison",
    "Difference",
    "DifferenceKind",
    "Figures",
    "Outcome",
    "ReconcileError",
    "ReconcileService",
    "Reconciliation",
    "Scope",
    "Signoff",
    "parse_levels",
    "parse_period",
]
