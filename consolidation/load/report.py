"""What a load did (or a dry run would do): counts per target, and every refused record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consolidation.load.targets import Record


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    adopted: int = 0
    reversed: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


@dataclass
class RefusedRecord:
    """A record Odoo refused, or the loader refused to send, with the reason."""

    target: str
    xid: str
    source_key: str | None
    message: str


@dataclass
class LoadReport:
    run_id: int | None
    dry_run: bool
    counts: dict[str, ModelCounts] = field(default_factory=dict)
    failures: list[RefusedRecord] = field(default_factory=list)
    seconds: float = 0.0
    models: dict[str, str] = field(default_factory=dict)

    @property
    def records_written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def refuse(self, counts: ModelCounts, target: str, record: Record, message: str) -> None:
        """Count ``record`` of ``target`` as failed, with why."""
        counts.failed += 1
        self.failures.append(RefusedRecord(target, record.xid, record.source_key, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 2),
            "targets": {
                name: {"model": self.models.get(name), **vars(counts)}
                for name, counts in self.counts.items()
            },
            "failures": [vars(failure) for failure in self.failures],
        }


@dataclass
class Outcome:
    """What one chunk did in Odoo: ids of loaded records, refusals, posting states."""

    loaded: list[tuple[Record, int]] = field(default_factory=list)
    failed: list[tuple[Record, str]] = field(default_factory=list)
    line_ids: dict[str, int] = field(default_factory=dict)
    posted: set[int] = field(default_factory=set)
