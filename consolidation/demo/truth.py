"""The ground truth of a demo run: every injected fault, every record's true person or vendor."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

Ref = dict[str, str]


@dataclass(frozen=True)
class Fault:
    source: str
    entity: str
    source_key: str
    fault: str
    field: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "source": self.source,
            "entity": self.entity,
            "source_key": self.source_key,
            "fault": self.fault,
            "field": self.field,
        }


@dataclass
class GroundTruth:
    faults: list[Fault] = field(default_factory=list)
    records: list[dict[str, str]] = field(default_factory=list)
    vendors: list[dict[str, str]] = field(default_factory=list)
    cross_ministry: list[list[Ref]] = field(default_factory=list)
    within_source: list[list[Ref]] = field(default_factory=list)
    vendor_duplicates: list[list[Ref]] = field(default_factory=list)
    unmapped_accounts: list[Ref] = field(default_factory=list)

    def fault(self, source: str, entity: str, key: str, fault: str, column: str | None) -> None:
        self.faults.append(Fault(source, entity, key, fault, column))

    def record(self, source: str, key: str, person: str) -> None:
        self.records.append(
            {"source": source, "entity": "employee", "source_key": key, "person": person}
        )

    def vendor(self, source: str, key: str, vendor: str) -> None:
        self.vendors.append({"source": source, "source_key": key, "vendor": vendor})

    def document(self, *, seed: int, params: dict[str, Any], reference: date) -> dict[str, Any]:
        return {
            "seed": seed,
            "params": params,
            "reference_date": reference.isoformat(),
            "faults": [fault.as_dict() for fault in self.faults],
            "records": self.records,
            "vendors": self.vendors,
            "duplicates": {
                "cross_ministry": self.cross_ministry,
                "within_source": self.within_source,
                "vendors": self.vendor_duplicates,
            },
            "unmapped_accounts": self.unmapped_accounts,
        }

    def write(self, path: Path, *, seed: int, params: dict[str, Any], reference: date) -> None:
        document = self.document(seed=seed, params=params, reference=reference)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
