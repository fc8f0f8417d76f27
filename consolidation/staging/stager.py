"""Stage mapped, validated records into the unified tables: idempotent, in bulk, in SQL.

Each chunk goes into a temporary table (COPY on PostgreSQL, executemany elsewhere); then one
statement updates the unified rows whose row hash changed and one inserts the new ones, with
references (entry, account, org unit, job, grade, employment) resolved by joins in the
database, so memory stays flat however large the source. An unchanged source changes nothing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from consolidation.core.errors import StageFailed
from consolidation.core.schema import Money
from consolidation.core.types import SOURCE_KEY, text_array
from consolidation.core.unified import ENTITIES, ROW_HASH, FieldType
from consolidation.staging.specs import SPECS, StageSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A chunk ready to load: CSV bytes for PostgreSQL's COPY, or rows for executemany."""

    entity: str
    rows: int
    data: Any


@dataclass
class StageCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_keys: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def staged(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def add(self, other: StageCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_keys.extend(other.changed_keys)


def _temp_type(kind: FieldType) -> Any:
    return {
        FieldType.TEXT: sa.Text(),
        FieldType.DATE: sa.Date(),
        FieldType.MONEY: Money(),
        FieldType.INT: sa.BigInteger(),
    }[kind]


class Stager:
    """Stages chunks of one source's mapped records within one database connection."""

    def __init__(
        self,
        connection: sa.Connection,
        *,
        batch_id: int,
        source_system: str,
        ministry_id: int,
        recency: Any,
    ) -> None:
        self.connection = connection
        self.batch_id = batch_id
        self.source_system = source_system
        self.params = {"ministry_id": ministry_id, "recency": recency}
        self._temps: dict[str, sa.Table] = {}
        self._postgres = connection.dialect.name == "postgresql"
        self._fresh: dict[str, bool] = {}

    def _temp(self, entity: str) -> sa.Table:
        table = self._temps.get(entity)
        if table is None:
            schema = ENTITIES[entity]
            table = sa.Table(
                f"_stage_{entity}",
                sa.MetaData(),
                sa.Column("batch_id", sa.Integer),
                sa.Column("source_system", sa.Text),
                sa.Column("source_key", sa.Text),
                sa.Column("row_hash", sa.Text),
                *(sa.Column(name, _temp_type(spec.type)) for name, spec in schema.fields.items()),
                prefixes=["TEMPORARY"],
            )
            table.drop(self.connection, checkfirst=True)
            table.create(self.connection)
            if self._postgres:
                # Each chunk is analyzed for its row count, which is what the planner needs for
                # the joins; a 300-row sample gives it in a few ms (the default sample of 30,000
                # rows took 0.2 s a chunk, and chose the same plans).
                self.connection.execute(
                    sa.text(
                        f"ALTER TABLE {table.name} "
                        + ", ".join(
                            f"ALTER COLUMN {column.name} SET STATISTICS 1"
                            for column in table.columns
                        )
                    )
                )
            self._temps[entity] = table
        return table

    def prepare(
        self, entity: str, frame: pd.DataFrame, *, table: pa.Table | None = None
    ) -> Prepared:
        """The chunk in the form the database loads (Python work, no database call), so the
        next chunk can be prepared while the database loads this one. ``table`` is the same
        records as Arrow (``rawstore.frame_table``), when the caller has made it already."""
        names = ["batch_id", "source_system", "source_key", "row_hash", *ENTITIES[entity].fields]
        if frame.empty:
            return Prepared(entity, 0, None)
        if self._postgres:

            def values(name: str) -> pa.Array:
                if table is None:
                    return _arrow_values(frame[name])
                column = table.column(name)
                return column.cast(pa.date32()) if pa.types.is_timestamp(column.type) else column

            arrays = [
                pa.array(np.full(len(frame), self.batch_id, dtype=np.int64)),
                pa.array([self.source_system] * len(frame), type=pa.string()),
                values(SOURCE_KEY),
                values(ROW_HASH),
                *(values(name) for name in names[4:]),
            ]
            buffer = io.BytesIO()
            pa_csv.write_csv(
                pa.Table.from_arrays(arrays, names=names),
                buffer,
                pa_csv.WriteOptions(include_header=False),
            )
            return Prepared(entity, len(frame), buffer.getvalue())
        columns = [
            [self.batch_id] * len(frame),
            [self.source_system] * len(frame),
            frame[SOURCE_KEY].tolist(),
            frame[ROW_HASH].tolist(),
            *(_python_values(frame[name]) for name in names[4:]),
        ]
        rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        return Prepared(entity, len(frame), rows)

    def load(self, prepared: Prepared) -> StageCounts:
        """Load a prepared chunk into the temp table, then into the unified tables."""
        counts = StageCounts()
        if not prepared.rows:
            return counts
        temp = self._temp(prepared.entity)
        if self._postgres:
            # a batch stages in one transaction, where a DELETE's dead rows can never be pruned:
            # the temp table grew by a chunk each time (118 MB of heap after ten chunks of
            # 100,000 rows, against 12 MB), into temp files beyond temp_buffers; the run's time
            # is the same either way (measured on 1M lines), its disk use is not
            self.connection.execute(sa.text(f"TRUNCATE {temp.name}"))
        else:
            self.connection.execute(temp.delete())
        if isinstance(prepared.data, bytes):
            names = [c.name for c in temp.columns]
            driver = self.connection.connection.driver_connection
            statement = f"COPY {temp.name} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                copy.write(prepared.data)
            self.connection.execute(sa.text(f"ANALYZE {temp.name}"))
        else:
            self.connection.execute(temp.insert(), prepared.data)
        for spec in SPECS[prepared.entity]:
            counts = self._stage_spec(spec, temp, prepared.rows)
        return counts

    def stage(self, entity: str, frame: pd.DataFrame) -> StageCounts:
        """Insert new rows and update changed ones; unchanged rows are left alone."""
        return self.load(self.prepare(entity, frame))

    def is_fresh(self, table: str) -> bool:
        """Whether the source has no row in ``table`` yet (its first load: insert only)."""
        if table not in self._fresh:
            found = self.connection.execute(
                sa.text(f"SELECT 1 FROM {table} WHERE source_system = :s LIMIT 1"),
                {"s": self.source_system},
            ).first()
            self._fresh[table] = found is None
        return self._fresh[table]

    def _stage_spec(self, spec: StageSpec, temp: sa.Table, rows: int) -> StageCounts:
        joins = " ".join(spec.joins)
        lineage = {"batch_id": "t.batch_id", "row_hash": "t.row_hash"}
        columns = {
            **spec.columns,
            **lineage,
            "source_system": "t.source_system",
            "source_key": "t.source_key",
        }
        insert = (
            f"INSERT INTO {spec.table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns.values())} FROM {temp.name} t {joins}"
        )
        if self.is_fresh(spec.table):
            counts = StageCounts(
                inserted=self.connection.execute(sa.text(insert), self.params).rowcount
            )
            return self._checked(counts, spec, rows)
        match = "u.source_system = t.source_system AND u.source_key = t.source_key"
        changed = self.connection.execute(
            sa.text(
                f"SELECT t.source_key, u.row_hash, t.row_hash FROM {temp.name} t "
                f"JOIN {spec.table} u ON {match} WHERE u.row_hash <> t.row_hash OR u.withdrawn"
            )
        ).all()
        unchanged = self.connection.execute(
            sa.text(
                f"SELECT COUNT(*) FROM {temp.name} t JOIN {spec.table} u ON {match} "
                "AND u.row_hash = t.row_hash AND NOT u.withdrawn"
            )
        ).scalar_one()
        if changed:
            # a withdrawn row (its last version was quarantined) is current again, same hash or not
            restore = {**spec.columns, **lineage, "withdrawn": "FALSE"}
            sets = ", ".join(f"{col} = {expr}" for col, expr in restore.items())
            self.connection.execute(
                sa.text(
                    f"UPDATE {spec.table} SET {sets} FROM {temp.name} t {joins} "
                    f"WHERE {spec.table}.source_system = t.source_system "
                    f"AND {spec.table}.source_key = t.source_key "
                    f"AND ({spec.table}.row_hash <> t.row_hash OR {spec.table}.withdrawn)"
                ),
                self.params,
            )
        inserted = self.connection.execute(
            sa.text(f"{insert} WHERE NOT EXISTS (SELECT 1 FROM {spec.table} u WHERE {match})"),
            self.params,
        ).rowcount
        counts = StageCounts(
            inserted=inserted,
            updated=len(changed),
            unchanged=unchanged,
            changed_keys=[(spec.table, key, new) for key, _old, new in changed],
        )
        return self._checked(counts, spec, rows)

    def _checked(self, counts: StageCounts, spec: StageSpec, rows: int) -> StageCounts:
        if counts.staged != rows:
            raise StageFailed(
                f"{spec.table}: staged {counts.staged} of {rows} {spec.entity} rows; a reference "
                "did not resolve although validation passed it"
            )
        return counts


def _arrow_values(series: pd.Series) -> pa.Array:
    """A column for the CSV COPY: dates as dates, money as its exact text, missing as null
    (an unquoted empty field, which PostgreSQL reads as NULL; empty text is quoted)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pa.array(series).cast(pa.date32())
    if isinstance(series.dtype, pd.Int64Dtype):
        return pa.array(series, type=pa.int64())
    return text_array(series)


def _python_values(series: pd.Series) -> list[Any]:
    """A column as Python values the drivers take: NaT and NaN become None, dates are dates."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.date() for v in series]
    if isinstance(series.dtype, pd.Int64Dtype):
        return [None if pd.isna(v) else int(v) for v in series]
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in series]
