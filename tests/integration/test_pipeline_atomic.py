"""A batch is staged in one transaction: a failure after pass 1 has staged chunks leaves nothing
of the batch in the store, and the next run stages it whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.errors import StageFailed
from consolidation.pipeline.transform import BatchTransform
from consolidation.schema import Batch, BatchStatus
from tests.pipeline_support import demo_pipeline


def _rows(engine: sa.Engine, table: str, source: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE source_system = :s"), {"s": source}
            )
            or 0
        )


def test_a_failure_after_pass_1_stages_nothing_and_a_rerun_stages_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = demo_pipeline(tmp_path, employees=60, journal_lines=600)
    pipeline = run.pipeline
    finance = next(s for s, spec in pipeline.config.sources.items() if spec.domain == "finance")
    pipeline.register_sources()
    reference = pipeline.load_reference()
    extract = pipeline.extract(finance)

    def broken(self: BatchTransform, connection: sa.Connection) -> None:
        raise StageFailed("the disk filled up while writing issues")

    monkeypatch.setattr(BatchTransform, "_write_issues", broken)
    with pytest.raises(StageFailed, match="disk filled up"):
        pipeline.transform(extract.batch_id, finance, reference=reference)
    for table in ("journal_entry", "journal_line", "source_account", "quarantine_record"):
        assert _rows(pipeline.engine, table, finance) == 0, table
    with pipeline.session() as session:
        assert session.get_one(Batch, extract.batch_id).status == BatchStatus.FAILED

    monkeypatch.undo()
    again = pipeline.extract(finance)
    result = pipeline.transform(again.batch_id, finance, reference=reference)
    lines = next(o for o in result.outcomes if o.target == "journal_line")
    assert lines.extracted == lines.staged + lines.quarantined + lines.rejected
    assert lines.quarantined > 0  # the demo injects faults into every ledger
    assert _rows(pipeline.engine, "journal_line", finance) == lines.staged
    assert lines.counts.inserted == lines.staged
