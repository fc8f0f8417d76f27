"""The matching stage's errors: bad records or thresholds handed to it, and review decisions it
cannot record."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class MatchingError(ConsolidationError):
    """The records handed to matching lack a column or repeat a record id, or its thresholds are
    inconsistent."""
