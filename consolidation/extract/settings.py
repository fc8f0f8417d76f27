"""The extract stage's settings section: where the raw area is, how many rows a chunk holds,
and who is recorded as running the batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consolidation.core.settings import Settings
from consolidation.core.types import ReadLimits


@dataclass(frozen=True)
class ExtractSettings:
    raw_dir: Path
    chunk_size: int
    operator: str
    limits: ReadLimits = field(default_factory=ReadLimits)

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractSettings:
        return cls(
            raw_dir=settings.store.raw_dir,
            chunk_size=settings.sources.chunk_size,
            operator=settings.operator,
            limits=settings.sources.limits(),
        )
