"""What a returned quarantine workbook would change, as ``roundtrip.preview`` finds it: per
record, the fields with their old and new values, what stays invalid or would still fail, what
is skipped and why; and what applying it did."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from consolidation.quarantine.exceptions import QuarantineError


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None
    where: str
    """The sheet and row it was typed in."""


@dataclass(frozen=True)
class RecordChange:
    """What the workbook changes in one quarantined record, and the version it was compared
    with: applying it to another version is a conflict."""

    source: str
    entity: str
    key: str
    ministry: str
    version: int
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class StillFailing:
    """A rule a record would still fail with the workbook's values: it stays quarantined."""

    source: str
    entity: str
    key: str
    rule_id: str
    field: str | None
    message: str


@dataclass(frozen=True)
class InvalidValue:
    """A typed value that cannot be read as its field's type: nothing can be applied."""

    source: str
    entity: str
    key: str
    field: str
    value: str
    problem: str
    where: str


@dataclass(frozen=True)
class SkippedRecord:
    """A record the workbook changes that will not be corrected, and why."""

    source: str
    entity: str
    key: str
    reason: str


@dataclass(frozen=True)
class WorkbookDiff:
    """The preview of a returned workbook: which records, which fields, old and new values,
    which records would still fail, and what is skipped or cannot be read. It travels as
    JSON (``to_json``) between the preview and the confirmation."""

    ministries: tuple[str, ...]
    exported_at: datetime
    fingerprint: str
    changes: tuple[RecordChange, ...] = ()
    still_failing: tuple[StillFailing, ...] = ()
    invalid: tuple[InvalidValue, ...] = ()
    skipped: tuple[SkippedRecord, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def fields_changed(self) -> int:
        return sum(len(change.fields) for change in self.changes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> WorkbookDiff:
        try:
            raw = json.loads(text)
            return cls(
                ministries=tuple(raw["ministries"]),
                exported_at=datetime.fromisoformat(raw["exported_at"]),
                fingerprint=str(raw["fingerprint"]),
                changes=tuple(
                    RecordChange(**{**c, "fields": tuple(FieldChange(**f) for f in c["fields"])})
                    for c in raw["changes"]
                ),
                still_failing=tuple(StillFailing(**s) for s in raw["still_failing"]),
                invalid=tuple(InvalidValue(**i) for i in raw["invalid"]),
                skipped=tuple(SkippedRecord(**s) for s in raw["skipped"]),
                notes=tuple(raw["notes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise QuarantineError(f"not a workbook preview: {exc}") from exc


@dataclass(frozen=True)
class WorkbookApplied:
    records: int
    fields: int
    skipped: int
    still_failing: int


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
