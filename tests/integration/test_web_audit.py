"""The audit log in the web app: admins and auditors filter it by actor, action, target and
date, page it, and export the same filter to Excel; details are escaped and personal values in
them masked; stewards and finance officers may not read it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from consolidation.quarantine import IssueFilter
from tests.pipeline_support import DemoRun
from tests.web_review_support import client, web_demo

pytestmark = pytest.mark.integration
IBAN = "BH67BMAG00001299123456"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    run = web_demo(tmp_path_factory.mktemp("web-audit"), reconcile=False)
    service = run.pipeline.quarantine
    [issue] = service.list_issues(IssueFilter(ministry="MOH", rule="employee.iban.valid"), limit=1)
    service.correct(
        str(issue["source"]),
        str(issue["entity"]),
        str(issue["source_key"]),
        {"iban": IBAN, "email": "<script>x</script>@moh.gov.bh"},
        actor="amal",
    )
    yield run
    run.pipeline.close()


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="event-\d+">.*?</tr>', html, re.S)


def test_filters_paging_escaping_and_masking(demo: DemoRun) -> None:
    aisha = client(demo, "aisha")
    every = aisha.get("/audit")
    assert every.status_code == 200
    total = int(re.search(r'id="audit-count">(\d+)', every.text).group(1))  # type: ignore[union-attr]
    assert total > 5 and len(_rows(every.text)) == min(total, 50)

    corrected = aisha.get("/audit?actor=amal&action=record.corrected")
    rows = _rows(corrected.text)
    assert len(rows) == 1
    assert IBAN not in corrected.text and "*****" + IBAN[-4:] in corrected.text
    assert "<script>x" not in corrected.text and "&lt;script&gt;x" in corrected.text

    signins = aisha.get("/audit?action=user.signed_in")
    assert {re.search(r'<td dir="auto">([^<]+)</td>', r).group(1) for r in _rows(signins.text)} >= {  # type: ignore[union-attr]
        "aisha"
    }
    by_target = aisha.get("/audit?target_type=quarantine_record")
    assert len(_rows(by_target.text)) == 1
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = aisha.get(f"/audit?since={tomorrow}")
    assert _rows(later.text) == [] and 'id="audit-count">0' in later.text
    today = datetime.now(UTC).date().isoformat()
    assert len(_rows(aisha.get(f"/audit?since={today}&until={today}").text)) == min(total, 50)
    assert aisha.get("/audit?since=yesterday").status_code == 400

    root = client(demo, "root")
    page_two = root.get("/audit?page=2")
    assert page_two.status_code == 200


def test_export_follows_the_filter(demo: DemoRun) -> None:
    root = client(demo, "root")
    answer = root.get("/audit.xlsx?actor=amal&action=record.corrected")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "at (UTC)", "actor", "action")
    assert len(rows) == 2 and rows[1][2] == "amal" and rows[1][3] == "record.corrected"
    assert IBAN not in str(rows[1][6]) and "*****" + IBAN[-4:] in str(rows[1][6])
    every = root.get("/audit.xlsx")
    count = int(re.search(r'id="audit-count">(\d+)', root.get("/audit").text).group(1))  # type: ignore[union-attr]
    assert openpyxl.load_workbook(io.BytesIO(every.content)).active.max_row >= count


def test_only_admins_and_auditors_read_it(demo: DemoRun) -> None:
    for user in ("amal", "fatima"):
        browser = client(demo, user)
        assert browser.get("/audit").status_code == 403
        assert browser.get("/audit.xlsx").status_code == 403
