"""The quarantine's settings section: the validation thresholds a release re-checks with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from consolidation.core.settings import Settings


@dataclass(frozen=True)
class QuarantineSettings:
    reference_date: date
    """'Today' for the no-future-date rules."""
    min_age_at_hire: int

    @classmethod
    def from_settings(cls, settings: Settings) -> QuarantineSettings:
        return cls(
            reference_date=settings.validation.reference_date or date.today(),
            min_age_at_hire=settings.validation.min_age_at_hire,
        )
