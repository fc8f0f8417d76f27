"""The seed-scale claim (issue 14): a year of 1,000,000 ledger lines whose debits total exactly
74,000,000.000 BHD goes through the pipeline into a PostgreSQL store and reconciles, source
against store, to the fils."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import ledger
from consolidation.core import store
from consolidation.core.settings import Settings, SourcesSettings, StoreSettings, ValidationSettings
from consolidation.pipeline import Pipeline
from consolidation.reconcile.model import CellStatus, Comparison, Outcome

pytestmark = pytest.mark.integration

LINES = 1_000_000
TOTAL = Decimal("74000000.000")


@pytest.fixture
def source_url(pg_admin: sa.Engine) -> Iterator[str]:
    """A second new PostgreSQL database: the finance ministry's ledger."""
    name = f"t_seed_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield pg_admin.url.set(database=name).render_as_string(hide_password=False)
    with pg_admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_a_year_of_a_million_lines_reconciles_to_the_fils(
    tmp_path: Path, pg_url: str, source_url: str
) -> None:
    seed = ledger.write(tmp_path / "source", LINES, source_url)
    source = sa.create_engine(source_url)
    with source.connect() as connection:
        written = connection.execute(
            sa.text("SELECT count(*), sum(dr_amt), sum(cr_amt) FROM je_lines")
        ).one()
    source.dispose()
    assert (written[0], written[1], written[2]) == (LINES, TOTAL, TOTAL)

    settings = Settings(
        store=StoreSettings(url=pg_url, raw_dir=tmp_path / "raw"),
        sources=SourcesSettings(config=seed.config, chunk_size=100_000),
        validation=ValidationSettings(reference_date=date(2026, 6, 30)),
        operator="tester",
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    run = pipeline.run(["mof_gl"])
    lines = next(o for o in run.transforms[0].outcomes if o.target == "journal_line")
    counts = (lines.extracted, lines.staged, lines.quarantined, lines.rejected)
    assert counts == (LINES, LINES, 0, 0)

    service = pipeline.reconciliation
    result = service.run(service.scope(ministries=["MOF"], period="2025", levels="source,store"))

    assert result.outcome is Outcome.RECONCILED
    assert result.cells
    assert all(cell.residual.is_zero for cell in result.cells)
    assert all(cell.status is CellStatus.RECONCILED for cell in result.cells)
    journal = result.cells_of(Comparison.LEDGER_SOURCE_STORE, "MOF")
    assert {cell.period for cell in journal} == {f"2025-{month:02d}" for month in range(1, 13)}
    assert sum(cell.left.count for cell in journal) == LINES
    assert sum((cell.left.debit for cell in journal), Decimal(0)) == TOTAL
    assert sum((cell.right.debit for cell in journal), Decimal(0)) == TOTAL
    assert sum((cell.right.credit for cell in journal), Decimal(0)) == TOTAL

    with pipeline.engine.connect() as connection:
        staged = connection.execute(
            sa.text(
                "SELECT count(*), sum(l.debit_amount), sum(l.credit_amount) FROM journal_line l "
                "JOIN journal_entry e ON e.id = l.entry_id "
                "WHERE NOT l.withdrawn AND l.source_system = 'mof_gl' AND e.period LIKE '2025-%'"
            )
        ).one()
    pipeline.close()
    assert (staged[0], staged[1], staged[2]) == (LINES, TOTAL, TOTAL)
