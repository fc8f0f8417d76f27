"""The dashboard through the web app, on both store backends: its numbers are the
quarantine service's counts within each reader's scope, per day included; finance and auditors
see counts only; the charts are inline SVG (no script, mirrored in Arabic); the XLSX export
holds the same numbers."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from consolidation.core.schema import IssueStatus
from consolidation.pipeline import Pipeline
from consolidation.quarantine import IssueFilter
from tests.integration.test_web_records import Web, build, csrf

pytestmark = pytest.mark.integration


@pytest.fixture
def web(tmp_path: Path, store_url: str) -> Iterator[Web]:
    pipeline = Pipeline(build(tmp_path, store_url).settings)
    yield Web(pipeline)
    pipeline.close()


def _cards(html: str) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in re.findall(r'id="card-(\w+)">\s*<div class="label">[^<]*</div>\s*'
                                 r'<div class="figure" data-count="(\d+)"', html)
    }  # fmt: skip


def _column(html: str, attribute: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(rf'{attribute}="([^"]+)">(\d+)<', html)}


def test_the_dashboard_shows_the_services_counts_within_each_scope(web: Web) -> None:
    service = web.pipeline.quarantine
    some = service.list_issues(IssueFilter(ministry="MOH", status="open"), limit=2)
    service.decide([int(some[0]["id"])], IssueStatus.WAIVED, actor="amal", scope={"MOH"})
    service.decide([int(some[1]["id"])], IssueStatus.REJECTED, actor="amal", scope={"MOH"})
    today = datetime.now(UTC).date().isoformat()

    for who, scope in (("root", None), ("amal", ("MOH",)), ("fatima", None), ("ali", None)):
        page = web.client(who).get("/dashboard")
        assert page.status_code == 200, who
        cards = _cards(page.text)
        for status in ("open", "waived", "rejected", "fixed"):
            assert cards[status] == service.count_issues(
                IssueFilter(status=status), scope=scope
            ), (who, status)  # fmt: skip
        summary = service.summary(scope=scope)
        by_rule: dict[str, int] = {}
        by_ministry: dict[str, int] = {}
        for row in summary:
            by_rule[row["rule_id"]] = by_rule.get(row["rule_id"], 0) + int(row["count"])
            by_ministry[row["ministry"]] = by_ministry.get(row["ministry"], 0) + int(row["count"])
        assert _column(page.text, "data-rule") == by_rule, who
        assert _column(page.text, "data-ministry") == by_ministry, who
        assert cards["pairs"] == len(service.reviews(scope=scope))
        # every issue was opened today; two were closed today, both of MOH
        opened = _column(page.text, "data-opened")
        assert opened[today] == service.count_issues(scope=scope)
        assert sum(opened.values()) == opened[today] and len(opened) == 30
        assert _column(page.text, "data-closed")[today] == 2
        # an SVG bar per rule, each with its number; no script and no inline style
        chart = page.text.split('id="chart-rule"', 1)[1].split("</svg>", 1)[0]
        assert chart.count('class="bar"') == len(by_rule)
        assert "<script" not in page.text.split("</head>", 1)[1] and "style=" not in page.text
        # finance reads counts only: no link to the issues
        assert ('href="/issues?' in page.text) is (who != "fatima")

    steward = web.client("amal").get("/dashboard").text
    assert set(_column(steward, "data-ministry")) == {"MOH"}


def test_the_dashboard_exports_its_numbers_and_mirrors_in_arabic(web: Web) -> None:
    client = web.client("root")
    page = client.get("/dashboard")
    export = client.get("/dashboard.xlsx")
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    totals, rules, ministries, days = (book[name] for name in book.sheetnames)
    assert dict(rules.iter_rows(min_row=2, values_only=True)) == _column(page.text, "data-rule")
    assert dict(ministries.iter_rows(min_row=2, values_only=True)) == _column(
        page.text, "data-ministry"
    )
    status_rows = dict(totals.iter_rows(min_row=2, values_only=True))
    assert status_rows["Open"] == _cards(page.text)["open"]
    assert days.max_row == 31

    client.post("/language", data={"lang": "ar", "csrf_token": csrf(page.text), "back": "/"})
    arabic = client.get("/dashboard")
    assert 'dir="rtl"' in arabic.text and "لوحة المتابعة" in arabic.text
    # in Arabic the bars grow from the right: the first bar ends at the label column
    bar = re.search(r'id="chart-rule".*?<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"',
                    arabic.text, re.S)  # fmt: skip
    assert bar and float(bar[1]) + float(bar[2]) == pytest.approx(640 - 300)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard.xlsx").content))
    assert "المجاميع" in sheet.sheetnames


def test_the_dashboard_needs_a_signed_in_reader(web: Web) -> None:
    anonymous = web.client()
    assert anonymous.get("/dashboard", follow_redirects=False).status_code == 303
    assert anonymous.get("/dashboard.xlsx", follow_redirects=False).status_code == 303
