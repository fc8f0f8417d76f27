"""A bad source is one clear line: it names the source, the file, table or model, and what is
wrong; it never shows a traceback or a password, and says whether a retry may help."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from connectors import ConnectorError, open_connector
from consolidation.core.errors import ConfigError
from consolidation.core.sources import SourceSpec
from tests.fixtures.employee_sources import (
    COLUMNS,
    EMPLOYEES,
    csv_source,
    entity,
    excel_source,
    load_odoo,
    odoo_source,
    source,
    sql_source,
    write_csv,
    write_sql_table,
    write_xlsx,
)
from tests.odoo_standin import OdooStandIn

pytestmark = pytest.mark.integration

SOURCE = "moh_hr"
PASSWORD_ENV = "MOH_HR_PASSWORD"
PASSWORD = "Wr0ng-S3cret!xyz"
_SPEC = TypeAdapter(SourceSpec)


def failure(
    config: dict[str, Any], *, base_dir: Path = Path(), since: datetime | None = None
) -> ConnectorError:
    """The error extracting the entity raises, after checking it is one clean line."""
    connector = open_connector(SOURCE, _SPEC.validate_python(config), base_dir=base_dir)
    with pytest.raises(ConnectorError) as caught, connector:
        for _ in connector.extract("employee", since=since):
            pass
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"source {SOURCE!r}: ")
    assert PASSWORD not in message
    assert "Traceback" not in message
    return caught.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def odoo() -> Iterator[OdooStandIn]:
    with OdooStandIn(password=PASSWORD) as standin:
        load_odoo(standin, "hr.employee", EMPLOYEES)
        yield standin


# SQL


def test_wrong_database_password(mariadb_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    write_sql_table(mariadb_url, "employee", EMPLOYEES)
    config = sql_source(mariadb_url, "employee")
    config["password_env"] = PASSWORD_ENV
    error = failure(config)

    assert "cannot connect to mysql+pymysql://root@127.0.0.1:3306/" in str(error)
    assert "Access denied for user 'root'" in str(error)
    assert not error.transient


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:{port}/hr",
        "mysql+pymysql://root@127.0.0.1:{port}/hr",
    ],
    ids=["postgresql", "mariadb"],
)
def test_unreachable_database_is_transient(url: str) -> None:
    url = url.format(port=closed_port())
    error = failure(sql_source(url, "employee"))

    assert f"cannot connect to {url}" in str(error)
    assert "refused" in str(error).lower()
    assert error.transient


@pytest.mark.parametrize("server", ["sqlite", "pg_url", "mariadb_url"])
def test_missing_table(server: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if server == "sqlite":
        url = f"sqlite:///{tmp_path / 'hr.db'}"
        write_sql_table(url, "employee", EMPLOYEES)
    else:
        url = request.getfixturevalue(server)
    error = failure(sql_source(url, "missing_table"))

    assert "table 'missing_table' in " in str(error)
    assert str(error).endswith("does not exist")
    assert not error.transient


def test_query_that_fails(pg_url: str) -> None:
    write_sql_table(pg_url, "employee", EMPLOYEES)
    config = sql_source(pg_url, "employee")
    del config["entities"]["employee"]["table"]
    config["entities"]["employee"]["query"] = "SELECT * FROM employe"
    error = failure(config)

    assert "cannot read the query of entity 'employee' in postgresql+psycopg://" in str(error)
    assert 'relation "employe" does not exist' in str(error)


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    error = failure(sql_source("sqlite:///hr/missing.db", "employee"), base_dir=tmp_path)

    assert f"SQLite database file {tmp_path / 'hr/missing.db'} does not exist" in str(error)
    assert not (tmp_path / "hr/missing.db").exists()


def test_table_lacks_declared_column(pg_url: str) -> None:
    write_sql_table(pg_url, "employee", EMPLOYEES)
    config = sql_source(pg_url, "employee")
    config["entities"]["employee"]["control"] = {"salary": "basic_salary"}
    error = failure(config)

    assert "table 'employee' in postgresql+psycopg://postgres@127.0.0.1:5432/" in str(error)
    assert "lacks declared column 'basic_salary'" in str(error)


def test_since_without_watermark(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hr.db'}"
    write_sql_table(url, "employee", EMPLOYEES)
    config = sql_source(url, "employee")
    del config["entities"]["employee"]["watermark"]
    error = failure(config, since=datetime(2025, 1, 1))

    assert "entity 'employee' declares no watermark column" in str(error)


def test_missing_watermark_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hr.db'}"
    write_sql_table(url, "employee", EMPLOYEES)
    config = sql_source(url, "employee")
    config["entities"]["employee"]["watermark"] = "last_update"
    error = failure(config)

    assert "lacks its watermark column 'last_update'" in str(error)


def test_password_variable_not_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    config = sql_source("postgresql+psycopg://hr@127.0.0.1:5432/hr", "employee")
    config["password_env"] = PASSWORD_ENV
    connector = open_connector(SOURCE, _SPEC.validate_python(config))
    with pytest.raises(ConfigError, match=f"source '{SOURCE}': environment variable"):
        connector.check()


def test_unknown_entity(tmp_path: Path) -> None:
    connector = open_connector(SOURCE, _SPEC.validate_python(csv_source(tmp_path / "x.csv")))
    with pytest.raises(ConnectorError, match="no entity 'payroll'; it declares employee"):
        list(connector.extract("payroll"))


# CSV


def test_missing_csv_file(tmp_path: Path) -> None:
    error = failure(csv_source(Path("exports/employees.csv")), base_dir=tmp_path)

    assert f"file {tmp_path / 'exports/employees.csv'} does not exist" in str(error)


def test_cp1256_file_declared_utf8(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    write_csv(path, EMPLOYEES, encoding="cp1256")
    error = failure(csv_source(path, encoding="utf-8"))

    assert f"file {path} is declared utf-8 but line 2 is not valid UTF-8 (byte 0xdd)" in str(error)
    assert "set encoding: cp1256" in str(error)


def test_cp1256_bytes_deep_in_a_utf8_file(tmp_path: Path) -> None:
    """Past the first 64 KiB the sniff cannot see; the decoder's failure is reported alike."""
    path = tmp_path / "employees.csv"
    filler = [{**EMPLOYEES[1], "emp_no": f"{n:06d}", "name_ar": None} for n in range(2000)]
    write_csv(path, filler)
    with path.open("ab") as handle:
        handle.write("999999,فاطمة,Fatima,1.000,,,\r\n".encode("cp1256"))
    error = failure(csv_source(path))

    assert "line 2002 is not valid UTF-8" in str(error)
    assert "set encoding: cp1256" in str(error)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_file_declared_cp1256(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "employees.csv"
    write_csv(path, EMPLOYEES, encoding=encoding)
    error = failure(csv_source(path, encoding="cp1256"))

    assert f"file {path} is declared cp1256 but is UTF-8" in str(error)
    assert "set encoding: utf-8" in str(error)


def test_csv_header_lacks_declared_column(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    write_csv(path, EMPLOYEES, title_lines=("Employees",))
    error = failure(csv_source(path, header_row=1))

    assert f"file {path} (header line 1) lacks declared column 'emp_no'" in str(error)
    assert "found Employees" in str(error)


def test_csv_wrong_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    write_csv(path, EMPLOYEES, delimiter=";")
    error = failure(csv_source(path))

    assert "lacks declared column 'emp_no'" in str(error)
    assert f"found {';'.join(COLUMNS)}" in str(error)


def test_csv_row_with_too_many_fields(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    write_csv(path, EMPLOYEES)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("1,2,3,4,5,6,7,8\n")
    error = failure(csv_source(path))

    assert f"file {path} cannot be parsed" in str(error)
    assert "Expected 7 fields in line 7, saw 8" in str(error)


def test_empty_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_bytes(b"")
    error = failure(csv_source(path))

    assert f"file {path} has no header on line 1" in str(error)


# Excel


def test_missing_excel_file(tmp_path: Path) -> None:
    error = failure(excel_source(tmp_path / "employees.xlsx"))

    assert f"file {tmp_path / 'employees.xlsx'} does not exist" in str(error)


@pytest.mark.parametrize(
    "content",
    [
        "emp_no,name\n000123,فاطمة\n".encode(),
        bytes(range(256)) * 4,
        b"PK\x03\x04 not really a zip",
    ],
    ids=["csv-renamed", "garbage", "broken-zip"],
)
def test_file_that_is_not_xlsx(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "employees.xlsx"
    path.write_bytes(content)
    error = failure(excel_source(path))

    assert f"file {path} is not an .xlsx workbook" in str(error)
    assert "Save it from Excel as .xlsx" in str(error)


def test_excel_file_with_another_extension(tmp_path: Path) -> None:
    path = tmp_path / "employees.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 an old binary workbook")
    error = failure(excel_source(path))

    assert f"file {path} is not an .xlsx workbook" in str(error)
    assert ".xls" in str(error)


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = tmp_path / "employees.xlsx"
    write_xlsx(path, EMPLOYEES)
    error = failure(excel_source(path, sheet="Staff"))

    assert f"file {path} has no sheet 'Staff'; its sheets are 'Notes', 'Employees'" in str(error)


def test_excel_header_lacks_declared_column(tmp_path: Path) -> None:
    path = tmp_path / "employees.xlsx"
    write_xlsx(path, EMPLOYEES)
    config = excel_source(path)
    config["entities"]["employee"]["header_row"] = 1
    error = failure(config)

    assert f"file {path}, sheet 'Employees', header row 1 lacks declared column 'emp_no'" in str(
        error
    )


def test_blank_header_row(tmp_path: Path) -> None:
    path = tmp_path / "employees.xlsx"
    write_xlsx(path, EMPLOYEES)
    config = excel_source(path)
    config["entities"]["employee"]["header_row"] = 40
    error = failure(config)

    assert "header row 40 is blank" in str(error)


# Odoo


def test_odoo_wrong_password(odoo: OdooStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-" + PASSWORD)
    error = failure(odoo_source(odoo, "hr.employee", PASSWORD_ENV))

    assert "model 'hr.employee'" in str(error)
    assert "login 'admin' to database 'central' was refused" in str(error)
    assert "not-" not in str(error)
    assert not error.transient


def test_odoo_unknown_model(odoo: OdooStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    error = failure(odoo_source(odoo, "x_payroll.slip", PASSWORD_ENV))

    assert "model 'x_payroll.slip'" in str(error)
    assert "Object x_payroll.slip doesn't exist" in str(error)
    assert not error.transient


def test_odoo_unreachable_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    standin = OdooStandIn()
    config = source(
        "odoo",
        {"employee": entity(model="hr.employee", fields=list(COLUMNS))},
        url=f"http://127.0.0.1:{closed_port()}",
        database=standin.db,
        login=standin.login,
        password_env=PASSWORD_ENV,
    )
    error = failure(config)

    assert "model 'hr.employee'" in str(error)
    assert "Connection refused" in str(error)
    assert error.transient


def test_odoo_model_lacks_declared_field(
    odoo: OdooStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = odoo_source(odoo, "hr.employee", PASSWORD_ENV)
    config["entities"]["employee"]["fields"] = [*COLUMNS, "x_cpr"]
    error = failure(config)

    assert f"model 'hr.employee' at {odoo.url} (database 'central') has no field 'x_cpr'" in str(
        error
    )


def test_odoo_control_column_not_among_fields(
    odoo: OdooStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    config = odoo_source(odoo, "hr.employee", PASSWORD_ENV)
    config["entities"]["employee"]["fields"] = ["emp_no", "name_en"]
    config["entities"]["employee"]["columns"] = ["emp_no"]
    error = failure(config)

    assert f"model 'hr.employee' at {odoo.url} (database 'central') lacks declared column " in str(
        error
    )
    assert "'salary'" in str(error)


# Values no connector can represent as text: one line naming source, entity, row and field


def test_undecodable_bytes_in_sqlite_name_the_row_and_field(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "hr.db") as database:
        database.execute("CREATE TABLE employee (emp_no TEXT, name TEXT)")
        database.execute("INSERT INTO employee VALUES ('E1', 'Ali')")
        database.execute("INSERT INTO employee VALUES ('E2', CAST(x'c328ff' AS TEXT))")
    config = source(
        "sql", {"employee": {"key": ["emp_no"], "table": "employee"}}, url="sqlite:///hr.db"
    )
    message = str(failure(config, base_dir=tmp_path))
    assert "table 'employee'" in message
    assert "row 2 (key 'E2'), field 'name' holds bytes that are not text" in message


def test_a_nul_character_from_mariadb_names_the_row_and_field(mariadb_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(mariadb_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS nul_employee")
        connection.exec_driver_sql("CREATE TABLE nul_employee (emp_no VARCHAR(5), note BLOB)")
        connection.exec_driver_sql(
            "INSERT INTO nul_employee VALUES ('E1', 'fine'), ('E2', x'41004200')"
        )
    engine.dispose()
    config = source(
        "sql", {"employee": {"key": ["emp_no"], "table": "nul_employee"}}, url=mariadb_url
    )
    message = str(failure(config))
    assert "row 2 (key 'E2'), field 'note' holds a NUL character" in message


def test_a_nul_character_in_a_csv_names_the_row_and_field(tmp_path: Path) -> None:
    (tmp_path / "hr.csv").write_bytes(b"emp_no,name\nE1,Ali\nE2,Sa\x00ra\n")
    config = source("csv", {"employee": {"key": ["emp_no"], "path": "hr.csv"}})
    message = str(failure(config, base_dir=tmp_path))
    assert "row 2 (key 'E2'), field 'name' holds a NUL character" in message
