"""The record view through the web app: a steward corrects a record through the form, starts a
revalidation and the record flows into the store; the audit keeps who, when, old and new; a
stale form is a conflict that overwrites nothing; personal data stays masked until an allowed
reader reveals it, audited, and everyone else gets 403."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from consolidation.core.settings import Settings, StoreSettings
from consolidation.pipeline import Pipeline
from consolidation.quarantine import IssueFilter
from consolidation.web import create_app
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration

USERS = {
    "root": ("admin", (), "admin-password-123"),
    "amal": ("steward", ("MOH",), "steward-password-123"),
    "omar": ("steward", ("MOF",), "steward-password-mof"),
    "fatima": ("finance", (), "finance-password-123"),
    "ali": ("auditor", (), "auditor-password-123"),
}
GOOD_IBAN = "BH67BMAG00001299123456"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    pipeline: Pipeline

    def client(self, username: str | None = None) -> TestClient:
        client = TestClient(create_app(self.pipeline), base_url="http://testserver")
        if username:
            sign_in(client, username)
        return client

    def one(self, sql: str, **params: object) -> object:
        with self.pipeline.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = _FORM_CSRF.search(page.text)
    assert token
    response = client.post(
        "/login",
        data={"username": username, "password": USERS[username][2], "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found[1]


def build(directory: Path, store_url: str | None = None) -> Pipeline:
    run = demo_pipeline(directory, store_url=store_url, employees=120, journal_lines=300)
    run.pipeline.run(["moh_hr", "moe_hr", "mof_gl"])
    for name, (role, ministries, password) in USERS.items():
        run.pipeline.users.add(name, role, password, ministries=ministries, actor="tester")
    run.pipeline.close()  # SQLite: the last connection's close writes the WAL into the file
    return run.pipeline


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    pipeline = build(tmp_path_factory.mktemp("web-records"))
    yield pipeline
    pipeline.close()


@pytest.fixture
def web(built: Pipeline, tmp_path: Path) -> Iterator[Web]:
    """A copy of the module's store, so each test starts from the same quarantine."""
    url = sa.make_url(built.settings.store.url)
    shutil.copy(str(url.database), tmp_path / "store.db")
    shutil.copytree(built.settings.store.raw_dir, tmp_path / "raw")
    store = StoreSettings(url=f"sqlite:///{tmp_path / 'store.db'}", raw_dir=tmp_path / "raw")
    settings: Settings = built.settings.model_copy(update={"store": store})
    pipeline = Pipeline(settings)
    yield Web(pipeline)
    pipeline.close()


def iban_issue(web: Web, ministry: str = "MOH") -> dict[str, object]:
    [issue] = web.pipeline.quarantine.list_issues(
        IssueFilter(ministry=ministry, rule="employee.iban.valid"), limit=1
    )
    return issue


def wait_for(client: TestClient, job_path: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(job_path, headers={"HX-Request": "true"})
        assert page.status_code == 200
        state = re.search(r'id="job-state" data-state="(\w+)"', page.text)
        assert state
        if state[1] != "running":
            return page.text
        assert 'hx-trigger="every 1s"' in page.text
        time.sleep(0.2)
    raise AssertionError("the job did not finish")


def test_a_steward_corrects_revalidates_and_the_record_is_staged(web: Web) -> None:
    issue = iban_issue(web)
    key = str(issue["source_key"])
    old_iban = str(issue["value"])
    client = web.client("amal")
    page = client.get(f"/issues/{issue['id']}")
    assert page.status_code == 200
    assert 'id="correct-form"' in page.text and 'id="reveal"' in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    before = time.time()
    saved = client.post(
        f"/issues/{issue['id']}/correct",
        data={"csrf_token": csrf(page.text), "version": version[1], "f.iban": GOOD_IBAN},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert web.one(
        "SELECT COUNT(*) FROM employment WHERE source_system='moh_hr' AND source_key=:k", k=key
    ) == 0  # fmt: skip

    page = client.get(saved.headers["location"])
    assert 'id="record-done"' in page.text
    started = client.post(
        "/revalidate", data={"csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    job_page = client.get(started.headers["location"])
    assert job_page.status_code == 200 and 'id="job-refresh"' in job_page.text
    done = wait_for(client, started.headers["location"])
    assert 'data-state="done"' in done and "hx-trigger" not in done
    assert re.search(r'id="job-released-employee">(\d+)<', done)

    # in the store: staged with the corrected IBAN, the issue and the record fixed
    record = web.pipeline.quarantine.record("moh_hr", "employee", key)
    assert record["status"] == "fixed"
    assert web.one(
        "SELECT iban FROM employment WHERE source_system='moh_hr' AND source_key=:k", k=key
    ) == GOOD_IBAN  # fmt: skip
    # the audit: who, when, old and new; the release and the job by the steward
    corrected = web.one(
        "SELECT detail FROM audit_event WHERE action='record.corrected' AND actor='amal'"
    )
    detail = corrected if isinstance(corrected, dict) else json.loads(str(corrected))
    assert detail["changes"] == {"iban": {"old": old_iban, "new": GOOD_IBAN}}
    at = web.one("SELECT at FROM audit_event WHERE action='record.corrected'")
    assert at is not None
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='record.released' "
                   "AND actor='amal' AND target_id=:t", t=f"moh_hr|{key}") == 1  # fmt: skip
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='job.started' "
                   "AND actor='amal'") == 1  # fmt: skip
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='job.finished' "
                   "AND actor='amal'") == 1  # fmt: skip
    assert time.time() - before < 120

    # the history on the page: who, the corrected field, old and new (masked: an IBAN)
    page = client.get(f"/issues/{issue['id']}")
    history = page.text.split('id="record-history"', 1)[1]
    assert "amal" in history and "iban" in history
    assert old_iban not in page.text and GOOD_IBAN not in page.text
    assert "*****" + old_iban[-4:] in history and "*****" + GOOD_IBAN[-4:] in history
    revealed = client.post(f"/issues/{issue['id']}/reveal", data={"csrf_token": csrf(page.text)})
    assert revealed.status_code == 200
    shown = revealed.text.split('id="record-history"', 1)[1]
    assert old_iban in shown and GOOD_IBAN in shown


def test_a_stale_form_is_a_conflict_and_overwrites_nothing(web: Web) -> None:
    issue = iban_issue(web)
    first, second = web.client("amal"), web.client("root")
    page_a = first.get(f"/issues/{issue['id']}")
    page_b = second.get(f"/issues/{issue['id']}")
    seen = re.search(r'name="version" value="(\d+)"', page_b.text)
    assert seen
    ok = first.post(
        f"/issues/{issue['id']}/correct",
        data={
            "csrf_token": csrf(page_a.text),
            "version": seen[1],
            "f.email": "first@health.gov.bh",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    late = second.post(
        f"/issues/{issue['id']}/correct",
        data={
            "csrf_token": csrf(page_b.text),
            "version": seen[1],
            "f.email": "second@health.gov.bh",
        },
    )
    assert late.status_code == 409
    assert 'id="record-conflict"' in late.text and "amal" in late.text
    record = web.pipeline.quarantine.record("moh_hr", "employee", str(issue["source_key"]))
    assert record["corrected"] == {"email": "first@health.gov.bh"}
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='record.corrected'") == 1

    # a decision at a stale issue version conflicts too
    issue_version = re.search(
        rf'id="decide-{issue["id"]}">.*?name="version" value="(\d+)"', page_b.text, re.S
    )
    assert issue_version
    waived = first.post(
        f"/issues/{issue['id']}/decide",
        data={"csrf_token": csrf(page_a.text), "version": issue_version[1], "action": "waive",
              "page": issue["id"], "note": "known"},
        follow_redirects=False,
    )  # fmt: skip
    assert waived.status_code == 303
    stale = second.post(
        f"/issues/{issue['id']}/decide",
        data={"csrf_token": csrf(page_b.text), "version": issue_version[1], "action": "reject",
              "page": issue["id"]},
    )  # fmt: skip
    assert stale.status_code == 409
    assert web.one("SELECT status FROM validation_issue WHERE id=:i", i=issue["id"]) == "waived"
    reopened = first.post(
        f"/issues/{issue['id']}/decide",
        data={"csrf_token": csrf(page_a.text), "version": int(issue_version[1]) + 1,
              "action": "reopen", "page": issue["id"]},
        follow_redirects=False,
    )  # fmt: skip
    assert reopened.status_code == 303
    assert web.one("SELECT status FROM validation_issue WHERE id=:i", i=issue["id"]) == "open"
    history = first.get(f"/issues/{issue['id']}").text.split('id="record-history"', 1)[1]
    assert history.count('<tr class="history-') == 3  # corrected, waived, reopened


def test_a_value_the_pipeline_would_not_read_is_shown_next_to_the_form(web: Web) -> None:
    issue = iban_issue(web)
    client = web.client("amal")
    page = client.get(f"/issues/{issue['id']}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    bad = client.post(
        f"/issues/{issue['id']}/correct",
        data={"csrf_token": csrf(page.text), "version": version[1], "f.hire_date": "31/02/2020"},
    )
    assert bad.status_code == 400
    assert 'id="correct-error"' in bad.text and "hire_date" in bad.text
    assert 'value="31/02/2020"' in bad.text  # the steward's value is kept in the form
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='record.corrected'") == 0
    nothing = client.post(
        f"/issues/{issue['id']}/correct",
        data={"csrf_token": csrf(page.text), "version": version[1], "f.iban": ""},
    )
    assert nothing.status_code == 400  # a masked field left blank changes nothing


def test_personal_data_is_masked_and_revealing_it_is_audited(web: Web) -> None:
    issue = iban_issue(web)
    key = str(issue["source_key"])
    data = web.pipeline.quarantine.record("moh_hr", "employee", key)["data"]
    secrets = [str(data["national_id"]), str(data["iban"]), str(data["base_salary"])]
    for who in ("amal", "root", "ali"):
        page = web.client(who).get(f"/issues/{issue['id']}")
        assert page.status_code == 200
        for secret in secrets:
            assert secret not in page.text, (who, secret)
        assert "*****" + secrets[1][-4:] in page.text
        assert ('id="reveal"' in page.text) is (who != "ali")

    steward = web.client("amal")
    page = steward.get(f"/issues/{issue['id']}")
    revealed = steward.post(f"/issues/{issue['id']}/reveal", data={"csrf_token": csrf(page.text)})
    assert revealed.status_code == 200
    for secret in secrets:
        assert secret in revealed.text
    assert 'id="reveal"' not in revealed.text and 'id="revealed-note"' in revealed.text
    event = web.one(
        "SELECT detail FROM audit_event WHERE action='record.revealed' AND actor='amal'"
    )
    assert event is not None and "national_id" in str(event) and "iban" in str(event)

    # the reveal without the session's CSRF token is refused and not audited
    assert steward.post(f"/issues/{issue['id']}/reveal").status_code == 403
    # an auditor reads but may not unmask; finance may not read records at all
    auditor = web.client("ali")
    page = auditor.get(f"/issues/{issue['id']}")
    assert auditor.post(
        f"/issues/{issue['id']}/reveal", data={"csrf_token": csrf(page.text)}
    ).status_code == 403  # fmt: skip
    finance = web.client("fatima")
    assert finance.get(f"/issues/{issue['id']}").status_code == 403
    token = csrf(finance.get("/dashboard").text)
    assert finance.post(
        f"/issues/{issue['id']}/reveal", data={"csrf_token": token}
    ).status_code == 403  # fmt: skip
    # a steward of another ministry may not open, reveal, correct or decide
    other = web.client("omar")
    assert other.get(f"/issues/{issue['id']}").status_code == 403
    token = csrf(other.get("/issues").text)
    for path, form in (
        ("reveal", {}),
        ("correct", {"version": "1", "f.email": "x@y.bh"}),
        ("decide", {"version": "1", "action": "waive", "page": str(issue["id"])}),
    ):
        response = other.post(f"/issues/{issue['id']}/{path}", data={"csrf_token": token, **form})
        assert response.status_code == 403, path
        for secret in secrets:
            assert secret not in response.text
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE action='record.revealed'") == 1
    assert web.one("SELECT COUNT(*) FROM audit_event WHERE actor IN ('omar', 'ali', 'fatima') "
                   "AND action NOT LIKE 'user.%'") == 0  # fmt: skip


def test_the_original_source_record_is_shown_beside_the_mapped_one(web: Web) -> None:
    issue = iban_issue(web)
    page = web.client("amal").get(f"/issues/{issue['id']}")
    raw = page.text.split('id="raw"', 1)[1].split("</table>", 1)[0]
    assert "IBAN_NO" in raw and "CPR_NO" in raw and "EMP_NO" in raw
    assert str(issue["source_key"]) in raw
    assert str(issue["value"]) not in raw  # the raw IBAN column masked too


def test_two_revalidations_at_once_are_refused(web: Web) -> None:
    from consolidation.pipeline import jobs

    service = jobs.JobService(web.pipeline.engine)
    held = service.claim(jobs.REVALIDATE, actor="another-process")
    client = web.client("amal")
    token = csrf(client.get("/issues").text)
    refused = client.post("/revalidate", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'id="job-refused"' in refused.text and f'href="/jobs/{held}"' in refused.text
    assert web.one("SELECT COUNT(*) FROM background_job WHERE kind = 'revalidate'") == 1

    # a job whose process died (no heartbeat for minutes) is interrupted and taken over
    with web.pipeline.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE background_job SET heartbeat_at = :t WHERE id = :i"),
            {"t": "2000-01-01 00:00:00.000000", "i": held},
        )
    started = client.post("/revalidate", data={"csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303
    wait_for(client, started.headers["location"])
    assert web.one("SELECT state FROM background_job WHERE id=:i", i=held) == "interrupted"
    assert web.one("SELECT COUNT(*) FROM background_job WHERE lock_key IS NOT NULL") == 0
    # only stewards and admins start or watch jobs
    auditor = web.client("ali")
    token = csrf(auditor.get("/issues").text)
    assert auditor.post("/revalidate", data={"csrf_token": token}).status_code == 403
    assert auditor.get(started.headers["location"]).status_code == 403
