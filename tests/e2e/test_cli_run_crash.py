"""A run killed with SIGKILL leaves its batch open; the next command finds the dead process,
marks the batch interrupted with its accounting shown as incomplete, and the rerun is clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import CONSOLIDATE
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.e2e


def _open_batches(engine: sa.Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, status FROM batch WHERE status IN ('running', 'extracted')")
        ).all()
    return [(int(r.id), str(r.status)) for r in rows]


def test_a_batch_left_open_by_a_killed_run_is_found_and_marked_interrupted(
    tmp_path: Path,
) -> None:
    demo = demo_pipeline(tmp_path, employees=400, journal_lines=200)
    store_url = str(demo.pipeline.engine.url)
    demo.pipeline.close()
    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": store_url,
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_SOURCES__CONFIG": str(demo.manifest.sources_file),
        "CONSOLIDATION_OPERATOR": "e2e-tester",
        "COLUMNS": "250",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CONSOLIDATE, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip

    engine = sa.create_engine(store_url)
    process = subprocess.Popen(
        [CONSOLIDATE, "run", "--source", "moh_hr"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not _open_batches(engine):
        assert process.poll() is None, "the run ended before its batch could be caught open"
        assert time.monotonic() < deadline, "the run never opened a batch"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    [(batch_id, _status)] = _open_batches(engine)
    # what a transform killed midway leaves: mapped records, personal data, read by nothing
    mapped = tmp_path / "raw" / f"batch-{batch_id:07d}" / "mapped"
    mapped.mkdir(parents=True, exist_ok=True)
    (mapped / "employee-0001.arrow").write_bytes(b"mapped records of the dead run")

    listed = cli("batches", "--json")
    assert not mapped.exists()
    assert listed.returncode == 0, listed.stderr
    [batch] = json.loads(listed.stdout)["batches"]
    assert batch["id"] == batch_id
    assert batch["status"] == "interrupted" and batch["accounting"] == "incomplete"
    assert f"process {process.pid}" in batch["message"]
    assert "ended without closing it" in batch["message"]
    assert _open_batches(engine) == []
    shown = json.loads(cli("batches", "show", str(batch_id), "--json").stdout)
    assert shown["status"] == "interrupted" and shown["accounting"] == "incomplete"
    table = cli("batches").stdout
    assert "interrupted" in table and "incomplete" in table  # the cell may wrap

    rerun = cli("run", "--source", "moh_hr", "--json")
    assert rerun.returncode == 0, rerun.stderr
    listed_again = json.loads(cli("batches", "--json").stdout)["batches"]
    [_old, new] = sorted(listed_again, key=lambda b: b["id"])
    assert new["status"] == "staged" and new["accounting"] == "complete"
    assert (
        new["rows_extracted"] == new["rows_staged"] + new["rows_quarantined"] + new["rows_rejected"]
    )
    with engine.connect() as connection:
        duplicates = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT source_key FROM employment "
                "WHERE source_system = 'moh_hr' GROUP BY source_key HAVING COUNT(*) > 1) d"
            )
        ).scalar_one()
        audited = connection.execute(
            sa.text("SELECT COUNT(*) FROM audit_event WHERE action = 'batch.interrupted'")
        ).scalar_one()
    assert duplicates == 0 and audited == 1


def test_a_batch_held_by_a_live_process_is_left_alone(tmp_path: Path) -> None:
    """Only a dead holder's batch is closed: this very process holds one open."""
    demo = demo_pipeline(tmp_path, employees=60, journal_lines=100)
    pipeline = demo.pipeline
    pipeline.register_sources()
    extracted = pipeline.extract("moh_hr", hold=True)
    assert pipeline.close_interrupted() == []
    with pipeline.engine.connect() as connection:
        status, pid = connection.execute(
            sa.text("SELECT status, pid FROM batch WHERE id = :b"), {"b": extracted.batch_id}
        ).one()
    assert (status, pid) == ("extracted", os.getpid())
    pipeline.transform(extracted.batch_id, "moh_hr")
    with pipeline.engine.connect() as connection:
        status, pid = connection.execute(
            sa.text("SELECT status, pid FROM batch WHERE id = :b"), {"b": extracted.batch_id}
        ).one()
    assert (status, pid) == ("staged", None)
    alone = pipeline.extract("moh_hr")  # `consolidate extract`: rests extracted, held by none
    with pipeline.engine.connect() as connection:
        assert (
            connection.execute(
                sa.text("SELECT pid FROM batch WHERE id = :b"), {"b": alone.batch_id}
            ).scalar_one()
            is None
        )
    assert pipeline.close_interrupted() == []
