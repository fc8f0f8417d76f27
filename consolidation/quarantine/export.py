"""The quarantine as an Excel workbook a ministry fixes at the source: a summary sheet, then
one sheet per rule with each failing record's fields (Arabic cells right to left)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_workbook(
    path: Path,
    rows: list[dict[str, Any]],
    records: dict[tuple[str, str, str], dict[str, Any]],
) -> dict[str, int]:
    """Write the issues ``rows`` (as ``issue_dict`` gives them) with their records' data, keyed
    by (source, entity, source key); returns the count of issues per rule."""
    import xlsxwriter  # lazy: only this command writes workbooks

    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_rule.setdefault(row["rule_id"], []).append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    rtl = workbook.add_format({"reading_order": 2})
    counts: dict[str, int] = {}
    used: set[str] = set()
    overview = workbook.add_worksheet("Summary")
    overview.write_row(0, 0, ["rule", "severity", "issues", "sheet"], header)
    for position, (rule, issues) in enumerate(sorted(by_rule.items()), start=1):
        sheet_name = _sheet_name(rule, used)
        sheet = workbook.add_worksheet(sheet_name)
        fields = list(
            dict.fromkeys(
                k
                for i in issues
                for k in (records.get((i["source"], i["entity"], i["source_key"])) or {})
                if not k.startswith("_")
            )
        )
        columns = [
            "issue id",
            "ministry",
            "source",
            "entity",
            "source key",
            "field",
            "offending value",
            "message",
            "status",
            *fields,
        ]
        sheet.write_row(0, 0, columns, header)
        for line, issue in enumerate(issues, start=1):
            data = records.get((issue["source"], issue["entity"], issue["source_key"])) or {}
            values = [
                issue["id"],
                issue["ministry"],
                issue["source"],
                issue["entity"],
                issue["source_key"],
                issue["field"],
                issue["value"],
                issue["message"],
                issue["status"],
                *(data.get(f) for f in fields),
            ]
            for column, value in enumerate(values):
                text = "" if value is None else value
                arabic = isinstance(text, str) and any("\u0600" <= ch <= "\u06ff" for ch in text)
                sheet.write(line, column, text, rtl if arabic else None)
        sheet.autofilter(0, 0, len(issues), len(columns) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(columns) - 1, 18)
        overview.write_row(position, 0, [rule, issues[0]["severity"], len(issues), sheet_name])
        counts[rule] = len(issues)
    overview.set_column(0, 0, 48)
    workbook.close()
    return counts


def _sheet_name(rule: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in rule)
    name = base[:31]
    counter = 2
    while name.lower() in used:
        suffix = f"~{counter}"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(name.lower())
    return name
