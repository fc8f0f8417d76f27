"""The Excel round trip with a ministry: read back the quarantine workbook it corrected, refuse
a foreign or altered one, and say what it would change before anything is applied.

``read_workbook`` checks the file itself (size, type, what its zip would expand to) before
openpyxl parses it, then checks it against its own about sheet (integrity mark, headers, keys).
``preview`` compares the cells with the quarantine's current records; the service applies a
preview as corrections (``QuarantineService.apply_workbook``).

Choices: a change in an issue column (issue field, offending value, message, issue status) is
ignored with a note, since it is not a record field; a change in a key (issue id, ministry,
source, entity, source key, or the record's own key fields) refuses the workbook. A record that
is no longer open in the quarantine, changed there since the export, or was staged with only a
warning is skipped with its reason rather than refusing the whole workbook.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
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
from consolidation.quarantine.exceptions import QuarantineError
from consolidation.quarantine.export import (
    ABOUT_SHEET,
    FORMAT,
    FORMAT_VERSION,
    IDENTITY_HEADER,
    INDEX_SHEET,
    INFO_HEADER,
    ISSUE_HEADER,
    about_mark,
    info_mark,
    record_header,
    staged_records,
)
from consolidation.quarantine.queries import Scope
from consolidation.quarantine.records import records_frame, unreadable
from consolidation.quarantine.release import _context
from consolidation.quarantine.settings import QuarantineSettings
from mappings.transforms import DIGITS, SPACES
from validation import EntityValidator

MiB = 1024 * 1024
EXPANSION = 20
"""What a workbook's parts may decompress to, as a multiple of the upload limit."""
MAX_RATIO = 200
"""The most a part of more than 1 MiB may be compressed (spreadsheet XML: 5 to 30 times)."""
MAX_PARTS = 10_000

Key = tuple[str, str, str]
_ARABIC_DIGITS = frozenset(chr(c) for c in [*range(0x0660, 0x066D), *range(0x06F0, 0x06FA)])


class WorkbookRefused(QuarantineError):  # noqa: N818 - reads as the condition it names
    """An uploaded file is not a quarantine workbook exported for the caller, or was altered
    where it must stay as exported."""


@dataclass(frozen=True)
class ExportedSheet:
    name: str
    rule: str
    entities: tuple[str, ...]
    sources: tuple[str, ...]
    key_columns: tuple[str, ...]
    header: tuple[str, ...]


@dataclass(frozen=True)
class ReturnedRow:
    """A row of a returned sheet: whose record, the version exported (None: it was staged, not
    quarantined) and the record's cells as typed (text, None when blank)."""

    sheet: str
    row: int
    issue_id: int
    source: str
    entity: str
    key: str
    version: int | None
    values: dict[str, str | None]

    @property
    def where(self) -> str:
        return f"sheet '{self.sheet}' row {self.row}"


@dataclass(frozen=True)
class ReturnedWorkbook:
    """A corrected workbook, checked against its about sheet."""

    ministries: tuple[str, ...]
    exported_at: datetime
    fingerprint: str
    """SHA-256 of the uploaded file."""
    sheets: tuple[ExportedSheet, ...]
    rows: tuple[ReturnedRow, ...]
    notes: tuple[str, ...] = ()


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


def read_workbook(
    data: bytes, *, max_bytes: int, max_unzipped_bytes: int | None = None
) -> ReturnedWorkbook:
    """A returned workbook's rows, checked against its about sheet; ``WorkbookRefused`` names
    what is wrong with a file that is not one, is too large, or was altered."""
    check_file(data, max_bytes=max_bytes, max_unzipped_bytes=max_unzipped_bytes)
    import openpyxl  # lazy: only uploads read workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors
        raise WorkbookRefused(
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); upload the .xlsx "
            "exported for your ministry, saved by Excel or LibreOffice"
        ) from exc
    try:
        return _read(book, hashlib.sha256(data).hexdigest())
    finally:
        book.close()


def check_file(data: bytes, *, max_bytes: int, max_unzipped_bytes: int | None = None) -> None:
    """Size, type and the zip's parts, before any parser sees the file."""
    if not data:
        raise WorkbookRefused("the file is empty; expected an Excel workbook (.xlsx)")
    if len(data) > max_bytes:
        raise WorkbookRefused(
            f"the file is {_size(len(data))}, over the upload limit of {_size(max_bytes)}; "
            "upload the workbook as exported, without added sheets or pictures"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(
            f"not an Excel workbook (.xlsx): the file is {_what(data)}; upload the .xlsx "
            "exported for your ministry"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(
            "not an Excel workbook (.xlsx): the file is a damaged zip archive"
        ) from exc
    with archive:
        parts = archive.infolist()
    limit = max_unzipped_bytes if max_unzipped_bytes is not None else EXPANSION * max_bytes
    if len(parts) > MAX_PARTS:
        raise WorkbookRefused(
            f"the workbook has {len(parts)} parts, more than the {MAX_PARTS} a workbook has"
        )
    expanded = sum(part.file_size for part in parts)
    if expanded > limit:
        raise WorkbookRefused(
            f"the workbook would expand to {_size(expanded)}, over the limit of {_size(limit)}; "
            "it is not a quarantine export"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MiB and ratio > MAX_RATIO:
            raise WorkbookRefused(
                f"part {part.filename!r} of the workbook is compressed {ratio:.0f} to 1, far "
                f"beyond the {MAX_RATIO} to 1 a spreadsheet reaches; it is not a quarantine export"
            )
        if part.flag_bits & 0x1:
            raise WorkbookRefused(
                "the workbook is password-protected; save it without a password and upload it"
            )
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        kind = "a Word document" if "word/document.xml" in names else "a zip archive"
        raise WorkbookRefused(
            f"not an Excel workbook (.xlsx): the file is {kind}; upload the .xlsx exported for "
            "your ministry"
        )


def _read(book: Any, fingerprint: str) -> ReturnedWorkbook:
    if ABOUT_SHEET not in book.sheetnames:
        raise WorkbookRefused(
            f"this workbook is not a quarantine export of this system (it has no {ABOUT_SHEET!r} "
            "sheet); upload the workbook exported for your ministry, with your corrections"
        )
    about = [_trimmed(row) for row in book[ABOUT_SHEET].iter_rows(values_only=True)]
    about = [row for row in about if row]
    if not about or about[0][:2] != ["format", FORMAT]:
        raise WorkbookRefused(
            f"the {ABOUT_SHEET!r} sheet is not a quarantine export's; upload the workbook "
            "exported for your ministry"
        )
    if about[0][2:3] != [FORMAT_VERSION]:
        raise WorkbookRefused(
            f"this export is of format {about[0][2:3]}, expected {FORMAT_VERSION}; export again"
        )
    if about[-1][:1] != ["mark"] or about[-1][1:2] != [about_mark(about[:-1])]:
        raise WorkbookRefused(
            "the workbook's integrity mark does not match: its hidden about sheet was changed; "
            "export the issues again and make the corrections in the new workbook"
        )
    try:
        ministries, exported_at, sheets, exported = _about(about)
    except (ValueError, IndexError, KeyError) as exc:  # a forged mark over a bad about sheet
        raise WorkbookRefused(
            f"the {ABOUT_SHEET!r} sheet cannot be read ({exc}); export the issues again"
        ) from exc
    rows: list[ReturnedRow] = []
    notes: list[str] = []
    known = {x.name for x in sheets} | {ABOUT_SHEET, INDEX_SHEET}
    unknown = [name for name in book.sheetnames if name not in known]
    if unknown:
        notes.append(f"sheets not in the export were ignored: {', '.join(unknown)}")
    for sheet in sheets:
        if sheet.name not in book.sheetnames:
            raise WorkbookRefused(
                f"the workbook lacks the sheet {sheet.name!r} of the export ({sheet.rule}); "
                "upload the workbook as exported, without renaming or deleting sheets"
            )
        rows.extend(_sheet_rows(book[sheet.name], sheet, exported.get(sheet.name, {}), notes))
    return ReturnedWorkbook(
        ministries, exported_at, fingerprint, tuple(sheets), tuple(rows), tuple(notes)
    )


Exported = dict[str, dict[tuple[int, str, str, str], tuple[int | None, str]]]
"""Per sheet, each exported row's (issue id, source, entity, key) → (record version, info mark)."""


def _about(
    about: list[list[str]],
) -> tuple[tuple[str, ...], datetime, list[ExportedSheet], Exported]:
    """The about sheet's rows (below its format line, above its mark) read back."""
    header = {row[0]: row[1:] for row in about[1:3]}
    ministries = tuple(m for m in (header.get("ministry") or [""])[0].split(",") if m)
    exported_at = datetime.fromisoformat((header.get("exported at") or [""])[0])
    sheets: list[ExportedSheet] = []
    exported: Exported = {}
    for row in about[3:-1]:
        if row[0] == "sheet":
            name, rule, entities, sources, keys, columns = row[1:7]
            sheets.append(
                ExportedSheet(
                    name,
                    rule,
                    tuple(entities.split(",")),
                    tuple(sources.split(",")),
                    tuple(json.loads(keys)),
                    tuple(json.loads(columns)),
                )
            )
        elif row[0] == "row":
            name, issue, source, entity, key, version, info = (row + [""] * 8)[1:8]
            exported.setdefault(name, {})[(int(issue), source, entity, key)] = (
                int(version) if version else None,
                info,
            )
        else:
            raise ValueError(f"unknown row {row[0]!r}")
    unknown = [e for sheet in sheets for e in sheet.entities if e not in ENTITIES]
    if unknown:
        raise ValueError(f"unknown entity {unknown[0]!r}")
    return ministries, exported_at, sheets, exported


def _sheet_rows(
    worksheet: Any,
    sheet: ExportedSheet,
    exported: dict[tuple[int, str, str, str], tuple[int | None, str]],
    notes: list[str],
) -> list[ReturnedRow]:
    lines = worksheet.iter_rows(values_only=True)
    header = [_cell_text(c) or "" for c in _trimmed_raw(next(lines, ()))]
    expected = list(sheet.header)
    if header != expected:
        column = next(
            (i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b),
            min(len(header), len(expected)),
        )
        got = header[column] if column < len(header) else "nothing"
        want = expected[column] if column < len(expected) else "nothing"
        raise WorkbookRefused(
            f"sheet '{sheet.name}': the header row was changed: column {_letter(column)} reads "
            f"{got!r}, expected {want!r}; do not add, remove, rename or move columns"
        )
    fields = record_header(sheet.entities)
    rows: list[ReturnedRow] = []
    for number, raw in enumerate(lines, start=2):
        cells = [_cell_text(c) for c in raw][: len(expected)]
        cells += [None] * (len(expected) - len(cells))
        if not any(cells):
            continue
        issue, _ministry, source, entity, key = cells[: len(IDENTITY_HEADER)]
        try:
            identity = (int(Decimal(issue or "")), source or "", entity or "", key or "")
        except (InvalidOperation, ValueError):
            identity = (-1, source or "", entity or "", key or "")
        if identity not in exported:
            raise WorkbookRefused(
                f"sheet '{sheet.name}' row {number}: issue {issue} ({entity} {key!r} of "
                f"{source}) is not in the export; the columns {', '.join(IDENTITY_HEADER)} "
                "must stay as exported"
            )
        version, info = exported[identity]
        shown = dict(zip(("field", "value", "message", "status"), cells[5:9], strict=True))
        if info_mark(shown) != info:
            notes.append(
                f"sheet '{sheet.name}' row {number}: a change in the issue's own columns "
                f"({', '.join(INFO_HEADER)}) was ignored; only the record's fields are applied"
            )
        rows.append(
            ReturnedRow(
                sheet.name,
                number,
                identity[0],
                identity[1],
                identity[2],
                identity[3],
                version,
                dict(zip(fields, cells[len(ISSUE_HEADER) :], strict=True)),
            )
        )
    return rows


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


def _cell_text(value: Any) -> str | None:
    """A cell as text, as typed: a number Excel stored as a number without a float's tail, a
    date as YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _trimmed_raw(row: Sequence[Any]) -> list[Any]:
    cells = list(row)
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells


def _trimmed(row: Sequence[Any]) -> list[str]:
    return [_cell_text(c) or "" for c in _trimmed_raw(row)]


def _letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB / 10 else f"{n / 1024:.0f} KiB"


def _what(data: bytes) -> str:
    """What a file that is not a zip seems to be, for the refusal."""
    head = data[:8]
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old-style Office file (.xls); save it as .xlsx"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "not a spreadsheet"
    first = text.splitlines()[0] if text.strip() else ""
    if "," in first or ";" in first or "\t" in first:
        return "text, a CSV file"
    return "text"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
