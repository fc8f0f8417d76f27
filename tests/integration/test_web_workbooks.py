"""The Excel round trip in the web app: a steward exports the ministry's workbook, corrects it
as a ministry would, uploads it, sees what it would change (old → new, personal values masked,
what would still fail), applies it as corrections and revalidation starts; a foreign, altered,
wrong or oversized file is refused with the service's one line, and a preview is its
uploader's alone and used once."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.pipeline_support import DemoRun
from tests.web_review_support import client, csrf_of, web_demo

pytestmark = pytest.mark.integration
GOOD_IBAN = "BH67BMAG00001299123456"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    run = web_demo(tmp_path_factory.mktemp("web-workbooks"), reconcile=False)
    yield run
    run.pipeline.close()


def _fault(run: DemoRun, kind: str) -> str:
    keys = [
        str(f["source_key"])
        for f in run.truth["faults"]
        if f["fault"] == kind and f["source"] == "moh_hr"
    ]
    return keys[0]


def _export(browser: TestClient, ministry: str) -> openpyxl.Workbook:
    answer = browser.get(f"/issues.xlsx?ministry={ministry}&status=open")
    assert answer.status_code == 200, answer.text[:300]
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def _saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: openpyxl.Workbook, rule: str) -> Any:
    names = {row[1]: str(row[0]) for row in book["Index"].iter_rows(min_row=2, values_only=True)}
    return book[names[rule]]


def _set(book: openpyxl.Workbook, rule: str, key: str, column: str, value: object) -> None:
    sheet = _sheet(book, rule)
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("source key")].value == key:
            row[header.index(column)].value = value
            return
    raise AssertionError(f"no row for {key} on {rule}")


def _upload(
    browser: TestClient, data: bytes, *, name: str = "moh.xlsx", csrf: str | None = None
) -> Any:
    token = csrf or csrf_of(browser.get("/workbooks").text)
    return browser.post(
        "/workbooks/preview",
        data={"csrf_token": token},
        files={"workbook": (name, data, XLSX)},
        follow_redirects=False,
    )


def _error(html: str) -> str:
    found = re.search(r'id="workbook-error"[^>]*>([^<]+)<', html)
    assert found, "no refusal shown"
    return found.group(1).replace("&#39;", "'").replace("&quot;", '"')


def _finished(run: DemoRun, job: int) -> str:
    """The state of a background job once it has stopped running (a minute at most)."""
    for _ in range(600):
        with run.pipeline.engine.connect() as connection:
            state = str(
                connection.execute(
                    sa.text("SELECT state FROM background_job WHERE id = :i"), {"i": job}
                ).scalar_one()
            )
        if state != "running":
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job} still running after a minute")


def _corrected(run: DemoRun, key: str) -> Any:
    return run.pipeline.quarantine.record("moh_hr", "employee", key)["corrected"]


def test_a_corrected_workbook_is_previewed_then_applied_and_revalidated(demo: DemoRun) -> None:
    amal = client(demo, "amal")
    page = amal.get("/workbooks")
    assert page.status_code == 200 and 'id="export-MOH"' in page.text
    assert 'id="export-MOE"' not in page.text
    iban = _fault(demo, "bad_iban_checksum")
    future = _fault(demo, "future_date")
    book = _export(amal, "MOH")
    _set(book, "employee.iban.valid", iban, "iban", GOOD_IBAN)
    _set(book, "employee.hire_date.not_future", future, "hire_date", "2099-01-01")
    preview = _upload(amal, _saved(book))
    assert preview.status_code == 200, preview.text[-800:]
    rows = re.findall(r'<tr class="changed" data-key="([^"]+)" data-field="([^"]+)"', preview.text)
    assert set(rows) == {(iban, "iban"), (future, "hire_date")}
    # personal values masked, both sides; the dates shown as typed
    assert GOOD_IBAN not in preview.text and "*****" + GOOD_IBAN[-4:] in preview.text
    assert "2099-01-01" in preview.text
    failing = re.search(r'id="preview-failing">(.*?)</table>', preview.text, re.S)
    assert failing and future in failing.group(1) and "hire_date.not_future" in failing.group(1)
    assert _corrected(demo, iban) is None  # a preview writes nothing
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]

    # a preview is its uploader's alone
    omar = client(demo, "omar")
    stolen = omar.post(
        "/workbooks/apply",
        data={"token": token, "csrf_token": csrf_of(omar.get("/workbooks").text)},
    )
    assert stolen.status_code == 400 and "expired or is not yours" in stolen.text
    # (the failed attempt by another user used nothing up: the owner's token still works)

    applied = amal.post(
        "/workbooks/apply", data={"token": token, "csrf_token": csrf_of(preview.text)}
    )
    assert applied.status_code in (200, 409), applied.text[-500:]
    # revalidation started in the background: its progress page
    job = re.search(r"/jobs/(\d+)$", str(applied.url))
    assert job, applied.url
    assert _finished(demo, int(job.group(1))) == "done"
    assert _corrected(demo, iban) == {"iban": GOOD_IBAN}
    assert _corrected(demo, future) == {"hire_date": "2099-01-01"}
    with demo.pipeline.engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT actor FROM audit_event WHERE action = 'workbook.applied'")
        ).all()
    assert events == [("amal",)]
    again = amal.post(
        "/workbooks/apply", data={"token": token, "csrf_token": csrf_of(preview.text)}
    )
    assert again.status_code == 400 and "expired or is not yours" in again.text


def test_each_refusal_is_shown_as_its_line(demo: DemoRun, monkeypatch: pytest.MonkeyPatch) -> None:
    amal = client(demo, "amal")
    good = _export(amal, "MOH")
    young = _fault(demo, "hire_before_18")

    refused = _upload(amal, b"employee_no,iban\n065391,BH67BMAG00001299123456\n", name="x.csv")
    assert refused.status_code == 400
    assert "not an Excel workbook (.xlsx): the file is text, a CSV file" in _error(refused.text)

    moe = _saved(_export(client(demo, "omar"), "MOE"))
    refused = _upload(amal, moe)
    assert refused.status_code == 400
    assert "export of MOE ministry, which is not yours (MOH)" in _error(refused.text)

    book = _export(amal, "MOH")
    sheet = _sheet(book, "employee.hire_date.min_age")
    cell = next(c for c in sheet[1] if c.value == "hire_date")
    cell.value = "HIRE"
    refused = _upload(amal, _saved(book))
    assert f"the header row was changed: column {cell.column_letter} reads 'HIRE'" in _error(
        refused.text
    )

    book = _export(amal, "MOH")
    _set(book, "employee.hire_date.min_age", young, "source key", "999999")
    assert "is not in the export" in _error(_upload(amal, _saved(book)).text)

    data = _saved(good)
    monkeypatch.setattr(demo.pipeline.settings.web, "upload_max_bytes", 4096)
    big = _upload(amal, data)  # read, then found over the limit
    assert big.status_code == 413 and "upload limit of 4 KiB" in _error(big.text)
    big = _upload(amal, data + bytes(200_000))  # refused from its length, unread
    assert big.status_code == 413 and "upload limit of 4 KiB" in big.text
    assert big.headers["connection"] == "close"
    monkeypatch.undo()

    # without the CSRF field the upload is refused before anything is read
    token = csrf_of(amal.get("/workbooks").text)
    assert _upload(amal, data, csrf="x" + token).status_code == 403
    # a finance officer or an auditor has no round trip
    for user in ("fatima", "aisha"):
        other = client(demo, user)
        assert other.get("/workbooks").status_code == 403
    nothing = amal.post("/workbooks/apply", data={"token": "../../etc/passwd", "csrf_token": token})
    assert nothing.status_code == 400 and "expired or is not yours" in nothing.text
    assert _corrected(demo, young) is None
