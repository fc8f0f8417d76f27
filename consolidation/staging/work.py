"""One mapped entity of a batch at work: its mapped chunk files, row count, whether pass 1
staged it, and reading its chunks back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from consolidation.core import rawstore
from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, FieldType
from consolidation.staging.stager import StageCounts
from mappings import EntityMapping


@dataclass
class EntityWork:
    mapping: EntityMapping
    paths: list[Path] = field(default_factory=list)
    rows: int = 0
    early: bool = False
    """Staged during pass 1 (a first load: insert only)."""
    counts: StageCounts = field(default_factory=StageCounts)

    def frames(
        self,
        columns: list[str] | None = None,
        *,
        keys: pa.Array | None = None,
        key_column: str = SOURCE_KEY,
    ) -> Iterator[pd.DataFrame]:
        """The mapped chunks (only ``columns``, only rows whose ``key_column`` is in ``keys``)."""
        money = ENTITIES[self.mapping.target].of_type(FieldType.MONEY)
        for path in self.paths:
            yield rawstore.read_frame(path, money, columns, keys=keys, key_column=key_column)
