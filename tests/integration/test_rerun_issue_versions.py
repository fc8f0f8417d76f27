"""A rerun that finds the same issues leaves them as they are: their version is the stewards'
optimistic lock, so bumping it on every nightly run would make a steward's open form fail with
a conflict though nothing changed (an issue with no value came back as NaN and compared unequal
to the stored None every time)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration


def test_a_rerun_bumps_no_issue_version(tmp_path: Path) -> None:
    demo = demo_pipeline(tmp_path, employees=400, journal_lines=200)
    pipeline = demo.pipeline
    pipeline.run(list(pipeline.config.sources))
    query = sa.text("SELECT id, version, value FROM validation_issue")
    with pipeline.engine.connect() as connection:
        before = {row.id: row for row in connection.execute(query)}
    assert any(row.value is None for row in before.values())  # the case that was bumped
    pipeline.run(list(pipeline.config.sources))
    with pipeline.engine.connect() as connection:
        after = {row.id: row for row in connection.execute(query)}
    assert after.keys() == before.keys()
    bumped = [i for i in before if after[i].version != before[i].version]
    assert bumped == []
    pipeline.close()
