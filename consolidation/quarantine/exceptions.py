"""The quarantine's errors: a steward's request that cannot be carried out, and a stale update."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class QuarantineError(ConsolidationError):
    """A steward's request cannot be carried out (unknown issue, unknown field, bad value…)."""


class OutOfScope(QuarantineError):  # noqa: N818 - reads as the condition it names
    """The issue or record belongs to a ministry outside the caller's scope."""


class QuarantineConflict(QuarantineError):  # noqa: N818 - reads as the condition it names
    """Someone changed the issue or record since the caller read it (optimistic locking)."""
