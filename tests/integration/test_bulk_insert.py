"""Bulk inserts store exactly what SQLAlchemy's own insert stores: COPY on PostgreSQL,
executemany on SQLite; enums as their values, JSON as JSON, money exact, text unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from consolidation.core import store
from consolidation.core.bulk import insert_rows
from consolidation.core.schema import IssueStatus, Money
from consolidation.core.settings import StoreSettings

pytestmark = pytest.mark.integration

_METADATA = sa.MetaData()
_TABLE = sa.Table(
    "bulk_probe",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("way", sa.String(8)),
    sa.Column("label", sa.Text),
    sa.Column("data", sa.JSON),
    sa.Column(  # as the store declares its statuses: the values, in a VARCHAR
        "status",
        sa.Enum(
            IssueStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
    ),
    sa.Column("amount", Money()),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("field", sa.String(64), default=""),
)


@pytest.fixture
def engine(store_url: str) -> sa.Engine:
    engine = store.make_engine(StoreSettings(url=store_url))
    _METADATA.create_all(engine)
    return engine


def _rows(way: str, offset: int) -> list[dict[str, object]]:
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    return [
        {
            "id": offset + 1,
            "way": way,
            "label": 'علي\tقال "نعم"\\ ،\nسطر',
            "data": {"name_ar": "مريم", "amount": "850.500", "missing": None, "n": 3},
            "status": IssueStatus.OPEN,
            "amount": Decimal("-0.001"),
            "at": at,
        },
        {
            "id": offset + 2,
            "way": way,
            "label": "",
            "data": {},
            "status": IssueStatus.WAIVED,
            "amount": None,
            "at": None,
        },
        {
            "id": offset + 3,
            "way": way,
            "label": None,
            "data": None,  # JSON null, as SQLAlchemy stores None in a JSON column
            "status": IssueStatus.FIXED,
            "amount": Decimal("123456789012.345"),
            "at": at,
        },
    ]


def test_bulk_rows_read_back_as_an_orm_insert_stores_them(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        assert insert_rows(connection, _TABLE, _rows("bulk", 0)) == 3
        connection.execute(sa.insert(_TABLE), _rows("orm", 10))
        assert insert_rows(connection, _TABLE, []) == 0
    with engine.connect() as connection:
        rows = connection.execute(sa.select(_TABLE).order_by(_TABLE.c.id)).mappings().all()
        raw = connection.execute(
            sa.text("SELECT id, status, CAST(data AS TEXT) AS data FROM bulk_probe ORDER BY id")
        ).all()
    bulk = [{k: v for k, v in row.items() if k not in ("id", "way")} for row in rows[:3]]
    orm = [{k: v for k, v in row.items() if k not in ("id", "way")} for row in rows[3:]]
    assert bulk == orm
    assert bulk[0]["amount"] == Decimal("-0.001")
    assert bulk[0]["label"] == 'علي\tقال "نعم"\\ ،\nسطر'
    assert bulk[1]["label"] == "" and bulk[2]["label"] is None
    assert {row["field"] for row in bulk} == {""}  # the column's default, as the ORM fills it
    # Stored the same way, byte for byte: the enum's value, the same JSON text.
    assert [(s, d) for _i, s, d in raw[:3]] == [(s, d) for _i, s, d in raw[3:]]
    assert [s for _i, s, _d in raw[:3]] == ["open", "waived", "fixed"]
