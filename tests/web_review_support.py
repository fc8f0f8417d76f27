"""Shared helpers of the web tests of match review, reconciliation, the audit log and the Excel
round trip: one demo store with users of every role, and signed-in test clients."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from consolidation.web import create_app
from tests.pipeline_support import DemoRun, demo_pipeline

PASSWORD = "a-long-test-password-42"
USERS = {
    "root": ("admin", ()),
    "amal": ("steward", ("MOH",)),
    "omar": ("steward", ("MOE",)),
    "both": ("steward", ("MOH", "MOE")),
    "fatima": ("finance", ()),
    "aisha": ("auditor", ()),
}


def web_demo(folder: Path, *, reconcile: bool = True) -> DemoRun:
    """The demo's sources run into a new store (every ministry, matched), a reconciliation run
    over it, and one user of each role."""
    run = demo_pipeline(folder, employees=120, journal_lines=300)
    run.pipeline.run(list(run.pipeline.config.sources))
    if reconcile:
        service = run.pipeline.reconciliation
        service.run(service.scope(levels="source,store"))
    for name, (role, ministries) in USERS.items():
        run.pipeline.users.add(name, role, PASSWORD, ministries=ministries, actor="test")
    return run


def client(run: DemoRun, username: str) -> TestClient:
    """A test client signed in as ``username``."""
    browser = TestClient(create_app(run.pipeline))
    page = browser.get("/login")
    token = csrf_of(page.text, field=True)
    answer = browser.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return browser


def csrf_of(html: str, *, field: bool = False) -> str:
    pattern = (
        r'name="csrf_token" value="([^"]+)"' if field else r'name="csrf-token" content="([^"]+)"'
    )
    found = re.search(pattern, html)
    assert found, "no CSRF token in the page"
    return found.group(1)
