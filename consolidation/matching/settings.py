"""The matching stage's settings section: which source wins each field of a golden record."""

from __future__ import annotations

from consolidation.core.settings import MatchingSettings

__all__ = ["MatchingSettings"]
