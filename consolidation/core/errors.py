"""The root of every error a user may see.

``str(error)`` is always one line that names what was wrong and what was expected, with any
credential masked (``core.secrets``); the CLI prints it without a traceback. ``transient`` marks
what may be retried (network, a busy server, a serialization failure) apart from what must stop
(bad credentials, unknown table or field).
"""

from __future__ import annotations

from consolidation.core.secrets import scrub


class ConsolidationError(Exception):
    """Root of the product's errors; the message is one line a user can act on."""

    transient: bool = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(scrub(" ".join(message.split())))
        if transient is not None:
            self.transient = transient


class ConfigError(ConsolidationError):
    """A settings or configuration file is wrong: names the file, line, field and expectation."""


class StoreError(ConsolidationError):
    """The unified store cannot be reached, is not migrated, or holds an inconsistency."""


class StageFailed(ConsolidationError):  # noqa: N818 - the name STYLE.md gives it
    """A pipeline stage failed; wraps the stage's own error with the batch and source."""
