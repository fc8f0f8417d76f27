"""The staging stage's errors."""

from __future__ import annotations

from consolidation.core.errors import StageFailed


class StagingError(StageFailed):
    """A batch cannot be staged: a reference did not resolve, the store refused a row, or the
    batch's integrity check found an orphan. The batch's transaction is rolled back whole."""
