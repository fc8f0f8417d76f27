"""Extract a table or a query from any database SQLAlchemy reaches, streamed as text.

Every column is cast to text in the database (``CAST(col AS VARCHAR)`` or its dialect's
equivalent), so a NUMERIC(12,3) arrives as '850.500', a date as '2025-03-01' and an id keeps
its leading zeros; no float is ever made on the way. Rows stream in the order of the entity's
key, so chunks are stable and memory stays flat: from PostgreSQL (psycopg) through ``COPY …
TO STDOUT`` as CSV read by Arrow, from other databases through a server-side cursor.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from pydantic import SecretStr

from connectors.base import Connector, ConnectorError
from consolidation.core.secrets import reveal
from consolidation.core.sources import SqlEntity, SqlSource, secret_from_env

# Messages of drivers (libpq, MariaDB, SQLite) for failures that a retry may cure.
_TRANSIENT_MARKERS = (
    "connection refused",
    "could not connect",
    "can't connect",
    "timeout",
    "timed out",
    "server closed the connection",
    "connection reset",
    "lost connection",
    "gone away",
    "too many connections",
    "the database system is starting up",
    "the database system is shutting down",
    "could not translate host name",
    "name or service not known",
    "temporary failure in name resolution",
    "no route to host",
    "network is unreachable",
    "deadlock",
    "could not serialize",
    "lock wait timeout",
    "database is locked",
)
_CONNECT_TIMEOUT_SECONDS = 10


class SqlConnector(Connector):
    """A source database; each entity is a ``table`` (or ``schema.table``) or a ``query``."""

    kind: ClassVar[str] = "sql"

    def _prepare(self) -> None:
        assert isinstance(self.spec, SqlSource)
        self.source = self.spec
        self._engine: sa.Engine | None = None
        self._secret: SecretStr | None = None
        self._columns: dict[str, list[str]] = {}

    def estimate_rows(self, entity: str, *, since: datetime | None = None) -> int | None:
        spec = self._entity(entity)
        columns = self._columns.get(entity) or self._open(entity)
        src = from_clause(spec, columns)
        count = sa.select(sa.func.count()).select_from(src)
        if since is not None:
            count = count.where(self._since_clause(entity, spec, src, since))
        with self._connect() as connection:
            try:
                return int(connection.execute(count).scalar_one())
            except sa.exc.DBAPIError as exc:
                raise self._db_error(f"cannot count {self._where(entity)}", exc) from None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _open(self, entity: str) -> list[str]:
        spec = self._entity(entity)
        with self._connect() as connection:
            if spec.table is not None:
                schema, table = split_table(spec.table)
                try:
                    exists = sa.inspect(connection).has_table(table, schema=schema)
                except sa.exc.DBAPIError as exc:
                    raise self._db_error(f"cannot look up {self._where(entity)}", exc) from None
                if not exists:
                    raise self.error(f"{self._where(entity)} does not exist")
            source = from_clause(spec, [])
            probe: sa.Select[Any] = sa.select(sa.literal_column("*")).select_from(source)
            try:
                result = connection.execute(probe.where(sa.text("1 = 0")))
                names = result.keys()
                columns = [str(column) for column in names]
                result.close()
            except sa.exc.DBAPIError as exc:
                raise self._db_error(f"cannot read {self._where(entity)}", exc) from None
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        if repeated:
            raise self.error(
                f"{self._where(entity)} returns column {repeated[0]!r} more than once; "
                "give each column its own name"
            )
        if spec.watermark is not None and spec.watermark not in columns:
            raise self.error(
                f"{self._where(entity)} lacks its watermark column {spec.watermark!r}; "
                f"found {', '.join(columns)}"
            )
        self._columns[entity] = columns
        return columns

    def _frames(self, entity: str, *, since: datetime | None) -> Iterator[pd.DataFrame | pa.Table]:
        spec = self._entity(entity)
        columns = self._columns.get(entity) or self._open(entity)
        src = from_clause(spec, columns)
        select = sa.select(
            *[sa.cast(src.c[column], sa.Unicode).label(column) for column in columns]
        )
        if since is not None:
            select = select.where(self._since_clause(entity, spec, src, since))
        order = [column for column in spec.key_columns() if column in columns]
        if spec.positional:
            # a position in the key needs one order on every read: after the key's columns,
            # every column, so that rows that still tie are identical and interchangeable
            order += [column for column in columns if column not in order]
        select = select.order_by(*[src.c[column] for column in order])
        with self._connect() as connection:
            driver_error = connection.dialect.loaded_dbapi.Error
            try:
                if connection.dialect.driver == "psycopg":
                    yield from self._copied(connection, select, columns)
                    return
                for rows in self._stream(connection, select):
                    yield pd.DataFrame(rows, columns=columns, dtype=object)
            except (sa.exc.DBAPIError, driver_error) as exc:
                raise self._db_error(f"reading {self._where(entity)} failed", exc) from None
            except pa.ArrowException as exc:
                raise self.error(
                    f"reading {self._where(entity)} failed: {_first_line(str(exc))}"
                ) from None

    def _stream(
        self, connection: sa.Connection, select: sa.Select[*tuple[Any, ...]]
    ) -> Iterator[list[Any]]:
        """Lists of row tuples from a server-side cursor.

        For the drivers it knows, the connector runs the compiled statement on the driver's own
        server-side cursor: building SQLAlchemy rows would halve the throughput.
        """
        if connection.dialect.name == "postgresql":
            # Dates cast to text follow DateStyle; make it ISO whatever the server's default.
            connection.exec_driver_sql("SET DateStyle = 'ISO, YMD'")
        if connection.dialect.name in ("mysql", "mariadb"):
            # MariaDB drops a streaming reader idle for net_write_timeout (60 s by default), and
            # a later stage may take longer than that over one chunk.
            connection.exec_driver_sql("SET SESSION net_write_timeout = 3600")
        cursor = server_side_cursor(connection)
        if cursor is None:
            result = connection.execution_options(yield_per=self.chunk_size).execute(select)
            for rows in result.partitions():
                yield [tuple(row) for row in rows]
            return
        compiled = select.compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        # Empty parameters still make the driver turn the compiler's '%%' back into '%'.
        positional = connection.dialect.paramstyle in ("qmark", "format", "numeric")
        no_parameters: tuple[()] | dict[str, Any] = () if positional else {}
        try:
            cursor.execute(str(compiled), no_parameters)
            while rows := cursor.fetchmany(self.chunk_size):
                yield rows
        finally:
            cursor.close()

    def _copied(
        self, connection: sa.Connection, select: sa.Select[*tuple[Any, ...]], columns: list[str]
    ) -> Iterator[pa.Table]:
        """PostgreSQL through psycopg: the rows as CSV from ``COPY (query) TO STDOUT``, parsed
        by Arrow into text columns, with no Python object made per row or value (the chunk
        goes to the raw area as Arrow). COPY writes NULL as an empty field and empty text as
        ``""``, so the two stay apart."""
        connection.exec_driver_sql("SET DateStyle = 'ISO, YMD'")
        # COPY sends bytes in the client encoding, which follows the database's (a ministry's
        # database may well be WIN1256); the server converts them to what Arrow reads.
        connection.exec_driver_sql("SET client_encoding = 'UTF8'")
        sql = str(
            select.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        )
        driver: Any = connection.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY ({sql.replace('%%', '%')}) TO STDOUT WITH (FORMAT csv)") as copy,
        ):
            stream = io.BufferedReader(_CopyOut(copy), buffer_size=1 << 20)
            if not stream.peek(1):
                return  # no rows (Arrow refuses an empty CSV)
            reader = pa_csv.open_csv(
                stream,
                read_options=pa_csv.ReadOptions(
                    column_names=columns, use_threads=False, block_size=4 << 20
                ),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(columns, pa.string()),
                    null_values=[""],  # only COPY's NULL: Arrow's default list has "NULL", "NA"…
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            pending: list[pa.RecordBatch] = []
            held = 0
            for batch in reader:
                pending.append(batch)
                held += batch.num_rows
                while held >= self.chunk_size:
                    table = pa.Table.from_batches(pending)
                    yield table.slice(0, self.chunk_size).combine_chunks()
                    rest = table.slice(self.chunk_size)
                    pending, held = rest.to_batches(), rest.num_rows
            if held:
                yield pa.Table.from_batches(pending).combine_chunks()

    def _where(self, entity: str) -> str:
        spec = self._entity(entity)
        what = f"table {spec.table!r}" if spec.table else f"the query of entity {entity!r}"
        return f"{what} in {self._display_url()}"

    def _entity(self, entity: str) -> SqlEntity:
        spec = self.entity_spec(entity)
        assert isinstance(spec, SqlEntity)
        return spec

    def _since_clause(
        self, entity: str, spec: SqlEntity, src: sa.FromClause, since: datetime
    ) -> sa.ColumnElement[bool]:
        if spec.watermark is None:
            raise self.error(
                f"entity {entity!r} declares no watermark column, so it cannot be extracted "
                f"incrementally (since {since:%Y-%m-%d %H:%M:%S}); declare its 'watermark' "
                "(the column of its last update) or extract it in full"
            )
        return src.c[spec.watermark] > sa.bindparam("since", since)

    def _display_url(self) -> str:
        try:
            return sa.make_url(self.source.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return repr(self.source.url)

    def _connect(self) -> sa.Connection:
        engine = self._get_engine()
        try:
            return engine.connect()
        except sa.exc.DBAPIError as exc:
            raise self._db_error(f"cannot connect to {self._display_url()}", exc) from None

    def _get_engine(self) -> sa.Engine:
        if self._engine is not None:
            return self._engine
        try:
            url = sa.make_url(self.source.url)
        except sa.exc.ArgumentError:
            raise self.error(f"URL {self.source.url!r} is not a SQLAlchemy database URL") from None
        if url.get_backend_name() == "sqlite":
            url = self._sqlite_file(url)
        self._secret = secret_from_env(self.source.password_env, source=self.name)
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = _CONNECT_TIMEOUT_SECONDS
        if self._secret is not None:
            url = url.set(password=reveal(self._secret))
        try:
            self._engine = sa.create_engine(url, connect_args=connect_args)
        except (sa.exc.NoSuchModuleError, ImportError) as exc:
            raise self.error(
                f"URL {self._display_url()} needs a database driver that is not installed "
                f"({_first_line(str(exc))})"
            ) from None
        if url.get_backend_name() == "sqlite":
            sa.event.listen(self._engine, "connect", _lenient_sqlite_text)
        return self._engine

    def _sqlite_file(self, url: sa.URL) -> sa.URL:
        """A relative SQLite path is relative to the config; a missing file is an error, not a
        new empty database."""
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return url
        path = self.resolve(Path(database))
        if not path.is_file():
            raise self.error(f"SQLite database file {path} does not exist")
        return url.set(database=str(path))

    def _db_error(self, what: str, exc: Exception) -> ConnectorError:
        if self._secret is not None:
            reveal(self._secret)  # so that the error's constructor masks it wherever it appears
        message = driver_message(exc)
        invalidated = isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
        transient = invalidated or any(marker in message.lower() for marker in _TRANSIENT_MARKERS)
        return self.error(f"{what}: {message}", transient=transient)


def _lenient_sqlite_text(dbapi_connection: Any, _record: Any) -> None:
    """SQLite holds whatever bytes were written as TEXT. Undecodable ones are kept (as
    surrogates) rather than failing the whole read, so that the connector can name the row and
    field that holds them."""
    dbapi_connection.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")


def from_clause(spec: SqlEntity, columns: list[str]) -> sa.FromClause:
    """The entity as a FROM clause with the given columns: the table, or the query as a subquery."""
    named: list[sa.ColumnClause[Any]] = [sa.column(column) for column in columns]
    if spec.table is not None:
        schema, table = split_table(spec.table)
        return sa.table(table, *named, schema=schema)
    assert spec.query is not None
    # A colon in the query is SQL (a time literal, a '::' cast), never a bound parameter.
    query = re.sub(r"[\s;]+$", "", spec.query).replace(":", "\\:")
    return sa.text(query).columns(*named).subquery("src")


def server_side_cursor(connection: sa.Connection) -> Any | None:
    """A cursor that fetches rows from the server as they are read, or None for other drivers."""
    driver = connection.dialect.driver
    dbapi_connection: Any = connection.connection.driver_connection
    if driver in ("psycopg", "psycopg2"):
        return dbapi_connection.cursor(name="consolidation_extract")
    if driver in ("pymysql", "mysqldb"):
        return dbapi_connection.cursor(connection.dialect.loaded_dbapi.cursors.SSCursor)
    if driver == "pysqlite":
        return dbapi_connection.cursor()  # sqlite3 steps through rows only as they are fetched
    return None


class _CopyOut(io.RawIOBase):
    """The data of a ``COPY … TO STDOUT`` as a readable byte stream."""

    def __init__(self, copy: Any) -> None:
        self._blocks = iter(copy)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(target):
            if not self._left:
                block = next(self._blocks, None)
                if block is None:
                    break
                self._left = memoryview(block).cast("B")
            take = min(len(self._left), len(target) - filled)
            target[filled : filled + take] = self._left[:take]
            self._left = self._left[take:]
            filled += take
        return filled


def split_table(table: str) -> tuple[str | None, str]:
    """'schema.table' as (schema, table); a bare table has no schema."""
    schema, _, name = table.rpartition(".")
    return schema or None, name


def driver_message(exc: Exception) -> str:
    """The driver's own words, first line only, without SQLAlchemy's statement and links."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    args: tuple[Any, ...] = getattr(orig, "args", ())
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        text = f"{args[1]} (error {args[0]})"  # MariaDB/MySQL: (code, message)
    else:
        text = str(orig) if orig is not None else str(exc)
    return _first_line(text)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"
