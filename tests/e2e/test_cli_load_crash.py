"""Fault injection: ``consolidate load`` killed with SIGKILL at random points while the Odoo
stand-in refuses calls and drops answers; after each kill it runs again, and in the end every
unified row has exactly one Odoo record."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.central_support import assert_every_row_accounted, assert_exactly_once
from tests.e2e.conftest import CONSOLIDATE
from tests.odoo_standin import central_standin
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.e2e


def test_sigkill_at_random_points_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    demo = demo_pipeline(tmp_path, employees=150, journal_lines=500)
    demo.pipeline.run(list(demo.pipeline.config.sources))
    store_url = str(demo.pipeline.engine.url)
    demo.pipeline.close()
    chance = random.Random(20261122)
    with central_standin() as odoo:
        odoo.faults.refuse_rate, odoo.faults.drop_rate, odoo.faults.seed = 0.05, 0.02, 7
        env = {
            **os.environ,
            "CONSOLIDATION_STORE__URL": store_url,
            "CONSOLIDATION_SOURCES__CONFIG": str(demo.manifest.sources_file),
            "CONSOLIDATION_ODOO__URL": odoo.url,
            "CONSOLIDATION_ODOO__DATABASE": odoo.db,
            "CONSOLIDATION_ODOO__LOGIN": odoo.login,
            "CONSOLIDATION_ODOO__PASSWORD": odoo.password,
            "CONSOLIDATION_OPERATOR": "e2e-tester",
        }
        command = [CONSOLIDATE, "load", "--all", "--workers", "3", "--batch-size", "5"]
        command += ["--page-size", "20", "--json"]  # several pages of employees and entries
        engine = sa.create_engine(store_url)
        kills = 0
        for _ in range(5):
            before = _runs(engine)
            process = subprocess.Popen(
                command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            # the kill lands at a random point after this run has begun loading (its load_run
            # row exists), however long the CLI took to start on a busy machine
            _wait_for_a_new_run(engine, before, process)
            time.sleep(chance.uniform(0.1, 1.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.communicate(timeout=60)
        assert kills >= 2  # runs were cut off mid-load (a run that finishes ends the game)
        final = subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
        )
        assert final.returncode == 0, final.stderr[-2000:]
        odoo.faults.refuse_rate = odoo.faults.drop_rate = 0.0
        assert_exactly_once(engine, odoo)
        for entity, table in (("employment", "employment"), ("journal_entry", "journal_entry")):
            assert_every_row_accounted(engine, entity, table)
        with engine.connect() as connection:
            runs = [row[0] for row in connection.execute(sa.text("SELECT status FROM load_run"))]
            lines = connection.execute(
                sa.text(
                    "SELECT count(*) FROM journal_line WHERE entry_id IN (SELECT row_id FROM "
                    "central_ref WHERE entity = 'journal_entry')"
                )
            ).scalar()
            line_refs = connection.execute(
                sa.text("SELECT count(*) FROM central_ref WHERE entity = 'journal_line'")
            ).scalar()
        assert runs[-1] == "finished"
        assert "running" not in runs  # a killed run is marked interrupted by the next one
        assert runs.count("interrupted") >= 1
        assert line_refs == lines
        engine.dispose()


def _runs(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM load_run")).scalar_one())


def _wait_for_a_new_run(engine: sa.Engine, before: int, process: subprocess.Popen[bytes]) -> None:
    """Until the store holds more load runs than before, or the process has ended."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and _runs(engine) <= before:
        time.sleep(0.05)
