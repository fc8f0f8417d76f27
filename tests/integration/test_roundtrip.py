"""The Excel round trip with a ministry, on both store backends: MOH's issues exported, cells
corrected as a ministry would, the preview, the corrections applied and revalidated; and every
foreign or altered workbook refused with its one line."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from consolidation.core.schema import IssueStatus
from consolidation.quarantine import IssueFilter, QuarantineConflict, QuarantineService
from consolidation.quarantine.diff import WorkbookDiff
from consolidation.quarantine.returned import WorkbookRefused
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration

GOOD_IBAN = "BH67BMAG00001299123456"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def demo(tmp_path: Any, store_url: str) -> DemoRun:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=120, journal_lines=300)
    run.pipeline.run(["moh_hr", "moe_hr", "mof_gl"])
    return run


def _export(service: QuarantineService, ministry: str = "MOH") -> bytes:
    out = io.BytesIO()
    service.export_xlsx(out, IssueFilter(ministry=ministry, status="open"), scope={ministry})
    return out.getvalue()


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: openpyxl.Workbook, rule: str) -> Any:
    names = {row[1]: str(row[0]) for row in book["Index"].iter_rows(min_row=2, values_only=True)}
    return book[names[rule]]


def _set(book: openpyxl.Workbook, rule: str, key: str, column: str, value: object) -> None:
    """Type ``value`` into the row of record ``key`` on the rule's sheet, as a ministry would."""
    sheet = _sheet(book, rule)
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("source key")].value == key:
            row[header.index(column)].value = value
            return
    raise AssertionError(f"no row for {key} on {rule}")


def _fault(run: DemoRun, kind: str) -> str:
    return str(
        next(
            f["source_key"]
            for f in run.truth["faults"]
            if f["fault"] == kind and f["source"] == "moh_hr"
        )
    )


def _scalar(run: DemoRun, sql: str, **params: object) -> Any:
    with run.pipeline.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _staged(run: DemoRun, key: str) -> bool:
    return bool(
        _scalar(
            run,
            "SELECT COUNT(*) FROM employment WHERE source_system = 'moh_hr' AND source_key = :k "
            "AND NOT withdrawn",
            k=key,
        )
    )


def test_a_corrected_workbook_is_previewed_applied_and_revalidated(demo: DemoRun) -> None:
    pipeline, service = demo.pipeline, demo.pipeline.quarantine
    iban = _fault(demo, "bad_iban_checksum")
    missing = _fault(demo, "missing_national_id")
    young = _fault(demo, "hire_before_18")
    future = _fault(demo, "future_date")
    born = str(service.record("moh_hr", "employee", missing)["data"]["birth_date"])
    national_id = born[2:4] + born[5:7] + "01234"
    old_iban = service.record("moh_hr", "employee", iban)["data"]["iban"]
    old_hire = service.record("moh_hr", "employee", future)["data"]["hire_date"]
    salary = service.record("moh_hr", "employee", iban)["data"]["base_salary"]

    book = _book(_export(service))
    _set(book, "employee.iban.valid", iban, "iban", GOOD_IBAN)
    _set(book, "employee.iban.valid", iban, "base_salary", float(salary))  # same amount
    _set(book, "employee.iban.valid", iban, "message", "fixed it")  # not a record field
    _set(
        book, "employee.national_id.present", missing, "national_id", national_id.translate(ARABIC)
    )
    _set(book, "employee.hire_date.min_age", young, "hire_date", "2015-09-01".translate(ARABIC))
    _set(book, "employee.hire_date.not_future", future, "hire_date", "2027-01-01")  # still ahead

    diff = pipeline.preview_workbook(_saved(book), scope={"MOH"}, ministry="MOH")
    assert diff.ministries == ("MOH",)
    changed = {(c.key, f.field): (f.old, f.new) for c in diff.changes for f in c.fields}
    young_hire = service.record("moh_hr", "employee", young)["data"]["hire_date"]
    assert changed == {
        (iban, "iban"): (old_iban, GOOD_IBAN),
        (missing, "national_id"): (None, national_id),
        (young, "hire_date"): (young_hire, "2015-09-01"),
        (future, "hire_date"): (old_hire, "2027-01-01"),
    }
    assert {(c.source, c.entity, c.ministry, c.version) for c in diff.changes} == {
        ("moh_hr", "employee", "MOH", 1)
    }
    assert [(s.key, s.rule_id) for s in diff.still_failing] == [
        (future, "employee.hire_date.not_future")
    ]
    assert "2027-01-01 is after today" in diff.still_failing[0].message
    assert diff.invalid == () and diff.skipped == ()
    assert any("was ignored" in note for note in diff.notes)
    # a preview writes nothing
    assert service.record("moh_hr", "employee", iban)["corrected"] is None
    assert _scalar(demo, "SELECT COUNT(*) FROM audit_event WHERE action LIKE 'record.%'") == 0

    confirmed = WorkbookDiff.from_json(diff.to_json())  # as the web keeps it between requests
    assert confirmed == diff
    applied = pipeline.apply_workbook(confirmed, actor="moh-steward", scope={"MOH"})
    assert (applied.records, applied.fields, applied.skipped, applied.still_failing) == (4, 4, 0, 1)
    assert service.record("moh_hr", "employee", iban)["corrected"] == {"iban": GOOD_IBAN}
    assert service.record("moh_hr", "employee", missing)["corrected"] == {
        "national_id": national_id
    }
    assert (
        _scalar(
            demo,
            "SELECT COUNT(*) FROM audit_event WHERE action = 'record.corrected' "
            "AND actor = 'moh-steward'",
        )
        == 4
    )
    assert _scalar(demo, "SELECT COUNT(*) FROM audit_event WHERE action = 'workbook.applied'") == 1
    detail = _scalar(demo, "SELECT detail FROM audit_event WHERE action = 'workbook.applied'")
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert (detail["records"], detail["fields"], detail["still_failing"]) == (4, 4, 1)

    result = pipeline.revalidate(source="moh_hr")
    assert result.released.get("employee", 0) >= 3
    assert _staged(demo, iban) and _staged(demo, missing) and _staged(demo, young)
    assert not _staged(demo, future)
    assert (
        _scalar(
            demo,
            "SELECT iban FROM employment WHERE source_system = 'moh_hr' AND source_key = :k",
            k=iban,
        )
        == GOOD_IBAN
    )


def _refused(service: QuarantineService, data: bytes, **kwargs: Any) -> str:
    kwargs.setdefault("scope", {"MOH"})
    with pytest.raises(WorkbookRefused) as refused:
        service.preview_workbook(data, **kwargs)
    message = str(refused.value)
    assert "\n" not in message
    return message


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_foreign_or_tampered_workbook_is_refused(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    good = _export(service)
    iban = _fault(demo, "bad_iban_checksum")

    # the file itself, before any parser reads it
    assert "not an Excel workbook (.xlsx): the file is text, a CSV file" in _refused(
        service, b"employee_no,iban\n065391,BH67BMAG00001299123456\n"
    )
    assert "the file is a PNG image" in _refused(service, b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert "the file is empty" in _refused(service, b"")
    assert "over the upload limit of 1 KiB" in _refused(service, good, max_bytes=1024)
    assert "the file is a Word document" in _refused(
        service, _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    )
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(64 << 20)})
    assert len(bomb) < 1 << 20
    assert "compressed" in _refused(service, bomb) and "to 1" in _refused(service, bomb)
    many = _zip({f"xl/media/part{i}.xml": bytes(900 << 10) for i in range(40)})
    assert "would expand to 35.2 MiB, over the limit of 2.0 MiB" in _refused(
        service, many, max_bytes=100 << 10
    )

    # another ministry's workbook
    moe = _export(service, "MOE")
    assert "export of MOE ministry, which is not yours (MOH)" in _refused(service, moe)
    assert "not of MOH; upload the workbook exported for MOH" in _refused(
        service, moe, scope=None, ministry="MOH"
    )

    # a workbook this system did not export
    foreign = openpyxl.Workbook()
    foreign.create_sheet("employees").append(["employee_no", "iban"])
    assert "it has no 'about' sheet" in _refused(service, _saved(foreign))

    # a changed header, key, added row, record key or integrity mark
    book = _book(good)
    _sheet(book, "employee.iban.valid")["X1"] = "IBAN"
    assert "the header row was changed: column X reads 'IBAN', expected 'iban'" in _refused(
        service, _saved(book)
    )
    book = _book(good)
    _set(book, "employee.iban.valid", iban, "source key", "999999")
    assert "is not in the export" in _refused(service, _saved(book))
    book = _book(good)
    sheet = _sheet(book, "employee.iban.valid")
    sheet.append([*(c.value for c in sheet[2])][:4] + ["777777"])  # noqa: RUF005
    assert "(employee '777777' of moh_hr) is not in the export" in _refused(service, _saved(book))
    book = _book(good)
    _set(book, "employee.iban.valid", iban, "employee_no", "123")
    assert "employee_no is the record's key" in _refused(service, _saved(book))
    book = _book(good)
    book["about"]["B2"] = "MOE"
    assert "integrity mark does not match" in _refused(service, _saved(book))
    book = _book(good)
    last = book["about"].max_row
    book["about"][f"B{last}"] = "0" * 64
    assert "integrity mark does not match" in _refused(service, _saved(book))
    book = _book(good)
    del book[_sheet(book, "employee.iban.valid").title]
    assert "lacks the sheet '03 iban.valid'" in _refused(service, _saved(book))


def test_a_record_changed_since_the_preview_is_a_conflict(demo: DemoRun) -> None:
    pipeline, service = demo.pipeline, demo.pipeline.quarantine
    iban = _fault(demo, "bad_iban_checksum")
    young = _fault(demo, "hire_before_18")
    book = _book(_export(service))
    _set(book, "employee.iban.valid", iban, "iban", GOOD_IBAN)
    _set(book, "employee.hire_date.min_age", young, "hire_date", "2015-09-01")
    data = _saved(book)
    diff = pipeline.preview_workbook(data, scope={"MOH"})
    assert len(diff.changes) == 2

    # another steward corrects one of the records meanwhile
    service.correct("moh_hr", "employee", iban, {"iban": "BH29BMAG00001299123457"}, actor="other")
    with pytest.raises(QuarantineConflict, match=f"record '{iban}' changed since you read it"):
        pipeline.apply_workbook(diff, actor="moh-steward", scope={"MOH"})
    # all or none: the other record was not corrected, and nothing was audited as applied
    assert service.record("moh_hr", "employee", young)["corrected"] is None
    assert service.record("moh_hr", "employee", iban)["corrected"] == {
        "iban": "BH29BMAG00001299123457"
    }
    assert _scalar(demo, "SELECT COUNT(*) FROM audit_event WHERE action = 'workbook.applied'") == 0

    # previewed again, the record changed since the export is skipped, not overwritten; a
    # record rejected meanwhile is no longer open
    [issue] = service.list_issues(IssueFilter(rule="employee.hire_date.min_age", key=young))
    service.decide([int(issue["id"])], IssueStatus.REJECTED, actor="other")
    again = pipeline.preview_workbook(data, scope={"MOH"})
    assert again.changes == ()
    reasons = {s.key: s.reason for s in again.skipped}
    assert "changed in the quarantine since the export (by other)" in reasons[iban]
    assert "no longer open in the quarantine (rejected by other)" in reasons[young]
    applied = pipeline.apply_workbook(again, actor="moh-steward", scope={"MOH"})
    assert (applied.records, applied.skipped) == (0, 2)
