"""The staging stage's settings section: where the raw area and the mapping files are, the
validation thresholds, and who is recorded as acting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from consolidation.core.settings import Settings


@dataclass(frozen=True)
class StagingSettings:
    raw_dir: Path
    mappings_dir: Path
    reference_date: date
    """'Today' for the no-future-date rules."""
    min_age_at_hire: int
    operator: str

    @classmethod
    def from_settings(cls, settings: Settings, mappings_dir: Path) -> StagingSettings:
        return cls(
            raw_dir=settings.store.raw_dir,
            mappings_dir=mappings_dir,
            reference_date=settings.validation.reference_date or date.today(),
            min_age_at_hire=settings.validation.min_age_at_hire,
            operator=settings.operator,
        )
