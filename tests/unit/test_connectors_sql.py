"""The SQL connector's pure parts, and its file handling on SQLite (no server needed)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from connectors import ConnectorError
from connectors.sql import SqlConnector, driver_message, from_clause, split_table
from consolidation.core.sources import SqlEntity, SqlSource


def connector(url: str, *, chunk_size: int = 50_000, **entity: object) -> SqlConnector:
    """A one-entity SQL source of employees (table ``employee``, key ``emp_no``)."""
    spec = SqlSource.model_validate(
        {
            "kind": "sql",
            "ministry": "moh",
            "domain": "hr",
            "name": "HR",
            "url": url,
            "entities": {"employee": {"key": ["emp_no"], "table": "employee", **entity}},
        }
    )
    return SqlConnector("moh_hr", spec, chunk_size=chunk_size)


def test_split_table() -> None:
    assert split_table("employee") == (None, "employee")
    assert split_table("hr.employee") == ("hr", "employee")


def test_a_query_keeps_its_colons_and_loses_its_semicolon() -> None:
    spec = SqlEntity(key=["a"], query="SELECT a FROM t WHERE ts > '2025-01-01 10:15:00' ;\n")
    select = sa.select(from_clause(spec, ["a"]).c.a)
    compiled = select.compile(dialect=sa.create_engine("sqlite://").dialect)

    assert "'2025-01-01 10:15:00'" in str(compiled)
    assert ";" not in str(compiled)
    assert compiled.params == {}


def test_driver_message_is_the_drivers_first_line() -> None:
    mariadb = sa.exc.OperationalError("SELECT 1", {}, Exception(1045, "Access denied for 'hr'"))
    libpq = sa.exc.OperationalError(
        "SELECT 1", {}, Exception("connection failed: refused\n\tIs the server running?")
    )

    assert driver_message(mariadb) == "Access denied for 'hr' (error 1045)"
    assert driver_message(libpq) == "connection failed: refused"


@pytest.mark.parametrize(
    ("driver_says", "transient"),
    [
        ("connection failed: Connection refused", True),
        ("server closed the connection unexpectedly", True),
        ("could not serialize access due to concurrent update", True),
        ('password authentication failed for user "hr"', False),
        ('relation "employee" does not exist', False),
    ],
)
def test_what_may_be_retried(driver_says: str, transient: bool) -> None:
    error = connector("sqlite://")._db_error("cannot connect", Exception(driver_says))

    assert error.transient is transient
    assert str(error) == f"source 'moh_hr': cannot connect: {driver_says}"


def test_a_password_in_a_driver_message_is_masked() -> None:
    sql = connector("sqlite://")
    sql._secret = SecretStr("Hunter2!")
    error = sql._db_error("cannot connect", Exception("bad login 'hr':'Hunter2!'"))

    assert "Hunter2!" not in str(error)
    assert "'hr':'***'" in str(error)


def test_relative_sqlite_path_is_relative_to_the_config(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "hr.db") as database:
        database.execute("CREATE TABLE employee (emp_no VARCHAR(6), salary NUMERIC(12, 3))")
        database.execute("INSERT INTO employee VALUES ('000123', 850.5)")
    spec = SqlSource.model_validate(
        {
            "kind": "sql",
            "ministry": "moh",
            "domain": "hr",
            "name": "HR",
            "url": "sqlite:///hr.db",
            "entities": {"employee": {"key": ["emp_no"], "table": "employee"}},
        }
    )
    with SqlConnector("moh_hr", spec, base_dir=tmp_path) as sql:
        records = [r for chunk in sql.extract("employee") for r in chunk.frame.to_dict("records")]

    assert records == [{"emp_no": "000123", "salary": "850.5", "_source_key": "000123"}]


def test_an_unknown_dialect_is_a_connector_error() -> None:
    with pytest.raises(ConnectorError, match="needs a database driver that is not installed"):
        connector("nosuchdb://host/hr").check()


def test_a_driver_without_a_known_server_side_cursor_streams_through_sqlalchemy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("connectors.sql.server_side_cursor", lambda connection: None)
    with sqlite3.connect(tmp_path / "hr.db") as database:
        database.execute("CREATE TABLE employee (emp_no VARCHAR(6), updated_at TIMESTAMP)")
        database.executemany(
            "INSERT INTO employee VALUES (?, ?)",
            [("000002", "2025-03-01 10:00:00"), ("000001", "2025-01-01 00:00:00")],
        )
    sql = connector(f"sqlite:///{tmp_path / 'hr.db'}", watermark="updated_at")
    sql.chunk_size = 1
    with sql:
        chunks = list(sql.extract("employee"))
        newer = list(sql.extract("employee", since=datetime(2025, 2, 1)))

    assert [chunk.frame["emp_no"].tolist() for chunk in chunks] == [["000001"], ["000002"]]
    assert [chunk.frame["emp_no"].tolist() for chunk in newer] == [["000002"]]
