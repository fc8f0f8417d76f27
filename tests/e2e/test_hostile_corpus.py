"""Every hostile file of the corpus (``tests/hostile_corpus.py``) through the real command:
the run completes with the hostile value quarantined under its rule id, or the command ends in
one line with exit 2 — never a traceback, never a planted secret, never a batch left open."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Run
from tests.hostile_corpus import CASES, Case, write_case

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_file_ends_quarantined_or_in_one_line(
    case: Case, cli: Run, tmp_path: Path
) -> None:
    folder = write_case(case, tmp_path / case.name)
    env = {"CONSOLIDATION_MAPPINGS__DIRECTORY": str(folder / "mappings")}
    assert cli("db", "upgrade").returncode == 0
    started = time.monotonic()
    result = cli(*case.command, sources=folder / "sources.yaml", **env)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    for secret in case.absent:
        assert secret not in output
    if case.rule is not None:
        assert result.returncode == 0, output
        listed = cli(
            "issues", "list", "--rule", case.rule, "--json", sources=folder / "sources.yaml"
        )
        issues = json.loads(listed.stdout)["issues"]
        assert issues and {i["rule_id"] for i in issues} == {case.rule}, listed.stdout
    else:
        assert result.returncode == 2, output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.stderr
        for text in case.error:
            assert text in errors[0], errors[0]
        assert seconds < 30, f"{case.name} took {seconds:.1f} s"  # no minutes-long parse
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.connect() as connection:
        open_batches = connection.scalar(
            sa.text("SELECT count(*) FROM batch WHERE status IN ('running', 'extracted')")
        )
    engine.dispose()
    assert open_batches == 0
