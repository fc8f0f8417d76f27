"""The Excel round trip with a ministry: say what a corrected quarantine workbook would change
before anything is applied.

``returned.read_workbook`` reads the file and refuses a foreign or altered one; ``preview``
compares its cells with the quarantine's current records (what it finds is in ``diff``), and
``RuleCheck`` says which would still fail; the service applies a preview as corrections
(``QuarantineService.apply_workbook``).

Choices: a change in an issue column (issue field, offending value, message, issue status) is
ignored with a note, since it is not a record field; a change in a key (issue id, ministry,
source, entity, source key, or the record's own key fields) refuses the workbook. A record that
is no longer open in the quarantine, changed there since the export, or was staged with only a
warning is skipped with its reason rather than refusing the whole workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.reference import ReferenceData
from consolidation.core.schema import (
    IssueStatus,
    Ministry,
    QuarantineRecord,
    Severity,
    SourceSystem,
    ValidationIssue,
    table_of,
)
from consolidation.core.sources import SourceSpec
from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, FieldType
from consolidation.quarantine.diff import (
    FieldChange,
    InvalidValue,
    RecordChange,
    SkippedRecord,
    StillFailing,
    WorkbookDiff,
)
from consolidation.quarantine.exceptions import QuarantineError
from consolidation.quarantine.export import (
    staged_records,
)
from consolidation.quarantine.queries import Scope
from consolidation.quarantine.records import records_frame, unreadable
from consolidation.quarantine.release import _context
from consolidation.quarantine.returned import (
    ReturnedWorkbook,
    WorkbookRefused,
)
from consolidation.quarantine.settings import QuarantineSettings
from mappings.transforms import DIGITS, SPACES
from validation import EntityValidator

Key = tuple[str, str, str]
_ARABIC_DIGITS = frozenset(chr(c) for c in [*range(0x0660, 0x066D), *range(0x06F0, 0x06FA)])


class RecordCheck(Protocol):
    """The rules a source's records would fail, as revalidation checks them."""

    def __call__(
        self, connection: sa.Connection, source: str, records: Mapping[str, list[dict[str, Any]]]
    ) -> list[StillFailing]: ...


@dataclass
class RuleCheck:
    """The pipeline's rules over corrected records, with what the store knows of their source
    (as ``release`` re-checks them): errors only, waived issues left out, and open issues of
    rules across records (duplicates), which only a waiver or a rejection clears."""

    settings: QuarantineSettings
    sources: Mapping[str, SourceSpec]
    reference: Callable[[], ReferenceData]
    _reference: ReferenceData | None = field(default=None, init=False, repr=False)

    def __call__(
        self, connection: sa.Connection, source: str, records: Mapping[str, list[dict[str, Any]]]
    ) -> list[StillFailing]:
        spec = self.sources.get(source)
        if spec is None:
            raise QuarantineError(f"source {source!r} is not in the sources config")
        if self._reference is None:
            self._reference = self.reference()
        itable = table_of(ValidationIssue)
        waived = {
            (r.entity, r.source_key, r.rule_id, r.field or "")
            for r in connection.execute(
                sa.select(itable).where(
                    itable.c.source_system == source, itable.c.status == IssueStatus.WAIVED
                )
            )
        }
        context = _context(
            connection,
            source,
            spec.domain,
            spec.ministry,
            self._reference,
            self.settings,
            {entity: list(rows) for entity, rows in records.items()},
        )
        failing: list[StillFailing] = []
        for entity, rows in records.items():
            validator = EntityValidator(entity, context)
            frame = records_frame(entity, list(rows))
            issues = pd.concat([validator.check_chunk(frame), validator.finish()])
            for rule_id, key, field_name, message, severity in zip(
                issues["rule_id"],
                issues[SOURCE_KEY],
                issues["field"],
                issues["message"],
                issues["severity"],
                strict=True,
            ):
                target = str(rule_id).split(".", 1)[0]
                if severity != Severity.ERROR.value:
                    continue
                if (target, key, rule_id, field_name or "") in waived:
                    continue
                failing.append(
                    StillFailing(source, target, str(key), str(rule_id), field_name, str(message))
                )
        keys = {(entity, str(r[SOURCE_KEY])) for entity, rows in records.items() for r in rows}
        for row in connection.execute(
            sa.select(itable).where(
                itable.c.source_system == source,
                itable.c.status == IssueStatus.OPEN,
                itable.c.severity == Severity.ERROR,
                itable.c.rule_id.like("%.unique"),
            )
        ):
            if (row.entity, row.source_key) in keys:
                failing.append(
                    StillFailing(
                        source, row.entity, row.source_key, row.rule_id, row.field, row.message
                    )
                )
        return failing


def preview(
    session: Session,
    workbook: ReturnedWorkbook,
    *,
    scope: Scope,
    ministry: str | None = None,
    check: RecordCheck | None = None,
) -> WorkbookDiff:
    """What applying ``workbook`` would change in the quarantine, checked against the caller's
    scope (and the ministry the steward chose), and which records would still fail."""
    ours = {m.upper() for m in workbook.ministries}
    if ministry is not None and ours != {ministry.upper()}:
        raise WorkbookRefused(
            f"this workbook is the export of {', '.join(sorted(ours))}, not of "
            f"{ministry.upper()}; upload the workbook exported for {ministry.upper()}"
        )
    if scope is not None:
        allowed = {code.upper() for code in scope}
        if not ours or ours - allowed:
            raise WorkbookRefused(
                f"this workbook is the export of {', '.join(sorted(ours - allowed) or ['no'])} "
                f"ministry, which is not yours ({', '.join(sorted(allowed))})"
            )
    quarantined = _quarantined(session, workbook)
    staged = staged_records(
        session.connection(),
        {(r.source, r.entity, r.key) for r in workbook.rows if r.version is None},
    )
    edits: dict[Key, dict[str, tuple[str | None, str]]] = {}
    exported_versions: dict[Key, int | None] = {}
    for row in workbook.rows:
        ident = (row.source, row.entity, row.key)
        exported_versions[ident] = row.version
        if row.version is not None:
            found = quarantined.get(ident)
            if found is None:
                raise WorkbookRefused(
                    f"{row.where}: {row.entity} {row.key!r} of {row.source} is no longer in the "
                    "quarantine; export the issues again"
                )
            _record, owner = found
            if ours and owner.upper() not in ours:
                raise WorkbookRefused(
                    f"{row.where}: {row.entity} {row.key!r} of {row.source} belongs to "
                    f"{owner}, not to {', '.join(sorted(ours))}; the key columns were changed"
                )
            current = _effective(found[0])
        else:
            staged_record = staged.get(ident)
            current = dict(staged_record.data) if staged_record else {}
        kinds = ENTITIES[row.entity].fields
        for name, typed in row.values.items():
            old = _text_of(current.get(name))
            if _same(kinds[name].type, old, typed):
                continue
            if name in ENTITIES[row.entity].key:
                raise WorkbookRefused(
                    f"{row.where}: {name} is the record's key ({old!r} changed to {typed!r}); "
                    "keys cannot be changed in the workbook"
                )
            new = _normalized(kinds[name].type, typed)
            earlier = edits.setdefault(ident, {}).get(name)
            if earlier is not None and earlier[0] != new:
                raise WorkbookRefused(
                    f"{row.entity} {row.key!r} of {row.source}: {name} reads {earlier[0]!r} on "
                    f"{earlier[1]} and {new!r} on {row.where}; make them agree"
                )
            edits[ident][name] = (new, row.where)
    changes: list[RecordChange] = []
    invalid: list[InvalidValue] = []
    skipped: list[SkippedRecord] = []
    for ident, values in sorted(edits.items()):
        source, entity, key = ident
        version = exported_versions[ident]
        if version is None:
            skipped.append(
                SkippedRecord(
                    source,
                    entity,
                    key,
                    "staged with warnings only, not quarantined: correct it at the source; "
                    "the next run brings the change",
                )
            )
            continue
        record, owner = quarantined[ident]
        if record.status is not IssueStatus.OPEN:
            skipped.append(
                SkippedRecord(
                    source,
                    entity,
                    key,
                    f"no longer open in the quarantine ({record.status.value} by "
                    f"{record.updated_by or 'the pipeline'})",
                )
            )
            continue
        if record.version != version:
            skipped.append(
                SkippedRecord(
                    source,
                    entity,
                    key,
                    f"changed in the quarantine since the export (by "
                    f"{record.updated_by or 'the pipeline'}); export again to correct it",
                )
            )
            continue
        current = _effective(record)
        kinds = ENTITIES[entity].fields
        fields: list[FieldChange] = []
        for name, (new, where) in values.items():
            problem = unreadable(kinds[name].type, new or "")
            if problem:
                invalid.append(InvalidValue(source, entity, key, name, new or "", problem, where))
                continue
            fields.append(FieldChange(name, _text_of(current.get(name)), new, where))
        if fields:
            changes.append(RecordChange(source, entity, key, owner, record.version, tuple(fields)))
    failing = _still_failing(session, changes, quarantined, check) if check else []
    return WorkbookDiff(
        ministries=workbook.ministries,
        exported_at=workbook.exported_at,
        fingerprint=workbook.fingerprint,
        changes=tuple(changes),
        still_failing=tuple(failing),
        invalid=tuple(invalid),
        skipped=tuple(skipped),
        notes=workbook.notes,
    )


def _still_failing(
    session: Session,
    changes: Sequence[RecordChange],
    quarantined: Mapping[Key, tuple[QuarantineRecord, str]],
    check: RecordCheck,
) -> list[StillFailing]:
    by_source: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for change in changes:
        record, _owner = quarantined[(change.source, change.entity, change.key)]
        values = {**_effective(record), **{f.field: f.new for f in change.fields}}
        by_source.setdefault(change.source, {}).setdefault(change.entity, []).append(values)
    failing: list[StillFailing] = []
    for source, records in sorted(by_source.items()):
        failing.extend(check(session.connection(), source, records))
    return failing


def _quarantined(
    session: Session, workbook: ReturnedWorkbook
) -> dict[Key, tuple[QuarantineRecord, str]]:
    wanted = {(r.source, r.entity, r.key) for r in workbook.rows if r.version is not None}
    if not wanted:
        return {}
    found = session.execute(
        sa.select(QuarantineRecord, Ministry.code)
        .join(SourceSystem, SourceSystem.code == QuarantineRecord.source_system)
        .join(Ministry, Ministry.id == SourceSystem.ministry_id)
        .where(QuarantineRecord.source_system.in_(sorted({s for s, _e, _k in wanted})))
    ).all()
    return {
        (r.source_system, r.entity, r.source_key): (r, code)
        for r, code in found
        if (r.source_system, r.entity, r.source_key) in wanted
    }


def _effective(record: QuarantineRecord) -> dict[str, Any]:
    """A quarantined record's values with its steward's (not stale) corrections."""
    return {**record.data, **({} if record.correction_stale else record.corrected or {})}


def _normalized(kind: FieldType, text: str | None) -> str | None:
    """A typed value as the pipeline reads it: Arabic text exactly as typed; the Arabic-Indic
    digits of an identifier, IBAN or phone number (text without Arabic letters) made Western,
    as the mappings' ``digits`` transform does; a date, amount or number also stripped."""
    if text is None or text == "":
        return None
    if kind is FieldType.TEXT:
        if any(ch not in _ARABIC_DIGITS and "\u0600" <= ch <= "\u06ff" for ch in text):
            return text
        return text.translate(DIGITS)
    return text.translate(DIGITS).strip(SPACES)


def _same(kind: FieldType, old: str | None, typed: str | None) -> bool:
    """Whether a cell still holds the record's value (an amount Excel turned into a number, or
    a date into a date, is the same value)."""
    new = _normalized(kind, typed)
    if (old or None) == new:
        return True
    if old is None or new is None or kind is FieldType.TEXT:
        return False
    try:
        if kind is FieldType.MONEY:
            return Decimal(old) == Decimal(new)
        if kind is FieldType.DATE:
            return date.fromisoformat(old) == date.fromisoformat(new)
        return int(old) == int(new)
    except (InvalidOperation, ValueError):
        return False


def _text_of(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
