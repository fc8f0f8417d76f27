"""Journal lines' references are checked set-based per batch, not by foreign keys: an orphan
line planted inside a batch fails the batch with one line naming it, and the batch leaves
nothing behind (on both store backends)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from consolidation.core.errors import StageFailed
from consolidation.core.integrity import orphan_lines
from consolidation.core.schema import Batch, BatchStatus, JournalLine, table_of
from consolidation.staging import batch as staging_batch
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration


def _count(engine: sa.Engine, table: str, source: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE source_system = :s"), {"s": source}
            ).scalar_one()
        )


def _orphan(connection: sa.Connection, source: str, batch_id: int, **refs: Any) -> None:
    values = {
        "batch_id": batch_id,
        "source_system": source,
        "source_key": "planted-orphan",
        "row_hash": "0" * 64,
        "entry_no": "nowhere",
        "source_account_code": "0000000",
        "debit_amount": Decimal("1.000"),
        "credit_amount": Decimal("0.000"),
        "currency": "BHD",
        "entry_id": 987_654_321,
        "account_id": 1,
        **refs,
    }
    connection.execute(sa.insert(table_of(JournalLine)).values(**values))


@pytest.mark.parametrize("first_load", [True, False], ids=["first load", "re-run"])
def test_an_orphan_line_fails_the_batch_and_leaves_nothing(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, first_load: bool
) -> None:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=40, journal_lines=300)
    pipeline = run.pipeline
    pipeline.register_sources()
    reference = pipeline.load_reference()
    if not first_load:
        pipeline.run(["mof_gl"])
    before = {
        table: _count(pipeline.engine, table, "mof_gl")
        for table in ("journal_entry", "journal_line", "quarantine_record", "control_total")
    }
    extracted = pipeline.extract("mof_gl")
    write_issues = staging_batch.write_issues

    def planting(connection: sa.Connection, source: str, batch_id: int, log: Any) -> None:
        write_issues(connection, source, batch_id, log)
        _orphan(connection, source, batch_id)

    monkeypatch.setattr(staging_batch, "write_issues", planting)
    with pytest.raises(StageFailed) as failure:
        pipeline.transform(extracted.batch_id, "mof_gl", reference=reference)
    message = str(failure.value)
    assert "\n" not in message
    assert "integrity check" in message
    assert "line planted-orphan" in message
    assert "entry 987654321" in message
    after = {table: _count(pipeline.engine, table, "mof_gl") for table in before}
    assert after == before
    with pipeline.session() as session:
        assert session.get_one(Batch, extracted.batch_id).status == BatchStatus.FAILED

    monkeypatch.undo()
    again = pipeline.extract("mof_gl")
    result = pipeline.transform(again.batch_id, "mof_gl", reference=reference)
    assert all(o.balanced for o in result.counted())
    with pipeline.engine.connect() as connection:
        assert orphan_lines(connection) == []


def test_every_reference_of_a_line_is_checked(tmp_path: Path, store_url: str) -> None:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=40, journal_lines=300)
    run.pipeline.run(["mof_gl"])
    engine = run.pipeline.engine
    with engine.begin() as connection:
        entry, account = connection.execute(
            sa.text("SELECT entry_id, account_id FROM journal_line ORDER BY id LIMIT 1")
        ).one()
        assert orphan_lines(connection) == []
        _orphan(connection, "mof_gl", 1, source_key="a", entry_id=entry, account_id=999_999)
        _orphan(
            connection,
            "mof_gl",
            1,
            source_key="p",
            entry_id=entry,
            account_id=account,
            partner_id=888_888,
        )
        found = {(name, key, missing) for name, _id, key, missing in orphan_lines(connection)}
        assert found == {("account", "a", 999_999), ("partner", "p", 888_888)}
        assert orphan_lines(connection, "moh_hr") == []
        partners = orphan_lines(connection, only=("partner",))
        assert [(name, key) for name, _id, key, _missing in partners] == [("partner", "p")]
        connection.rollback()
