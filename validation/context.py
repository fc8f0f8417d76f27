"""What the rules need to know beyond the rows themselves: today, thresholds and reference sets.

The pipeline builds one context per source and batch. A reference set left at its default is not
checked: an empty ``org_units``/``jobs``/``employees``/``grade_bands`` means "unknown", and
``None`` for ``entries``/``crosswalk``/``open_periods`` means "this source has none". An empty set
for one of the ``None``-able sets is a real answer: nothing is known, so every value fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal


@dataclass
class ValidationContext:
    """Today's date, the age threshold and the codes that exist in the same source."""

    reference_date: date
    """"Today" for the rules: no hire or entry date may lie after it."""
    min_age_at_hire: int = 18
    grade_bands: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """Grade code → (minimum, maximum) base salary, from the source's grades."""
    org_units: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    employees: set[str] = field(default_factory=set)
    entries: set[str] | None = None
    """Journal entry numbers with a header, when the source has entry headers."""
    crosswalk: set[str] | None = None
    """Source account codes of this ministry that the chart crosswalk maps."""
    open_periods: set[str] | None = None
    """Open posting periods, 'YYYY-MM'."""

    @property
    def today(self) -> str:
        return self.reference_date.isoformat()

    @property
    def end_of_today(self) -> datetime:
        """The first instant after the reference date: a date is in the future from here on."""
        return datetime.combine(self.reference_date + timedelta(days=1), time())
