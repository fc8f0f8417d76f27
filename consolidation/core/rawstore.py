"""The raw area: every batch's records exactly as extracted, as immutable, checksummed Parquet.

Each chunk is one file, written to a temporary name, fsynced, renamed into place and made
read-only; its SHA-256 is recorded in ``raw_chunk``. Any unified row can be traced back to its
exact source record through its batch and source key.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from consolidation.core.errors import StoreError
from consolidation.core.types import SOURCE_KEY, RawChunk, text_array

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class WrittenChunk:
    entity: str
    number: int
    path: str
    row_count: int
    sha256: str
    first_key: str | None
    last_key: str | None


def batch_dir(raw_dir: Path, batch_id: int) -> Path:
    return raw_dir / f"batch-{batch_id:07d}"


def _relative(path: Path, raw_dir: Path) -> str:
    return path.relative_to(raw_dir).as_posix()


def write_chunk(raw_dir: Path, batch_id: int, chunk: RawChunk) -> WrittenChunk:
    """Write one chunk as a read-only Parquet file and return what the store records of it."""
    folder = batch_dir(raw_dir, batch_id) / chunk.entity
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chunk.number:06d}.parquet"
    if path.exists():
        raise StoreError(f"raw chunk {path} already exists; raw records are never overwritten")
    table = chunk.table
    temporary = path.with_suffix(".parquet.part")
    pq.write_table(table, temporary, compression="zstd")
    digest = _sha256(temporary)
    temporary.replace(path)
    path.chmod(_READ_ONLY)
    keys = table.column(SOURCE_KEY)
    return WrittenChunk(
        entity=chunk.entity,
        number=chunk.number,
        path=_relative(path, raw_dir),
        row_count=table.num_rows,
        sha256=digest,
        first_key=keys[0].as_py() if len(keys) else None,
        last_key=keys[-1].as_py() if len(keys) else None,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_chunk(raw_dir: Path, relative_path: str, sha256: str) -> str | None:
    """None if the file is intact, else what is wrong with it."""
    path = raw_dir / relative_path
    if not path.exists():
        return f"{relative_path}: missing"
    actual = _sha256(path)
    if actual != sha256:
        return f"{relative_path}: checksum {actual[:12]}… differs from recorded {sha256[:12]}…"
    return None


def read_chunk(raw_dir: Path, relative_path: str, *, source: str) -> RawChunk:
    """A raw chunk back exactly as extracted: its Arrow text table, and its records as text
    (``str``/``None``) through ``.frame``."""
    path = raw_dir / relative_path
    table = pq.read_table(path)
    return RawChunk(source=source, entity=path.parent.name, number=int(path.stem), table=table)


def write_frame(path: Path, frame: pd.DataFrame | pa.Table) -> None:
    """A working file of a batch (mapped records): money as exact text, dates as timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = frame if isinstance(frame, pa.Table) else frame_table(frame)
    pq.write_table(table, path, compression="zstd")


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """Mapped records as Arrow, as the working files hold them: dates as timestamps, integers
    as int64, everything else (money included, exact) as text."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype) or isinstance(
            column.dtype, pd.Int64Dtype
        ):
            columns[str(name)] = pa.array(column)
        else:
            columns[str(name)] = text_array(column)
    return pa.table(columns)


def read_frame(
    path: Path,
    money: list[str],
    columns: list[str] | None = None,
    *,
    keys: pa.Array | None = None,
    key_column: str = SOURCE_KEY,
) -> pd.DataFrame:
    """A working file back: the named money columns as ``Decimal``, text as ``str``/``None``.
    With ``keys``, only the records whose ``key_column`` (the source key unless named) is one
    of them, filtered before any value is converted."""
    table = pq.read_table(path, columns=columns)
    if keys is not None:
        table = table.filter(pc.is_in(table.column(key_column), value_set=keys))
    frame = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            frame[name] = column.to_pandas().astype("datetime64[ns]")
        elif pa.types.is_integer(column.type):
            frame[name] = pd.Series(column.to_pylist(), dtype="Int64")
        elif name in money:  # each distinct amount made a Decimal once
            encoded = pc.dictionary_encode(column.combine_chunks())
            decimals = [Decimal(text) if text else None for text in encoded.dictionary.to_pylist()]
            values = np.array([*decimals, None], dtype=object)
            positions = encoded.indices.fill_null(len(decimals)).to_numpy(zero_copy_only=False)
            frame[name] = pd.Series(values[positions], dtype=object)
        else:
            frame[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    return pd.DataFrame(frame)


def find_record(raw_dir: Path, relative_paths: list[str], source_key: str) -> dict[str, Any] | None:
    """The raw record with this source key, searching the given chunk files in order."""
    for relative_path in relative_paths:
        table = pq.read_table(raw_dir / relative_path, filters=[(SOURCE_KEY, "=", source_key)])
        if table.num_rows:
            record: dict[str, Any] = table.slice(0, 1).to_pylist()[0]
            return record
    return None
