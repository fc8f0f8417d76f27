"""Reconciliation in the web app: finance officers list runs, read a run per ministry and
period, drill down to the lines, sign a period off (audited as themselves, refusals shown as
the service's one line) and download the HTML and Excel reports; auditors read only; stewards
have no reconciliation, and finance officers no issue list."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
import sqlalchemy as sa

from tests.pipeline_support import DemoRun
from tests.web_review_support import client, csrf_of, web_demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    run = web_demo(tmp_path_factory.mktemp("web-reconcile"))
    yield run
    run.pipeline.close()


def _latest(run: DemoRun) -> int:
    with run.pipeline.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT MAX(id) FROM reconcile_run")).scalar_one())


def test_runs_drill_down_and_reports(demo: DemoRun) -> None:
    run_id = _latest(demo)
    fatima = client(demo, "fatima")
    listing = fatima.get("/reconcile")
    assert listing.status_code == 200 and f'id="run-{run_id}"' in listing.text
    page = fatima.get(f"/reconcile/{run_id}")
    assert page.status_code == 200
    periods = re.findall(r'<tr id="period-([A-Z]+)-([0-9-]+)"', page.text)
    assert {m for m, _p in periods} >= {"MOH", "MOE", "MOF"}
    ministry, period = next((m, p) for m, p in periods if m == "MOF")
    drill = fatima.get(f"/reconcile/{run_id}?ministry={ministry}&period={period}")
    assert drill.status_code == 200 and 'id="drill-cells"' in drill.text
    cells = re.search(r'id="drill-cells">.*?<tbody>(.*?)</tbody>', drill.text, re.S)
    assert cells and cells.group(1).count("<tr") >= 1
    assert fatima.get(f"/reconcile/{run_id}?ministry=<x>").status_code == 422

    html = fatima.get(f"/reconcile/{run_id}/report.html")
    assert html.status_code == 200 and html.text.lstrip().lower().startswith("<!doctype html>")
    assert "sandbox" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]
    assert "<script" not in html.text.lower()
    download = fatima.get(f"/reconcile/{run_id}/report.html?download=1")
    assert download.headers["content-disposition"].startswith("attachment")
    xlsx = fatima.get(f"/reconcile/{run_id}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) >= 2
    assert fatima.get("/reconcile/999999").status_code == 400


def test_a_finance_officer_signs_a_period_off_audited_as_themselves(demo: DemoRun) -> None:
    run_id = _latest(demo)
    fatima = client(demo, "fatima")
    page = fatima.get(f"/reconcile/{run_id}")
    form = re.search(r'id="signoff-([A-Z]+)-([0-9-]+)"', page.text)
    assert form, "no period to sign off"
    ministry, period = form.groups()
    token = csrf_of(page.text)
    empty = fatima.post(
        f"/reconcile/{run_id}/signoff",
        data={"ministry": ministry, "period": period, "note": " ", "csrf_token": token},
    )
    assert empty.status_code == 400 and 'id="signoff-error"' in empty.text
    assert "needs a --note" in empty.text or "note" in empty.text
    no_csrf = fatima.post(
        f"/reconcile/{run_id}/signoff",
        data={"ministry": ministry, "period": period, "note": "checked"},
    )
    assert no_csrf.status_code == 403
    done = fatima.post(
        f"/reconcile/{run_id}/signoff",
        data={"ministry": ministry, "period": period, "note": "totals <b>checked</b>",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    with demo.pipeline.engine.connect() as connection:
        signed = connection.execute(
            sa.text(
                "SELECT signed_by, note FROM reconcile_signoff WHERE run_id = :r "
                "AND ministry = :m AND period = :p"
            ),
            {"r": run_id, "m": ministry, "p": period},
        ).one()
        audited = connection.execute(
            sa.text(
                "SELECT actor FROM audit_event WHERE action = 'reconcile.signed_off' "
                "AND target_type = 'reconcile_signoff'"
            )
        ).all()
    assert tuple(signed) == ("fatima", "totals <b>checked</b>")
    assert ("fatima",) in audited
    shown = fatima.get(f"/reconcile/{run_id}")
    assert "totals &lt;b&gt;checked&lt;/b&gt;" in shown.text
    assert f'id="signoff-{ministry}-{period}"' not in shown.text
    # a period that does not exist in the run: the service's one line
    refused = fatima.post(
        f"/reconcile/{run_id}/signoff",
        data={"ministry": "MOH", "period": "1999-01", "note": "x", "csrf_token": token},
    )
    assert refused.status_code == 400 and "has no cell of ministry" in refused.text


def test_who_may_reach_reconciliation(demo: DemoRun) -> None:
    run_id = _latest(demo)
    aisha = client(demo, "aisha")
    page = aisha.get(f"/reconcile/{run_id}")
    assert page.status_code == 200 and 'class="inline signoff"' not in page.text
    token = csrf_of(page.text)
    refused = aisha.post(
        f"/reconcile/{run_id}/signoff",
        data={"ministry": "MOF", "period": "2025", "note": "x", "csrf_token": token},
    )
    assert refused.status_code == 403
    amal = client(demo, "amal")
    for path in ("/reconcile", f"/reconcile/{run_id}", f"/reconcile/{run_id}/report.xlsx"):
        assert amal.get(path).status_code == 403
    fatima = client(demo, "fatima")
    assert fatima.get("/issues").status_code == 403
    assert fatima.get("/matches").status_code == 403
