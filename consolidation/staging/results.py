"""What became of a batch: per raw entity, extracted = staged + quarantined + rejected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from consolidation.staging.stager import StageCounts


@dataclass
class EntityOutcome:
    """What became of one raw entity's records (derived entities are not counted)."""

    raw_entity: str
    target: str
    derived: bool
    extracted: int = 0
    staged: int = 0
    quarantined: int = 0
    rejected: int = 0
    withdrawn: int = 0
    """Of the quarantined and rejected, records whose earlier version was staged: withdrawn
    from the store, since the source no longer has it."""
    counts: StageCounts = field(default_factory=StageCounts)

    @property
    def balanced(self) -> bool:
        return self.derived or self.extracted == self.staged + self.quarantined + self.rejected


@dataclass
class TransformResult:
    batch_id: int
    source: str
    ministry: str
    outcomes: list[EntityOutcome]
    issues: Counter[tuple[str, str]]
    seconds: float

    def counted(self) -> list[EntityOutcome]:
        return [o for o in self.outcomes if not o.derived]
