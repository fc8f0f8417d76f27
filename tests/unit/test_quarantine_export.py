"""The quarantine workbook's shape: short sheet names with an index, one header name per column,
records on every sheet (warnings too), and a hidden about sheet it can be read back by."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest

from consolidation.core.unified import ENTITIES
from consolidation.quarantine.export import (
    ABOUT_SHEET,
    INDEX_SHEET,
    ExportedRecord,
    about_mark,
    sheet_header,
    sheet_name,
    write_workbook,
)
from consolidation.quarantine.returned import WorkbookRefused, read_workbook

RULES = [
    ("employee.iban.valid", "employee", "iban", "error"),
    ("employee.national_id.matches_birth_date", "employee", "national_id", "warning"),
    ("journal_line.credit.max_three_decimals", "journal_line", "credit", "error"),
    ("journal_line.debit.max_three_decimals", "journal_line", "debit", "error"),
]


def _issue(ident: int, rule: str, entity: str, field: str, severity: str) -> dict[str, Any]:
    return {
        "id": ident,
        "ministry": "MOF" if entity == "journal_line" else "MOH",
        "source": "mof_gl" if entity == "journal_line" else "moh_hr",
        "entity": entity,
        "source_key": f"{ident:06d}",
        "rule_id": rule,
        "severity": severity,
        "field": field,
        "value": "x",
        "message": f"{field} is wrong",
        "status": "open",
    }


def _workbook() -> tuple[openpyxl.Workbook, bytes]:
    rows = [_issue(i, *rule) for i, rule in enumerate(RULES * 2, start=1)]
    records = {
        (r["source"], r["entity"], r["source_key"]): ExportedRecord(
            {"status": "active", "iban": "BH00", "credit": "1.0001", "_row_hash": "h"},
            None if r["severity"] == "warning" else 1,
        )
        for r in rows
    }
    out = io.BytesIO()
    counts = write_workbook(
        out,
        rows,
        records,
        ministries=["MOH", "MOF"],
        exported_at=datetime(2026, 6, 30, tzinfo=UTC),
    )
    assert counts == {rule: 2 for rule, *_ in RULES}
    data = out.getvalue()
    return openpyxl.load_workbook(io.BytesIO(data)), data


def test_sheet_names_are_short_and_an_index_maps_them_to_rules() -> None:
    book, _data = _workbook()
    assert book.sheetnames[0] == INDEX_SHEET
    assert book.sheetnames[-1] == ABOUT_SHEET
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({name.lower() for name in book.sheetnames}) == len(book.sheetnames)
    index = list(book[INDEX_SHEET].iter_rows(values_only=True))
    assert index[0][:6] == ("sheet", "rule", "entity", "severity", "issues", "records")
    by_rule = {row[1]: row for row in index[1:]}
    assert set(by_rule) == {rule for rule, *_ in RULES}
    for rule, entity, _field, severity in RULES:
        sheet, _rule, listed_entity, listed_severity, issues, records, _sources = by_rule[rule]
        assert sheet in book.sheetnames
        assert (listed_entity, listed_severity, issues, records) == (entity, severity, 2, 2)
    assert by_rule["journal_line.credit.max_three_decimals"][0] == "03 credit.max_three_decimals"


def test_every_sheet_names_each_column_once_and_carries_record_data() -> None:
    book, _data = _workbook()
    for name in book.sheetnames[1:-1]:
        rows = list(book[name].iter_rows(values_only=True))
        header = rows[0]
        assert len(set(header)) == len(header), header
        assert "issue status" in header
        # the warning's sheet has its records' fields too
        if "iban" in header:
            assert {row[header.index("iban")] for row in rows[1:]} == {"BH00"}
            assert {row[header.index("status")] for row in rows[1:]} == {"active"}
        assert "_row_hash" not in header


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_no_entity_makes_a_duplicate_header(entity: str) -> None:
    header = sheet_header([entity])
    assert len(set(header)) == len(header)


def test_the_about_sheet_is_hidden_marked_and_reads_back() -> None:
    book, data = _workbook()
    about = book[ABOUT_SHEET]
    assert about.sheet_state == "veryHidden"
    assert about.protection.sheet
    rows = [[str(c) for c in row if c is not None] for row in about.iter_rows(values_only=True)]
    assert rows[0] == ["format", "consolidation.quarantine.export", "1"]
    assert rows[1] == ["ministry", "MOF,MOH"]
    assert rows[-1] == ["mark", about_mark(rows[:-1])]
    returned = read_workbook(data, max_bytes=1024 * 1024)
    assert returned.ministries == ("MOF", "MOH")
    assert len(returned.rows) == 2 * len(RULES)
    assert returned.notes == ()
    versions = {row.version for row in returned.rows if row.entity == "journal_line"}
    assert versions == {1}


def test_sheet_names_stay_within_excel_limits() -> None:
    name = sheet_name(12, "journal_line.account_code.in_crosswalk_of_the_ministry")
    assert len(name) <= 31 and name.startswith("12 account_code.")
    assert sheet_name(3, "a.b/c[d]") == "03 b_c_d_"


def test_a_forged_mark_over_a_broken_about_sheet_is_refused_in_one_line() -> None:
    book, _data = _workbook()
    about = book[ABOUT_SHEET]
    about["B3"] = "yesterday"
    rows = [[str(c) for c in row if c is not None] for row in about.iter_rows(values_only=True)]
    about[f"B{about.max_row}"] = about_mark(rows[:-1])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookRefused, match="the 'about' sheet cannot be read"):
        read_workbook(out.getvalue(), max_bytes=1024 * 1024)
