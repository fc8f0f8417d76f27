"""A batch is staged in one transaction: a failure after pass 1 has staged chunks leaves nothing
of the batch in the store, and the next run stages it whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import Connector
from consolidation.core import rawstore
from consolidation.core.errors import StageFailed
from consolidation.core.schema import Batch, BatchStatus, RawChunkFile
from consolidation.core.types import RawChunk
from consolidation.staging import batch as staging_batch
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

    def broken(*_args: object) -> None:
        raise StageFailed("the disk filled up while writing issues")

    monkeypatch.setattr(staging_batch, "write_issues", broken)
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


def test_a_source_failing_mid_extraction_fails_its_batch_and_the_chunks_read_are_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw writer runs beside the connector: when the source breaks after some chunks,
    the error reaches the user as the batch's failure, every chunk read before it is written
    and recorded, and a later extraction of the source succeeds."""
    run = demo_pipeline(tmp_path, employees=60, journal_lines=600)
    pipeline = run.pipeline
    pipeline.settings.sources.chunk_size = 50
    finance = next(s for s, spec in pipeline.config.sources.items() if spec.domain == "finance")
    pipeline.register_sources()
    real = Connector.extract

    def breaking(self: Connector, entity: str, *, since: object = None) -> Iterator[RawChunk]:
        for chunk in real(self, entity, since=since):  # type: ignore[arg-type]
            if entity == "journal_line" and chunk.number == 4:
                raise self.error("the server went away while reading journal_line")
            yield chunk

    monkeypatch.setattr(Connector, "extract", breaking)
    with pytest.raises(StageFailed, match="went away while reading journal_line"):
        pipeline.extract(finance)
    with pipeline.session() as session:
        batch = session.scalars(sa.select(Batch).order_by(Batch.id.desc())).first()
        assert batch is not None and batch.status == BatchStatus.FAILED
        recorded = session.scalars(
            sa.select(RawChunkFile.number).filter_by(batch_id=batch.id, entity="journal_line")
        ).all()
    assert sorted(recorded) == [1, 2, 3]
    for number in recorded:
        path = (
            rawstore.batch_dir(pipeline.raw_dir, batch.id)
            / "journal_line"
            / f"{number:06d}.parquet"
        )
        assert path.is_file()

    monkeypatch.undo()
    assert pipeline.extract(finance).rows > 0
