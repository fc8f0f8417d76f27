"""Real processes at once against one store: runs of different sources all complete (the way
a deployment spreads ministries over machines); a second run of the same source is refused in
one line; a lock whose holder died is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import CONSOLIDATE
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.e2e


def _env(run: DemoRun, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CONSOLIDATION_STORE__URL": run.pipeline.engine.url.render_as_string(hide_password=False),
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_SOURCES__CONFIG": str(run.manifest.sources_file),
        "CONSOLIDATION_VALIDATION__REFERENCE_DATE": run.truth["reference_date"],
        "CONSOLIDATION_OPERATOR": "e2e-tester",
    }


def _start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CONSOLIDATE, *args], env=env, cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _holding(engine: sa.Engine, key: str) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                sa.text("SELECT COUNT(*) FROM background_job WHERE lock_key = :k"), {"k": key}
            ).scalar_one()
        )


def test_runs_of_different_sources_at_once_all_complete_on_postgresql(
    tmp_path: Path, pg_url: str
) -> None:
    run = demo_pipeline(tmp_path, store_url=pg_url, employees=300, journal_lines=1500)
    env = _env(run, tmp_path)
    sources = ["moh_hr", "moe_hr", "mof_gl", "mys_hr", "mys_fin"]
    processes = [_start(env, tmp_path, "run", "--source", name, "--json") for name in sources]
    outcomes = [(p.wait(timeout=600), p.stdout, p.stderr) for p in processes]
    for name, (code, _out, err) in zip(sources, outcomes, strict=True):
        assert code == 0, f"{name}: {err.read() if err else ''}"
    batches = json.loads(
        subprocess.run(
            [CONSOLIDATE, "batches", "--json"], env=env, cwd=tmp_path, capture_output=True,
            text=True, check=True,
        ).stdout
    )["batches"]  # fmt: skip
    assert sorted(b["source"] for b in batches) == sorted(sources)
    for batch in batches:
        assert batch["status"] == "staged", batch
        assert batch["rows_extracted"] == (
            batch["rows_staged"] + batch["rows_quarantined"] + batch["rows_rejected"]
        )
    with run.pipeline.engine.connect() as connection:
        persons = connection.execute(sa.text("SELECT COUNT(*) FROM person")).scalar_one()
        linked = connection.execute(
            sa.text("SELECT COUNT(*) FROM person_source WHERE person_id IS NULL")
        ).scalar_one()
    assert persons > 0 and linked == 0  # the last match saw every source


def test_a_second_run_of_the_same_source_is_refused_in_one_line(tmp_path: Path) -> None:
    run = demo_pipeline(tmp_path, employees=600, journal_lines=100)
    env = _env(run, tmp_path)
    first = _start(env, tmp_path, "run", "--source", "moh_hr")
    deadline = time.monotonic() + 120
    while not _holding(run.pipeline.engine, "source:moh_hr"):
        assert first.poll() is None, "the first run ended before it could be raced"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run(
        [CONSOLIDATE, "run", "--source", "moh_hr"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert first.wait(timeout=600) == 0
    if second.returncode == 0:  # the first had finished by the time the second claimed
        pytest.skip("the first run ended before the second started; no race to observe")
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    [line] = second.stderr.strip().splitlines()
    assert "a run job is already running" in line and "wait for it to finish" in line


def test_a_lock_whose_holder_died_is_taken_over(tmp_path: Path) -> None:
    run = demo_pipeline(tmp_path, employees=60, journal_lines=100)
    env = _env(run, tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    now = datetime.now(UTC)
    rows = [  # a killed run on this machine, and a machine gone quiet two hours ago
        ("source:moh_hr", dead.pid, socket.gethostname(), now),
        ("source:moe_hr", 1, "another-machine", now - timedelta(hours=2)),
        ("source:mys_hr", 1, "another-machine", now),  # alive elsewhere: left alone
    ]
    with run.pipeline.engine.begin() as connection:
        for key, pid, host, beat in rows:
            connection.execute(
                sa.text(
                    "INSERT INTO background_job (kind, lock_key, state, started_by, started_at, "
                    "heartbeat_at, done, result, pid, host) VALUES ('run', :k, 'running', "
                    "'someone', :t, :t, 0, '{}', :p, :h)"
                ),
                {"k": key, "t": beat, "p": pid, "h": host},
            )
    for name in ("moh_hr", "moe_hr"):
        taken = subprocess.run(
            [CONSOLIDATE, "run", "--source", name], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert taken.returncode == 0, taken.stderr
    refused = subprocess.run(
        [CONSOLIDATE, "run", "--source", "mys_hr"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "already running" in refused.stderr


def test_revalidate_and_load_are_refused_while_another_holds_them(tmp_path: Path) -> None:
    """The web app's background revalidation and the CLI's share one lock; so do two loads."""
    run = demo_pipeline(tmp_path, employees=60, journal_lines=100)
    env = _env(run, tmp_path)
    with run.pipeline.engine.begin() as connection:
        for key in ("revalidate", "load"):
            connection.execute(
                sa.text(
                    "INSERT INTO background_job (kind, lock_key, state, started_by, started_at, "
                    "heartbeat_at, done, result, pid, host) VALUES (:k, :k, 'running', 'amal', "
                    ":t, :t, 0, '{}', :p, :h)"
                ),
                {"k": key, "t": datetime.now(UTC), "p": os.getpid(), "h": socket.gethostname()},
            )
    for args in (("revalidate",), ("load", "--all")):
        refused = subprocess.run(
            [CONSOLIDATE, *args], env={**env, "CONSOLIDATION_ODOO__URL": "http://127.0.0.1:9"},
            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert refused.returncode == 2, (args, refused.stderr)
        [line] = refused.stderr.strip().splitlines()
        assert "already running" in line and "started by amal" in line
