"""Shared helpers for the web app's tests: a demo store the pipeline ran into, with one user of
each role; a signed-in test client; the real ``consolidate serve`` in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from consolidation.core.settings import Settings, StoreSettings
from consolidation.pipeline import Pipeline
from consolidation.web import create_app
from tests.pipeline_support import demo_pipeline

CONSOLIDATE = str(Path(sys.executable).parent / "consolidate")

USERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "root": ("admin", (), "admin-password-123"),
    "amal": ("steward", ("MOH",), "steward-password-123"),
    "omar": ("steward", ("MOF",), "steward-password-mof"),
    "huda": ("steward", ("MOE",), "steward-password-moe"),
    "fatima": ("finance", (), "finance-password-123"),
    "ali": ("auditor", (), "auditor-password-123"),
}
"""Username → role, ministries, password: one user of each kind the app tells apart."""

READABLE = ("/issues", "/dashboard", "/reconcile", "/matches", "/audit")
"""Pages that carry the session's CSRF token, one of which every role may read."""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class WebStore:
    """A store the demo pipeline ran into, its settings, and the users of ``USERS``."""

    directory: Path
    settings: Settings

    def pipeline(self, **web: Any) -> Pipeline:
        """A pipeline over the store; ``web`` overrides web settings (``idle_minutes=1``)."""
        settings = self.settings
        if web:
            settings = settings.model_copy(update={"web": settings.web.model_copy(update=web)})
        return Pipeline(settings)

    def app(self, **web: Any) -> FastAPI:
        return create_app(self.pipeline(**web))

    def env(self, **extra: str) -> dict[str, str]:
        """The environment the CLI reads this store's settings from."""
        return {
            **os.environ,
            "CONSOLIDATION_STORE__URL": self.settings.store.url,
            "CONSOLIDATION_STORE__RAW_DIR": str(self.settings.store.raw_dir),
            "CONSOLIDATION_SOURCES__CONFIG": str(self.settings.sources.config),
            "CONSOLIDATION_VALIDATION__REFERENCE_DATE": str(
                self.settings.validation.reference_date
            ),
            "CONSOLIDATION_OPERATOR": "web-tester",
            "COLUMNS": "200",
            **extra,
        }

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.settings.store.url)

    def copy_to(self, directory: Path) -> WebStore:
        """A copy of an SQLite store (the demo sources stay shared: they are only read)."""
        url = sa.make_url(self.settings.store.url)
        assert url.get_backend_name() == "sqlite", "only an SQLite store is copied"
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(url.database), directory / "store.db")
        shutil.copytree(self.settings.store.raw_dir, directory / "raw", dirs_exist_ok=True)
        store = StoreSettings(url=f"sqlite:///{directory / 'store.db'}", raw_dir=directory / "raw")
        return WebStore(directory, self.settings.model_copy(update={"store": store}))


def build_web_store(
    directory: Path,
    *,
    store_url: str | None = None,
    employees: int = 120,
    journal_lines: int = 300,
    reconcile: bool = True,
) -> WebStore:
    """Generate the demo, run the pipeline over its three sources, add the users of ``USERS``
    and three grey-zone pairs (MOH–MOH, MOH–MOE, MOE–MOE) for the match review; and a
    reconciliation run (source and store levels) unless ``reconcile`` is False."""
    run = demo_pipeline(
        directory, store_url=store_url, employees=employees, journal_lines=journal_lines
    )
    run.pipeline.run(["moh_hr", "moe_hr", "mof_gl"])
    if reconcile:
        service = run.pipeline.reconciliation
        service.run(service.scope(levels="source,store"))
    for name, (role, ministries, password) in USERS.items():
        run.pipeline.users.add(name, role, password, ministries=ministries, actor="web-tester")
    with run.pipeline.engine.begin() as connection:
        keys = {
            source: connection.execute(
                sa.text(
                    "SELECT source_system || '|' || source_key FROM person_source "
                    "WHERE source_system = :s ORDER BY id LIMIT 4"
                ),
                {"s": source},
            )
            .scalars()
            .all()
            for source in ("moh_hr", "moe_hr")
        }
        pairs = [
            (keys["moh_hr"][0], keys["moh_hr"][1], 88.5),
            (keys["moh_hr"][2], keys["moe_hr"][0], 84.0),
            (keys["moe_hr"][1], keys["moe_hr"][2], 81.0),
        ]
        for a, b, score in pairs:
            connection.execute(
                sa.text(
                    "INSERT INTO match_review (kind, record_a, record_b, score, reasons, status) "
                    "VALUES ('person', :a, :b, :score, 'name 0.92; birth date equal', 'open')"
                ),
                {"a": a, "b": b, "score": score},
            )
    run.pipeline.close()
    return WebStore(directory, run.pipeline.settings)


def csrf_of(html: str) -> str:
    """The CSRF token of a page: a form's hidden field or the page's meta tag."""
    found = _CSRF.search(html) or _META_CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None) -> None:
    """Sign ``client`` in as ``username`` (its password from ``USERS``)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password if password is not None else USERS[username][2],
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, f"sign-in of {username}: {response.status_code}"


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the signed-in session, from the meta tag of a page the role reads."""
    for path in READABLE:
        page = client.get(path, follow_redirects=False)
        found = _META_CSRF.search(page.text) if page.status_code == 200 else None
        if found:
            return found.group(1)
    raise AssertionError("no page of the app carries the session's CSRF token")


@contextmanager
def client_of(app: FastAPI, username: str | None = None) -> Iterator[TestClient]:
    """A test client of ``app``, signed in as ``username`` when given."""
    with TestClient(app, base_url="http://testserver") as client:
        if username:
            sign_in(client, username)
        yield client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(store: WebStore, **env: str) -> Iterator[str]:
    """The real ``consolidate serve`` on a free port over ``store``; its base URL."""
    port = free_port()
    log = store.directory / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [CONSOLIDATE, "serve", "--port", str(port)],
            env=store.env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=store.directory,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"consolidate serve did not come up: {log.read_text()[-2000:]}"
                )
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
