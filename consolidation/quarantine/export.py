"""The quarantine as an Excel workbook a ministry corrects and sends back: an index sheet, one
short-named sheet per rule with each issue and its record's fields (Arabic cells right to
left), and a hidden, protected "about" sheet that lets the returned workbook be read back.

The about sheet says which ministries and when, and for each rule sheet its rule, entity,
sources, key columns and header, and for each row the issue, the record's key and the version
of the quarantined record exported (the version a correction is checked against). Its last row
is an integrity mark: a SHA-256 over everything above it. No secret key (an HMAC) is needed:
the mark catches a header, key or about sheet changed by hand or by a tool; whoever forges it
can at most propose corrections to quarantined records of their own ministry, which the store
checks (scope, fields, versions) and a steward previews before anything is applied.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from consolidation.core.schema import Base
from consolidation.core.unified import ENTITIES, LINEAGE_COLUMNS

FORMAT = "consolidation.quarantine.export"
FORMAT_VERSION = "1"
INDEX_SHEET = "Index"
ABOUT_SHEET = "about"

ISSUE_HEADER = (
    "issue id",
    "ministry",
    "source",
    "entity",
    "source key",
    "issue field",
    "offending value",
    "message",
    "issue status",
)
"""The issue's own columns, before the record's fields: never applied as corrections."""
IDENTITY_HEADER = ISSUE_HEADER[:5]
"""The columns that say which issue and record a row is: changing one is tampering."""
INFO_HEADER = ISSUE_HEADER[5:]
"""What the issue says (field, value, message, status): a change there is ignored."""

Key = tuple[str, str, str]
"""(source, entity, source key)"""

STAGED_TABLES = {
    "employee": ("person_source", "employment"),
    "vendor": ("partner_source",),
    "account": ("source_account",),
}
"""Where a staged record's fields are, where the table is not named after its entity."""


@dataclass(frozen=True)
class ExportedRecord:
    """A record's fields as text, and the version of its quarantine record (None when the
    record is not in the quarantine: staged with a warning)."""

    data: Mapping[str, Any]
    version: int | None = None


def record_header(entities: Iterable[str]) -> list[str]:
    """The record columns of a sheet: its entities' fields, lineage left out."""
    fields: dict[str, None] = {}
    for entity in entities:
        for name in ENTITIES[entity].fields:
            if name not in LINEAGE_COLUMNS:
                fields[name] = None
    return list(fields)


def sheet_header(entities: Iterable[str]) -> list[str]:
    """The whole header row; a record field named like an issue column gets a ``record `` prefix."""
    fields = [f"record {f}" if f in ISSUE_HEADER else f for f in record_header(entities)]
    return [*ISSUE_HEADER, *fields]


def info_mark(issue: Mapping[str, Any]) -> str:
    """A short fingerprint of the issue's informational cells, to notice them edited."""
    cells = [_text(issue.get(k)) or None for k in ("field", "value", "message", "status")]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()[:16]


def about_mark(rows: Sequence[Sequence[str]]) -> str:
    """The integrity mark: a SHA-256 over the about sheet's rows above it."""
    canonical = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_workbook(
    target: Path | IO[bytes],
    rows: list[dict[str, Any]],
    records: Mapping[Key, ExportedRecord],
    *,
    ministries: Sequence[str],
    exported_at: datetime,
) -> dict[str, int]:
    """Write the issues ``rows`` (as ``issue_dict`` gives them) with their records' data, keyed
    by (source, entity, source key), to a file or a binary stream; returns the count of issues
    per rule."""
    import xlsxwriter  # lazy: only exports write workbooks

    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rule.setdefault(row["rule_id"], []).append(row)
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        workbook = xlsxwriter.Workbook(str(target))
    else:
        workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    fixed = workbook.add_format({"bg_color": "#F2F2F2", "num_format": "@"})
    fixed_rtl = workbook.add_format({"bg_color": "#F2F2F2", "num_format": "@", "reading_order": 2})
    text = workbook.add_format({"num_format": "@"})
    text_rtl = workbook.add_format({"num_format": "@", "reading_order": 2})
    about: list[list[str]] = [
        ["format", FORMAT, FORMAT_VERSION],
        ["ministry", ",".join(sorted({m.upper() for m in ministries}))],
        ["exported at", exported_at.isoformat()],
    ]
    index = workbook.add_worksheet(INDEX_SHEET)
    index.write_row(
        0, 0, ["sheet", "rule", "entity", "severity", "issues", "records", "sources"], header
    )
    counts: dict[str, int] = {}
    for position, (rule, issues) in enumerate(sorted(by_rule.items()), start=1):
        name = sheet_name(position, rule)
        sheet = workbook.add_worksheet(name)
        entities = list(dict.fromkeys(i["entity"] for i in issues))
        fields = record_header(entities)
        columns = sheet_header(entities)
        sheet.write_row(0, 0, columns, header)
        sources = sorted({i["source"] for i in issues})
        keys = ["source key", *(k for e in entities for k in ENTITIES[e].key)]
        about.append(
            [
                "sheet",
                name,
                rule,
                ",".join(entities),
                ",".join(sources),
                json.dumps(keys, ensure_ascii=False),
                json.dumps(columns, ensure_ascii=False),
            ]
        )
        for line, issue in enumerate(issues, start=1):
            key = (issue["source"], issue["entity"], issue["source_key"])
            record = records.get(key) or ExportedRecord({})
            sheet.write_number(line, 0, int(issue["id"]), fixed)
            for column, value in enumerate(
                [issue[k] for k in ("ministry", "source", "entity", "source_key")]
                + [issue[k] for k in ("field", "value", "message", "status")],
                start=1,
            ):
                _write(sheet, line, column, value, fixed, fixed_rtl)
            for column, name_ in enumerate(fields, start=len(ISSUE_HEADER)):
                _write(sheet, line, column, record.data.get(name_), text, text_rtl)
            about.append(
                [
                    "row",
                    name,
                    str(issue["id"]),
                    *key,
                    "" if record.version is None else str(record.version),
                    info_mark(issue),
                ]
            )
        sheet.autofilter(0, 0, len(issues), len(columns) - 1)
        sheet.freeze_panes(1, len(IDENTITY_HEADER))
        sheet.set_column(0, len(columns) - 1, 18)
        sheet.set_column(len(ISSUE_HEADER) - 2, len(ISSUE_HEADER) - 2, 48)
        distinct = len({(i["source"], i["entity"], i["source_key"]) for i in issues})
        index.write_row(
            position,
            0,
            [name, rule, ",".join(entities), issues[0]["severity"], len(issues), distinct],
        )
        index.write_string(position, 6, ",".join(sources))
        index.write_url(position, 0, f"internal:'{name}'!A1", string=name)
        counts[rule] = len(issues)
    index.set_column(0, 0, 34)
    index.set_column(1, 1, 48)
    about.append(["mark", about_mark(about)])
    sheet = workbook.add_worksheet(ABOUT_SHEET)
    for line, values in enumerate(about):
        for column, value in enumerate(values):
            sheet.write_string(line, column, value)
    sheet.protect()
    sheet.very_hidden()  # not listed by Excel's Unhide: the ministry is not meant to see it
    workbook.close()
    return counts


def sheet_name(position: int, rule: str) -> str:
    """A short, unique sheet name: the rule's position in the index and the rule without its
    entity (``03 iban.valid``); the index gives the whole rule id. At most Excel's 31
    characters, none of []:*?/\\."""
    rest = rule.split(".", 1)[-1]
    name = "".join("_" if ch in "[]:*?/\\'" else ch for ch in f"{position:02d} {rest}")
    return name if len(name) <= 31 else name[:30] + "…"


def staged_records(connection: sa.Connection, wanted: Iterable[Key]) -> dict[Key, ExportedRecord]:
    """The fields of records in the store (a record with only warnings is staged, not
    quarantined), read back from the tables it was staged into, as text."""
    by_table: dict[tuple[str, str], set[str]] = {}
    for source, entity, key in wanted:
        for name in STAGED_TABLES.get(entity, (entity,)):
            by_table.setdefault((name, source), set()).add(key)
    found: dict[Key, dict[str, Any]] = {}
    for (name, source), keys in sorted(by_table.items()):
        table = Base.metadata.tables.get(name)
        if table is None or "source_key" not in table.c:
            continue
        entity = next(e for e in ENTITIES if name in STAGED_TABLES.get(e, (e,)))
        columns = {
            field: table.c[column]
            for field in record_header([entity])
            for column in (field, f"{field}_amount", f"source_{field}")
            if column in table.c
        }
        query = sa.select(table.c.source_key, *columns.values()).where(
            table.c.source_system == source, table.c.source_key.in_(sorted(keys))
        )
        if "withdrawn" in table.c:
            query = query.where(table.c.withdrawn.is_(False))
        for row in connection.execute(query):
            values = found.setdefault((source, entity, row[0]), {})
            for field, value in zip(columns, row[1:], strict=True):
                values.setdefault(field, _text(value))
    return {key: ExportedRecord(values) for key, values in found.items()}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _write(sheet: Any, line: int, column: int, value: Any, plain: Any, rtl: Any) -> None:
    text = _text(value) or ""
    arabic = any("\u0600" <= ch <= "\u06ff" for ch in text)
    sheet.write_string(line, column, text, rtl if arabic else plain)
