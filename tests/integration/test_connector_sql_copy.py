"""PostgreSQL sources are read through COPY and Arrow's CSV reader: the text that comes out is
the text a row-by-row read gives, whatever the values hold, in chunks of exactly the size asked."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.unit.test_connectors_sql import connector

pytestmark = pytest.mark.integration

_AWKWARD = [
    ("0001", "line one\nline two", None, "850.500"),
    ("0002", 'he said "yes", then left', "", "-0.001"),
    ("0003", "عبدالله بن علي\r\nالثاني", "\\N", None),
    ("0004", "", "a,b;c\tτ", "1234567890.123"),
    ("0005", "NULL", "NA", "34"),
    ("0006", "nan", "#N/A", "0"),
]
_ROWS = _AWKWARD + [(f"{n:04d}", f"name {n}", None, f"{n}.250") for n in range(7, 2_504)]


def _fill(url: str, rows: list[tuple[str, str, str | None, str | None]] = _ROWS) -> None:
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = sa.Table(
        "employee",
        metadata,
        sa.Column("emp_no", sa.String(8), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("salary", sa.Numeric(14, 3)),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(table),
            [{"emp_no": e, "name": n, "note": t, "salary": s} for e, n, t, s in rows],
        )
    engine.dispose()


def test_copy_gives_the_text_a_row_read_gives(pg_url: str) -> None:
    _fill(pg_url)
    with connector(pg_url, chunk_size=1000) as sql:
        chunks = [chunk.frame for chunk in sql.extract("employee")]
    assert [len(frame) for frame in chunks] == [1000, 1000, 503]
    records = [record for frame in chunks for record in frame.to_dict("records")]
    assert [r["emp_no"] for r in records] == [row[0] for row in _ROWS]
    for record, (emp_no, name, note, salary) in zip(records, _ROWS, strict=True):
        assert record["name"] == name, emp_no
        assert record["note"] == note, emp_no
        assert record["salary"] == (None if salary is None else f"{Decimal(salary):.3f}")
    assert records[2]["name"] == "عبدالله بن علي\r\nالثاني"
    assert records[0]["note"] is None and records[1]["note"] == ""


def test_a_reader_that_stops_early_leaves_the_connector_usable(pg_url: str) -> None:
    _fill(pg_url)
    with connector(pg_url, chunk_size=100) as sql:
        first = next(iter(sql.extract("employee")))
        assert len(first.frame) == 100
        again = sum(len(chunk.frame) for chunk in sql.extract("employee"))
    assert again == len(_ROWS)


def test_a_database_in_windows_1256_reads_as_unicode(pg_win1256_url: str) -> None:
    """COPY sends the client encoding's bytes, which follows the database's unless set: the
    connector asks for UTF-8, so Arabic from a WIN1256 database arrives as the same text."""
    arabic = [(e, n, t and t.replace("τ", "ي"), s) for e, n, t, s in _AWKWARD]  # no Greek there
    _fill(pg_win1256_url, arabic)
    with connector(pg_win1256_url) as sql:
        records = [r for chunk in sql.extract("employee") for r in chunk.frame.to_dict("records")]
    assert [(r["name"], r["note"]) for r in records] == [(row[1], row[2]) for row in arabic]
