"""``consolidate notify`` through the real command: the dry run names what would go and to whom
and records nothing, --json, an unreachable SMTP server and an unknown ministry as one line with
exit code 2, then the digests sent through a real SMTP server and not sent again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.demo import generate
from tests.e2e.conftest import Run
from tests.integration.test_notify import free_port, parse, parts, smtp_server

pytestmark = pytest.mark.e2e

ENV = {
    "CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30",
    "CONSOLIDATION_WEB__BASE_URL": "https://hr.consolidation.example.bh",
    "CONSOLIDATION_NOTIFY__SMTP_TIMEOUT_SECONDS": "5",
}


def _one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def _digests(tmp_path: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT status FROM notification_digest")).scalars()
            )
    finally:
        engine.dispose()


def test_notify_dry_run_json_unreachable_then_sent(cli: Run, tmp_path: Path) -> None:
    sources = generate(tmp_path / "demo", employees=60, journal_lines=200).sources_file
    assert cli("db", "upgrade", sources=sources, **ENV).returncode == 0
    assert cli("run", "--all", sources=sources, **ENV).returncode in (0, 1)

    dry = cli("notify", "--dry-run", sources=sources, **ENV)
    assert dry.returncode == 0, dry.stderr
    assert "would send" in dry.stdout and "hr-data@moh.gov.bh" in dry.stdout
    assert "https://hr.consolidation.example.bh/issues?ministry=MOH&status=open" in dry.stdout
    planned = json.loads(cli("notify", "--dry-run", "--json", sources=sources, **ENV).stdout)
    assert planned["dry_run"] is True and planned["counts"]["sent"] == 0
    due = {n["ministry"] for n in planned["notices"] if n["outcome"] == "would send"}
    assert due and planned["counts"]["would send"] == len(due)
    assert _digests(tmp_path) == [], "a dry run records nothing"

    _one_line_error(
        cli("notify", "--ministry", "MOX", sources=sources, **ENV), "unknown ministry 'MOX'"
    )
    port = free_port()
    smtp = {**ENV, "CONSOLIDATION_NOTIFY__SMTP_PORT": str(port)}
    _one_line_error(
        cli("notify", sources=sources, **smtp), f"cannot reach the SMTP server 127.0.0.1:{port}"
    )
    assert set(_digests(tmp_path)) == {"failed"}

    with smtp_server(port) as (inbox, _port):
        sent = cli("notify", "--json", sources=sources, **smtp)
        assert sent.returncode == 0, sent.stderr
        mails = inbox.take()
        again = cli("notify", "--json", sources=sources, **smtp)
        assert inbox.take() == []
    result = json.loads(sent.stdout)
    assert {n["ministry"] for n in result["notices"] if n["outcome"] == "sent"} == due
    assert len(mails) == len(due)
    assert all("Resolved so far" in parts(parse(raw))["text/plain"] for _to, raw in mails)
    assert json.loads(again.stdout)["counts"]["sent"] == 0
    assert _digests(tmp_path) == ["sent"] * len(due)
