"""Many rows into one table in one round: COPY on PostgreSQL, ``executemany`` elsewhere.

SQLAlchemy's ``insert`` with a list of rows runs each row through its type processing and
sends it in statements of a thousand rows; on PostgreSQL, COPY takes the same rows in one
stream at several times the speed. The values are processed by the columns' own types first
(an enum as its stored value, JSON as its text, money through ``Money``), so both paths store
exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa


def insert_rows(
    connection: sa.Connection, table: sa.TableClause, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert the rows (column name → value; every row names the same columns) and return
    how many were inserted. A column left out gets its scalar default, as with ``insert``."""
    if not rows:
        return 0
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        connection.execute(sa.insert(table), list(rows))
        return len(rows)
    names = list(rows[0])
    defaults = _scalar_defaults(table, names)
    if defaults:  # what SQLAlchemy's insert would fill in, so that COPY stores the same
        rows = [{**defaults, **row} for row in rows]
        names = list(rows[0])
    processors = [_processor(table.c[name], connection.dialect) for name in names]
    # SQLAlchemy stores None in a JSON column as JSON null unless the type says otherwise
    keeps_none = [_json_null(table.c[name]) for name in names]
    preparer = connection.dialect.identifier_preparer
    statement = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in names)}) FROM STDIN"
    )
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None or (value is None and not keep) else process(value)
                    for process, keep, value in zip(
                        processors, keeps_none, (row[name] for name in names), strict=True
                    )
                ]
            )
    return len(rows)


def _json_null(column: sa.ColumnClause[Any]) -> bool:
    kind = column.type
    return isinstance(kind, sa.JSON) and not kind.none_as_null


def _scalar_defaults(table: sa.TableClause, names: list[str]) -> dict[str, Any]:
    """The Python-side defaults of the columns the rows leave out."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = getattr(column, "default", None)
        if column.name in names or default is None:
            continue
        if not default.is_scalar:
            raise ValueError(f"bulk insert into {table.name}: give {column.name} a value")
        defaults[column.name] = default.arg
    return defaults


def _processor(column: sa.ColumnClause[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of this column before the driver sees it."""
    process = column.type.bind_processor(dialect)
    if isinstance(column.type, sa.JSON):
        serialize = getattr(dialect, "_json_serializer", None)
        if serialize is None:
            import json

            serialize = json.dumps
        return serialize  # COPY takes JSON as its text
    return process
