"""What a pipeline run and a revalidation report back to the CLI and the web app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from consolidation.extract import ExtractResult
from consolidation.quarantine import ReleaseResult
from consolidation.staging import TransformResult

if TYPE_CHECKING:
    from consolidation.matching import MatchOutcome


@dataclass(frozen=True)
class RunResult:
    extracts: list[ExtractResult]
    transforms: list[TransformResult]
    persons: MatchOutcome
    vendors: MatchOutcome
    skipped: dict[str, str] = field(default_factory=dict)
    """Sources not run, each with why in one line: their ministry's reference data is wrong."""


@dataclass(frozen=True)
class RevalidateResult:
    release: ReleaseResult
    persons: MatchOutcome | None = None
    """Set when records were released: they were matched again."""
    vendors: MatchOutcome | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    """Sources not re-checked, each with why: their ministry's reference data is wrong."""

    @property
    def checked(self) -> int:
        return self.release.checked

    @property
    def released(self) -> dict[str, int]:
        return self.release.released

    @property
    def still_quarantined(self) -> int:
        return self.release.still_quarantined

    @property
    def new_issues(self) -> int:
        return self.release.new_issues
