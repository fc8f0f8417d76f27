"""The quarantine's settings section: the validation thresholds a release re-checks with, and
how many issues a page holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from consolidation.core.settings import Settings


@dataclass(frozen=True)
class QuarantineSettings:
    reference_date: date
    """'Today' for the no-future-date rules."""
    min_age_at_hire: int
    reference_dir: Path
    """The unified chart, crosswalk and fiscal calendar a release checks entries against."""
    page_size: int = 100
    max_page_size: int = 1_000

    @classmethod
    def from_settings(cls, settings: Settings, reference_dir: Path) -> QuarantineSettings:
        return cls(
            reference_date=settings.validation.reference_date or date.today(),
            min_age_at_hire=settings.validation.min_age_at_hire,
            reference_dir=reference_dir,
        )
