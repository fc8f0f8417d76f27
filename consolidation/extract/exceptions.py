"""The extract stage's errors."""

from __future__ import annotations

from consolidation.core.errors import StageFailed


class ExtractError(StageFailed):
    """A source cannot be extracted or a batch cannot be found; names the source or batch."""
