"""The same demo with its SQL ministries on PostgreSQL and MariaDB, into a PostgreSQL store."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.demo import DemoTargets
from consolidation.matching import person_quality
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_database(pg_admin: sa.Engine) -> Iterator[object]:
    made: list[str] = []

    def make() -> str:
        name = f"t_pg_{uuid.uuid4().hex[:10]}"
        with pg_admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
        made.append(name)
        return pg_admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    with pg_admin.connect() as connection:
        for name in made:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_the_pipeline_on_real_servers(
    tmp_path: Path, pg_database: object, mariadb_url: str
) -> None:
    make = pg_database
    assert callable(make)
    run = demo_pipeline(
        tmp_path,
        store_url=make(),
        targets=DemoTargets(health_url=make(), education_url=mariadb_url, finance_url=make()),
        employees=300,
        journal_lines=2000,
    )
    assert run.pipeline.engine.dialect.name == "postgresql"
    result = run.pipeline.run(list(run.pipeline.config.sources))
    for transform in result.transforms:
        for outcome in transform.counted():
            assert outcome.staged + outcome.quarantined + outcome.rejected == outcome.extracted
            assert outcome.extracted == run.manifest.rows[transform.source][outcome.raw_entity]
    injected = {(f["source"], f["entity"], f["source_key"]) for f in run.truth["faults"]}
    with run.pipeline.engine.connect() as connection:
        flagged = {
            tuple(row)
            for row in connection.execute(
                sa.text("SELECT DISTINCT source_system, entity, source_key FROM validation_issue")
            )
        }
        unbalanced = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT entry_id FROM journal_line GROUP BY entry_id "
                "HAVING SUM(debit_amount) <> SUM(credit_amount)) AS broken"
            )
        ).scalar_one()
    assert flagged == injected
    assert unbalanced == 0, "a staged entry does not balance"
    quality = person_quality(run.pipeline.engine, run.truth)
    assert (quality.precision, quality.recall >= 0.95) == (1.0, True)
    again = run.pipeline.run(list(run.pipeline.config.sources))
    changes: defaultdict[str, int] = defaultdict(int)
    for transform in again.transforms:
        for outcome in transform.outcomes:
            changes[transform.source] += outcome.counts.inserted + outcome.counts.updated
    assert sum(changes.values()) == 0, changes
