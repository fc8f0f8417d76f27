"""The reconciliation's errors: bad input or an unreachable level, reported as one line."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class ReconcileError(ConsolidationError):
    """A reconciliation cannot run as asked: an unknown ministry, a malformed period, a store
    with no batches, an Odoo that cannot be reached or holds none of the product's records."""
