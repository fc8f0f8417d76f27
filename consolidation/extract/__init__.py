"""The extract stage: each source's records into the raw area, as immutable, checksummed
Parquet, one batch per source run, with the source's control totals.

Its public face: ``extract_source`` (one source into one batch; an ``ExtractResult``),
``failing`` and ``fail_batch`` (a stage's error marks its batch failed), the batch read-outs
``BatchRecords`` (recent batches, one batch's accounting, its raw files' integrity, the source
record behind a row), who holds a batch open (``hold``, ``release``, ``close_interrupted``: a
batch whose process died is marked interrupted), ``ExtractSettings``, and ``ExtractError``.
"""

from consolidation.core.types import ProgressSink
from consolidation.extract.batch import (
    EntityExtract,
    ExtractResult,
    extract_source,
    fail_batch,
    failing,
)
from consolidation.extract.batches import BatchRecords
from consolidation.extract.exceptions import ExtractError
from consolidation.extract.holders import close_interrupted, hold, process_alive, release
from consolidation.extract.settings import ExtractSettings

__all__ = [
    "BatchRecords",
    "EntityExtract",
    "ExtractError",
    "ExtractResult",
    "ExtractSettings",
    "ProgressSink",
    "close_interrupted",
    "extract_source",
    "fail_batch",
    "failing",
    "hold",
    "process_alive",
    "release",
]
