"""A workbook a ministry sent back, read and checked before anything compares it: the file
itself (size, type, what its zip would expand to) before openpyxl parses it, then the workbook
against its own about sheet (integrity mark, headers, keys). ``WorkbookRefused`` names what is
wrong, in one line; ``roundtrip.preview`` compares what passes with the quarantine.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from consolidation.core.unified import ENTITIES
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
)

MiB = 1024 * 1024
EXPANSION = 20
"""What a workbook's parts may decompress to, as a multiple of the upload limit."""
MAX_RATIO = 200
"""The most a part of more than 1 MiB may be compressed (spreadsheet XML: 5 to 30 times)."""
MAX_PARTS = 10_000


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
