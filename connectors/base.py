"""The one interface every connector implements.

A connector yields chunks of raw records (``RawChunk``: an Arrow table whose every column is
text, null for missing), each record with a stable ``_source_key``, and keeps the entity's
control totals as it goes. Subclasses implement ``_open`` (check the entity and return its
column names), ``_frames`` (yield text DataFrames, or Arrow text tables, of at most
``chunk_size`` rows) and optionally ``estimate_rows``. Each implementation registers itself
under its ``kind`` when its class is defined; ``connectors.open_connector`` looks it up there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from connectors.keys import SourceKeys
from consolidation.core.errors import ConsolidationError
from consolidation.core.sources import EntitySpec, SourceSpec
from consolidation.core.types import (
    CHUNK_ROWS,
    ControlTotals,
    RawChunk,
    ReadLimits,
    text_table,
)


class ConnectorError(ConsolidationError):
    """A source cannot be read. The message names the source and what is wrong, on one line."""


class Connector(ABC):
    kind: ClassVar[str]
    registry: ClassVar[dict[str, type[Connector]]] = {}
    """Every implementation by its ``kind``, filled as each class is defined."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is None:
            return
        known = Connector.registry.get(kind)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__qualname__} and {known.__qualname__} both have kind {kind!r}")
        Connector.registry[kind] = cls

    def __init__(
        self,
        name: str,
        spec: SourceSpec,
        *,
        base_dir: Path = Path(),
        chunk_size: int = CHUNK_ROWS,
        limits: ReadLimits = ReadLimits(),  # noqa: B008 - frozen, never mutated
    ) -> None:
        if spec.kind != self.kind:
            raise TypeError(f"{type(self).__name__} needs a {self.kind} source, not {spec.kind!r}")
        self.name = name
        self.spec = spec
        self.base_dir = base_dir
        self.chunk_size = chunk_size
        self.limits = limits
        self.totals: dict[str, ControlTotals] = {}
        self._prepare()

    def _prepare(self) -> None:  # noqa: B027 - optional hook
        """Set up what an implementation keeps between calls (connections, caches); the spec
        is of the implementation's kind by then."""

    @property
    def entities(self) -> list[str]:
        return list(self.spec.entities)

    def entity_spec(self, entity: str) -> EntitySpec:
        try:
            spec: EntitySpec = self.spec.entities[entity]
        except KeyError:
            raise self.error(
                f"no entity {entity!r}; it declares {', '.join(self.entities)}"
            ) from None
        return spec

    def error(self, what: str, *, transient: bool = False) -> ConnectorError:
        return ConnectorError(f"source {self.name!r}: {what}", transient=transient)

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.base_dir / path

    def check(self) -> None:
        """Open every entity and check its declared columns, reading no rows."""
        for entity in self.entities:
            self._check_columns(entity, self._open(entity))

    def extract(self, entity: str, *, since: datetime | None = None) -> Iterator[RawChunk]:
        """Yield the entity's records in chunks; ``totals[entity]`` is complete when it ends."""
        spec = self.entity_spec(entity)
        columns = self._open(entity)
        self._check_columns(entity, columns)
        totals = self.totals[entity] = ControlTotals()
        rows_before = 0
        keys = SourceKeys(spec.key)
        for number, chunk in enumerate(self._frames(entity, since=since), start=1):
            table = chunk if isinstance(chunk, pa.Table) else self._text(entity, chunk, rows_before)
            self._refuse_nul(entity, table, rows_before)
            rows_before += table.num_rows
            table = keys.add_to(table)
            totals.add_chunk(table, spec.control)
            yield RawChunk(source=self.name, entity=entity, number=number, table=table)

    def estimate_rows(self, entity: str, *, since: datetime | None = None) -> int | None:
        """How many records ``extract(entity, since=since)`` yields, if that is cheap to know
        (for progress bars)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def _open(self, entity: str) -> list[str]:
        """Reach the entity (connect, open the file) and return its column names."""

    @abstractmethod
    def _frames(self, entity: str, *, since: datetime | None) -> Iterator[pd.DataFrame | pa.Table]:
        """Yield chunks of at most ``chunk_size`` rows: DataFrames of text (``None`` or NaN for
        missing), or Arrow tables of text columns where the source hands Arrow already."""

    def _where(self, entity: str) -> str:
        """How the entity is named in errors (a table, a file and header line, a model)."""
        return f"entity {entity!r}"

    def _text(self, entity: str, frame: pd.DataFrame, rows_before: int) -> pa.Table:
        """The chunk as text, or one line naming the row and field whose value is no text: a
        driver's undecodable bytes (kept as surrogates) cannot be stored or shown."""
        try:
            return text_table(frame)
        except (UnicodeEncodeError, pa.ArrowException) as exc:
            for position, row in enumerate(frame.itertuples(index=False, name=None)):
                for column, value in zip(frame.columns, row, strict=True):
                    if isinstance(value, str) and not _encodes(value):
                        raise self._unrepresentable(
                            entity,
                            self._row_name(
                                entity,
                                dict(zip(frame.columns, row, strict=True)),
                                rows_before,
                                position,
                            ),
                            str(column),
                            "holds bytes that are not text in the source's encoding",
                        ) from None
            raise self.error(
                f"{self._where(entity)}: a value could not be read as text ({type(exc).__name__})"
            ) from None

    def _refuse_nul(self, entity: str, table: pa.Table, rows_before: int) -> None:
        """A NUL character is no text a store holds (PostgreSQL refuses it): one line naming
        the row and field, checked in C per column."""
        first: tuple[int, str] | None = None
        for name in table.column_names:
            column = table.column(name)
            if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
                continue
            if not _may_hold_nul(column):
                continue
            found = pc.match_substring(column, "\x00")
            if pc.any(found).as_py():
                position = int(np.flatnonzero(found.to_numpy(zero_copy_only=False) == True)[0])  # noqa: E712
                first = min(first, (position, name)) if first else (position, name)
        if first is not None:
            position, name = first
            raise self._unrepresentable(
                entity,
                self._row_name(
                    entity, table.slice(position, 1).to_pylist()[0], rows_before, position
                ),
                name,
                "holds a NUL character, which no text field can hold",
            )

    def _row_name(self, entity: str, row: dict[str, Any], rows_before: int, position: int) -> str:
        key = self.entity_spec(entity).key_columns()
        values = [row.get(column) for column in key]
        shown = "|".join("" if v is None else str(v) for v in values)
        where = f"row {rows_before + position + 1}"
        if any(v is not None for v in values) and _encodes(shown) and "\x00" not in shown:
            where += f" (key {shown!r})"
        return where

    def _unrepresentable(self, entity: str, row: str, field: str, what: str) -> ConnectorError:
        return self.error(
            f"{self._where(entity)}, {row}, field {field!r} {what}; clean the value at the source"
        )

    def _check_columns(self, entity: str, columns: list[str]) -> None:
        spec = self.entity_spec(entity)
        present = set(columns)
        missing = [column for column in spec.required_columns() if column not in present]
        if missing:
            raise self.error(
                f"{self._where(entity)} lacks declared column {missing[0]!r}; "
                f"expected {', '.join(spec.required_columns())}; found {', '.join(columns)}"
            )


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _may_hold_nul(column: pa.ChunkedArray) -> bool:
    """Whether a zero byte lies in the column's character data: one pass of memchr speed over
    the buffers (a slice's buffer may hold bytes outside it: the exact check follows)."""
    for chunk in column.chunks:
        data = chunk.buffers()[2] if len(chunk.buffers()) > 2 else None
        if data is not None and np.frombuffer(data, dtype=np.uint8).min(initial=1) == 0:
            return True
    return False
