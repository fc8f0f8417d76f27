"""The staging stage: map → validate → stage one extracted batch into the unified store.

Its public face:

* ``transform_batch`` — one source's extracted batch through its mapping, the validation rules
  and into the store, in one transaction; returns a ``TransformResult`` with the row accounting
  (extracted = staged + quarantined + rejected) per raw entity.
* ``stage_frame`` — stage a frame of already-validated records (what a release hands over).
* ``source_mapping`` — a source's mapping file, checked against what the source declares.
* ``check_journal_lines`` — the set-based integrity check of journal lines' references that
  every batch writing lines runs before it commits (in place of foreign keys).
* ``Stager``, ``StageCounts``, ``SPECS`` — staging chunks idempotently, and where each unified
  entity lands.
* ``StagingSettings``; errors ``StagingError``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from consolidation.core.integrity import check_journal_lines, orphan_lines
from consolidation.core.reference import ReferenceData
from consolidation.core.sources import SourceSpec
from consolidation.core.types import ProgressSink
from consolidation.staging.batch import BatchTransform
from consolidation.staging.exceptions import StagingError
from consolidation.staging.mapping import source_mapping
from consolidation.staging.results import EntityOutcome, TransformResult
from consolidation.staging.settings import StagingSettings
from consolidation.staging.specs import SPECS, StageSpec
from consolidation.staging.stager import StageCounts, Stager


def transform_batch(
    engine: sa.Engine,
    settings: StagingSettings,
    batch_id: int,
    source: str,
    spec: SourceSpec,
    *,
    reference: ReferenceData,
    progress: ProgressSink,
) -> TransformResult:
    """Map, validate and stage one extracted batch (see ``consolidation.staging.batch``)."""
    mapping = source_mapping(settings.mappings_dir, source, spec)
    return BatchTransform(
        engine,
        settings,
        batch_id,
        source,
        spec,
        mapping=mapping,
        reference=reference,
        progress=progress,
    ).run()


def stage_frame(
    connection: sa.Connection,
    *,
    source: str,
    ministry_id: int,
    batch_id: int,
    entity: str,
    frame: pd.DataFrame,
) -> None:
    """Stage validated records of one source's batch (a release from the quarantine)."""
    stager = Stager(
        connection,
        batch_id=batch_id,
        source_system=source,
        ministry_id=ministry_id,
        recency=datetime.now(UTC),
    )
    stager.stage(entity, frame)


__all__ = [
    "SPECS",
    "EntityOutcome",
    "ProgressSink",
    "StageCounts",
    "StageSpec",
    "Stager",
    "StagingError",
    "StagingSettings",
    "TransformResult",
    "check_journal_lines",
    "orphan_lines",
    "source_mapping",
    "stage_frame",
    "transform_batch",
]
