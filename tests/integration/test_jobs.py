"""Background jobs in the store, on both backends: one revalidation at a time across
processes (the unique lock refuses a second), a dead job's lock taken over, progress and the
result recorded, a failure recorded as failed with its message, every start and end audited."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core import store
from consolidation.core.settings import Settings, StoreSettings
from consolidation.pipeline import Pipeline, jobs
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture
def empty(tmp_path: Path, store_url: str) -> Pipeline:
    pipeline = Pipeline(Settings(store=StoreSettings(url=store_url, raw_dir=tmp_path / "raw")))
    store.upgrade(pipeline.engine)
    return pipeline


def _count(engine: sa.Engine, sql: str, **params: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(sql), params).scalar_one())


def test_a_second_job_is_refused_while_one_runs_even_from_another_process(
    empty: Pipeline,
) -> None:
    url = empty.settings.store.url
    # another process claims the lock and stays alive (a holder that died is taken over)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, sqlalchemy as sa\n"
         "from consolidation.pipeline.jobs import JobService\n"
         "print(JobService(sa.create_engine(sys.argv[1])).claim('revalidate', actor='cli'),"
         " flush=True)\n"
         "sys.stdin.read()",
         url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    held = int(holder.stdout.readline().strip())
    service = jobs.JobService(empty.engine)
    with pytest.raises(jobs.JobRunning, match=rf"job {held}, started by cli"):
        service.claim(jobs.REVALIDATE, actor="amal")
    assert _count(empty.engine, "SELECT COUNT(*) FROM background_job") == 1

    service.progress(held, stage="revalidating", done=1, total=2)
    view = service.get(held)
    assert (view.state, view.stage, view.done, view.total) == ("running", "revalidating", 1, 2)
    service.finish(held, {"released": {"employee": 1}}, actor="cli")
    done = service.get(held)
    assert done.state == "done" and done.done == 2 and done.result == {"released": {"employee": 1}}
    again = service.claim(jobs.REVALIDATE, actor="amal")  # the lock was released
    assert again != held
    assert _count(empty.engine, "SELECT COUNT(*) FROM audit_event WHERE action='job.started'") == 2
    assert _count(empty.engine, "SELECT COUNT(*) FROM audit_event WHERE action='job.finished'") == 1
    holder.stdin.close()
    holder.wait(timeout=30)


def test_a_job_whose_heartbeat_stopped_is_interrupted_and_its_lock_taken_over(
    empty: Pipeline,
) -> None:
    service = jobs.JobService(empty.engine)
    dead = service.claim(jobs.REVALIDATE, actor="amal")
    with empty.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE background_job SET heartbeat_at = :t WHERE id = :i"),
            {"t": datetime.now(UTC) - timedelta(minutes=10), "i": dead},
        )
    alive = service.claim(jobs.REVALIDATE, actor="root")
    old = service.get(dead)
    assert old.state == "interrupted" and old.message
    assert service.get(alive).state == "running"
    assert _count(empty.engine, "SELECT COUNT(*) FROM audit_event WHERE action='job.failed' "
                  "AND target_id=:i", i=str(dead)) == 1  # fmt: skip


def test_a_revalidation_job_records_its_result_or_its_failure(tmp_path: Path) -> None:
    run = demo_pipeline(tmp_path, employees=120, journal_lines=300)
    run.pipeline.run(["moh_hr"])
    pipeline = run.pipeline
    fault = next(
        f for f in run.truth["faults"]
        if f["fault"] == "bad_iban_checksum" and f["source"] == "moh_hr"
    )  # fmt: skip
    pipeline.quarantine.correct(
        "moh_hr", "employee", fault["source_key"], {"iban": "BH67BMAG00001299123456"},
        actor="amal",
    )  # fmt: skip
    job_id = jobs.start_revalidation(pipeline, actor="amal")
    view = _finished(pipeline, job_id)
    assert view.state == "done", view.message
    assert view.result["released"].get("employee") == 1
    assert view.result["still_quarantined"] >= 0 and view.result["new_issues"] == 0
    assert _count(pipeline.engine, "SELECT COUNT(*) FROM employment WHERE source_key=:k",
                  k=fault["source_key"]) == 1  # fmt: skip

    # a revalidation that cannot read its sources config fails, recorded with the reason
    broken = Pipeline(pipeline.settings, sources_path=tmp_path / "missing.yaml")
    failed = _finished(pipeline, jobs.start_revalidation(broken, actor="amal"))
    assert failed.state == "failed" and "missing.yaml" in (failed.message or "")
    assert _count(pipeline.engine, "SELECT COUNT(*) FROM background_job "
                  "WHERE lock_key IS NOT NULL") == 0  # fmt: skip
    assert _count(pipeline.engine, "SELECT COUNT(*) FROM audit_event WHERE action='job.failed' "
                  "AND actor='amal'") == 1  # fmt: skip


def _finished(pipeline: Pipeline, job_id: int, timeout: float = 120) -> jobs.JobView:
    service = jobs.JobService(pipeline.engine)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = service.get(job_id)
        if not view.running:
            return view
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")
