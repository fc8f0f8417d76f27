"""Spills: text columns written chunk by chunk to a temporary Arrow file instead of being held in
memory, and read back by row position or batch by batch.

    spill = TextSpill(["source", "key"], folder)
    for chunk in chunks:
        spill.append([sources, keys])
    rows = spill.take(positions)            # only these rows come back into memory
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from consolidation.core.types import text_array

TEXT = pa.large_string()


class TextSpill:
    """Text columns of every row appended, in a temporary Arrow file. Once read, the file is
    memory-mapped and unlinked (the mapping keeps it readable); an unread spill's file is
    removed when the spill is collected."""

    def __init__(self, names: list[str], folder: Path | None, *, prefix: str = "spill-") -> None:
        self.schema = pa.schema([(name, TEXT) for name in names])
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        descriptor, self._path = tempfile.mkstemp(prefix=prefix, suffix=".arrow", dir=folder)
        os.close(descriptor)
        self._sink = pa.OSFile(self._path, "wb")
        self._writer = pa.ipc.new_file(self._sink, self.schema)
        self._reader: pa.ipc.RecordBatchFileReader | None = None
        self._cleanup = weakref.finalize(self, _remove, self._path)
        self._starts = [0]
        """Where each written batch starts, counted in rows."""

    def append(self, columns: list[pa.Array]) -> None:
        batch = pa.record_batch([pc.cast(c, TEXT) for c in columns], schema=self.schema)
        self._writer.write_batch(batch)
        self._starts.append(self._starts[-1] + batch.num_rows)

    def _read(self) -> pa.ipc.RecordBatchFileReader:
        if self._reader is None:
            self._writer.close()
            self._sink.close()
            self._reader = pa.ipc.open_file(pa.memory_map(self._path))
            self._cleanup()
        return self._reader

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The batches as appended."""
        reader = self._read()
        for index in range(reader.num_record_batches):
            yield reader.get_batch(index)

    def take(self, positions: npt.NDArray[np.int64]) -> pa.Table:
        """The rows at these positions (ascending), as a table in memory. Each batch is read for
        its own rows only: a take from the whole file would copy all of it into memory first."""
        reader = self._read()
        if np.any(np.diff(positions) < 0):
            raise ValueError("spilled rows are read back in ascending order")
        bounds = np.searchsorted(positions, self._starts)
        parts = [
            reader.get_batch(index).take(
                pa.array(positions[bounds[index] : bounds[index + 1]] - self._starts[index])
            )
            for index in range(len(self._starts) - 1)
            if bounds[index] < bounds[index + 1]
        ]
        return pa.Table.from_batches(parts, schema=self.schema)


def _remove(path: str) -> None:
    Path(path).unlink(missing_ok=True)


class KeySet:
    """Keys gathered chunk by chunk, kept as Arrow text (one buffer a chunk) until they are first
    read as a set. Python strings made one per key while the chunks come and go would each pin
    a piece of the chunks' freed memory, so the process would grow with the source."""

    def __init__(self) -> None:
        self._parts: list[pa.Array] = []
        self._set: set[str] | None = None

    def add(self, keys: pd.Series) -> None:
        if keys.empty:
            return
        if self._set is not None:
            self._set.update(keys)
        else:
            self._parts.append(text_array(keys))

    @property
    def as_set(self) -> set[str]:
        if self._set is None:
            self._set = set(pa.chunked_array(self._parts, pa.string()).to_pylist())
            self._parts.clear()
        return self._set
