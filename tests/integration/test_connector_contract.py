"""The connector contract, shown once over every implementation.

Every form of a source (SQLite, PostgreSQL, MariaDB, CSV in utf-8, utf-8-sig and cp1256, Excel,
an Odoo server) holds the same employees; every connector must yield the same records, all
text or None, with the same source keys and control totals, in chunks of any size.

Forms that hold amounts as numbers rather than decimals (Excel cells, Odoo floats, SQLite's
NUMERIC affinity) cannot keep trailing zeros: '850.500' arrives as '850.5', the same exact value.
Those amounts are compared as Decimals; every other form must keep the digits as written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from connectors import Connector, open_connector
from consolidation.core.sources import SourceSpec
from consolidation.core.types import SOURCE_KEY, RawChunk
from tests.fixtures.employee_sources import (
    AMOUNTS,
    COLUMNS,
    EMPLOYEES,
    Record,
    csv_source,
    excel_source,
    load_odoo,
    odoo_source,
    sql_source,
    write_csv,
    write_sql_table,
    write_xlsx,
)
from tests.odoo_standin import OdooStandIn

pytestmark = pytest.mark.integration

SOURCE = "moh_hr"
ODOO_PASSWORD_ENV = "MOH_ODOO_PASSWORD"
_SPEC = TypeAdapter(SourceSpec)


@dataclass
class Workspace:
    """Where a form writes its data for one test: a folder, the database fixtures, names."""

    tmp_path: Path
    request: pytest.FixtureRequest
    monkeypatch: pytest.MonkeyPatch
    counter: Iterator[int]

    def unique(self, stem: str) -> str:
        return f"{stem}_{next(self.counter)}"

    def fixture(self, name: str) -> Any:
        return self.request.getfixturevalue(name)


@dataclass(frozen=True)
class Form:
    id: str
    exact_amounts: bool
    write: Callable[[Workspace, list[Record]], dict[str, Any]]
    sql: bool = False


def _sqlite(space: Workspace, records: list[Record]) -> dict[str, Any]:
    url = f"sqlite:///{space.tmp_path / space.unique('hr')}.db"
    write_sql_table(url, "employee", records)
    return sql_source(url, "employee")


def _server(fixture: str) -> Callable[[Workspace, list[Record]], dict[str, Any]]:
    def write(space: Workspace, records: list[Record]) -> dict[str, Any]:
        url = space.fixture(fixture)
        table = space.unique("employee")
        write_sql_table(url, table, records)
        return sql_source(url, table)

    return write


def _csv(encoding: str, delimiter: str, title_lines: tuple[str, ...] = ()) -> Callable[..., Any]:
    def write(space: Workspace, records: list[Record]) -> dict[str, Any]:
        path = space.tmp_path / f"{space.unique('employees')}.csv"
        write_csv(path, records, encoding=encoding, delimiter=delimiter, title_lines=title_lines)
        return csv_source(
            path, encoding=encoding, delimiter=delimiter, header_row=len(title_lines) + 1
        )

    return write


def _excel(space: Workspace, records: list[Record]) -> dict[str, Any]:
    path = space.tmp_path / f"{space.unique('employees')}.xlsx"
    write_xlsx(path, records)
    return excel_source(path)


def _odoo(space: Workspace, records: list[Record]) -> dict[str, Any]:
    standin: OdooStandIn = space.fixture("odoo_standin")
    model = space.unique("x_employee").replace("_", ".", 1)
    load_odoo(standin, model, records)
    space.monkeypatch.setenv(ODOO_PASSWORD_ENV, standin.password)
    return odoo_source(standin, model, ODOO_PASSWORD_ENV)


FORMS = [
    Form("sqlite", exact_amounts=False, write=_sqlite, sql=True),
    Form("postgresql", exact_amounts=True, write=_server("pg_url"), sql=True),
    Form("mariadb", exact_amounts=True, write=_server("mariadb_url"), sql=True),
    Form("csv-utf8", exact_amounts=True, write=_csv("utf-8", ",")),
    Form("csv-utf8-sig", exact_amounts=True, write=_csv("utf-8-sig", ",")),
    Form(
        "csv-cp1256",
        exact_amounts=True,
        write=_csv("cp1256", ";", ("وزارة الصحة — كشف الموظفين", "")),
    ),
    Form("excel", exact_amounts=False, write=_excel),
    Form("odoo", exact_amounts=False, write=_odoo),
]
SQL_FORMS = [form for form in FORMS if form.sql]


@pytest.fixture
def odoo_standin() -> Iterator[OdooStandIn]:
    with OdooStandIn(password="Odoo-S3cret") as standin:
        yield standin


@pytest.fixture
def space(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    return Workspace(tmp_path, request, monkeypatch, itertools.count(1))


def connect(form: Form, space: Workspace, records: list[Record], **options: Any) -> Connector:
    spec = _SPEC.validate_python(form.write(space, records))
    return open_connector(SOURCE, spec, base_dir=space.tmp_path, **options)


def extract(
    connector: Connector, since: datetime | None = None
) -> tuple[list[Record], list[RawChunk]]:
    with connector:
        chunks = list(connector.extract("employee", since=since))
    records = [record for chunk in chunks for record in chunk.frame.to_dict("records")]
    return records, chunks


def expected(records: list[Record]) -> list[Record]:
    return [{**record, SOURCE_KEY: record["emp_no"]} for record in records]


def logical(records: list[Record]) -> list[dict[str, Any]]:
    """The records with only the shared columns (Odoo adds 'id'), amounts as exact values."""
    return [
        {
            column: Decimal(str(record[column]))
            if column in AMOUNTS and record[column] is not None
            else record[column]
            for column in [*COLUMNS, SOURCE_KEY]
        }
        for record in records
    ]


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_every_form_yields_the_same_text_records(form: Form, space: Workspace) -> None:
    records, _ = extract(connect(form, space, EMPLOYEES))

    assert logical(records) == logical(expected(EMPLOYEES))
    assert all(value is None or isinstance(value, str) for r in records for value in r.values())
    assert [r["emp_no"] for r in records] == ["000123", "000456", "001789", "010001", "123456"]
    assert records[0]["name_ar"] == "فاطمة الزهراء"
    assert records[3]["note"] == "محاسب"
    assert records[1]["note"] is None
    assert records[0]["hire_date"] == "2025-03-01"
    assert records[0]["updated_at"] == "2025-03-01 10:15:00"
    if form.exact_amounts:
        assert [r["salary"] for r in records] == [e["salary"] for e in EMPLOYEES]
    extra = {key for r in records for key in r} - {*COLUMNS, SOURCE_KEY}
    assert extra == ({"id"} if form.id == "odoo" else set())


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_control_totals_are_exact(form: Form, space: Workspace) -> None:
    connector = connect(form, space, EMPLOYEES)
    extract(connector)

    totals = connector.totals["employee"]
    assert totals.rows == 5
    assert totals.amount("salary") == Decimal("5165.875")
    assert totals.unparseable() == 0


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_small_chunks_give_the_same_records(form: Form, space: Workspace) -> None:
    records, chunks = extract(connect(form, space, EMPLOYEES, chunk_size=2))

    assert [chunk.rows for chunk in chunks] == [2, 2, 1]
    assert [chunk.number for chunk in chunks] == [1, 2, 3]
    assert {(chunk.source, chunk.entity) for chunk in chunks} == {(SOURCE, "employee")}
    assert logical(records) == logical(expected(EMPLOYEES))


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_an_empty_source_yields_no_records(form: Form, space: Workspace) -> None:
    connector = connect(form, space, [])
    records, chunks = extract(connector)

    assert records == []
    assert all(chunk.rows == 0 for chunk in chunks)
    assert connector.totals["employee"].rows == 0
    assert connector.totals["employee"].amount("salary") == Decimal("0")


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.id)
def test_check_reads_no_rows_and_passes(form: Form, space: Workspace) -> None:
    with connect(form, space, EMPLOYEES) as connector:
        connector.check()
        estimate = connector.estimate_rows("employee")

    assert estimate is None or 3 <= estimate <= 8
    assert connector.totals == {}


@pytest.mark.parametrize("form", SQL_FORMS, ids=lambda form: form.id)
def test_sql_since_returns_only_newer_rows(form: Form, space: Workspace) -> None:
    since = datetime(2025, 2, 10, 12, 30, 45)
    connector = connect(form, space, EMPLOYEES)
    with connector:
        estimate = connector.estimate_rows("employee", since=since)
    records, _ = extract(connector, since=since)

    assert [r["emp_no"] for r in records] == ["000123", "123456"]
    assert estimate == 2
    assert connector.totals["employee"].amount("salary") == Decimal("1490.500")


@pytest.mark.parametrize("form", SQL_FORMS, ids=lambda form: form.id)
def test_sql_query_entity_with_colons_and_percent_signs(form: Form, space: Workspace) -> None:
    """A query is SQL as written: a time literal's colons and LIKE's '%' reach the database."""
    config = form.write(space, EMPLOYEES)
    table = config["entities"]["employee"]["table"]
    query = (
        f"SELECT * FROM {table} WHERE updated_at >= '2025-01-05 08:00:00' AND name_en LIKE '%a%';"
    )
    config["entities"]["employee"] = {
        **{k: v for k, v in config["entities"]["employee"].items() if k != "table"},
        "query": query,
    }
    connector = open_connector(SOURCE, _SPEC.validate_python(config), base_dir=space.tmp_path)
    records, _ = extract(connector)

    assert [r["emp_no"] for r in records] == ["000123", "000456", "001789", "123456"]
    assert records[0]["name_ar"] == "فاطمة الزهراء"


def test_odoo_since_filters_on_write_date(space: Workspace) -> None:
    standin: OdooStandIn = space.fixture("odoo_standin")
    space.monkeypatch.setenv(ODOO_PASSWORD_ENV, standin.password)
    standin.add_records(
        "hr.employee",
        {"emp_no": "char", "write_date": "datetime"},
        [
            {"emp_no": "000001", "write_date": "2025-01-01 00:00:00"},
            {"emp_no": "000002", "write_date": "2025-03-01 09:00:00"},
        ],
    )
    config = odoo_source(standin, "hr.employee", ODOO_PASSWORD_ENV)
    config["entities"]["employee"] = {"model": "hr.employee", "fields": ["emp_no"]}
    connector = open_connector(SOURCE, _SPEC.validate_python(config))
    records, _ = extract(connector, since=datetime(2025, 2, 1))

    assert records == [{"id": "2", "emp_no": "000002", SOURCE_KEY: "2"}]
