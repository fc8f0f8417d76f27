"""Source keys: positions in the key, repeats found while reading, stable across re-reads."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from connectors import open_connector
from connectors.keys import SourceKeys
from consolidation.core.sources import CsvSource, EntitySpec, KeyPosition, SqlSource
from consolidation.core.types import KEY_REPEATS, SOURCE_KEY
from consolidation.extract.batch import constraint_message


def _chunks(rows: list[dict[str, str | None]], size: int) -> list[pa.Table]:
    return [pa.Table.from_pylist(rows[i : i + size]) for i in range(0, len(rows), size)]


def _keys(key: list[object], rows: list[dict[str, str | None]], size: int = 2) -> list[str]:
    spec = EntitySpec.model_validate({"key": key})
    keys = SourceKeys(spec.key)
    return [k for t in _chunks(rows, size) for k in keys.add_to(t).column(SOURCE_KEY).to_pylist()]


LEDGER = [
    {"VCH": "V1", "ACC": "6100", "AMT": "10.000"},
    {"VCH": "V1", "ACC": "6100", "AMT": "10.000"},  # a second, equal charge
    {"VCH": "V2", "ACC": "2100", "AMT": "5.000"},
    {"VCH": "V1", "ACC": "2100", "AMT": "20.000"},
    {"VCH": "V2", "ACC": "6100", "AMT": "5.000"},
]


def test_an_ordinal_within_a_group_counts_across_chunks() -> None:
    keys = _keys(["VCH", {"ordinal_within": "VCH"}], LEDGER)
    assert keys == ["V1|1", "V1|2", "V2|1", "V1|3", "V2|2"]
    assert _keys(["VCH", {"ordinal_within": "VCH"}], LEDGER, size=1) == keys  # same whatever
    assert _keys([{"row_number": True}], LEDGER, size=3) == ["1", "2", "3", "4", "5"]


def test_a_repeated_key_gets_a_key_of_its_own_and_names_both_rows() -> None:
    spec = EntitySpec.model_validate({"key": ["VCH"]})
    keys = SourceKeys(spec.key)
    tables = [keys.add_to(t) for t in _chunks(LEDGER, 2)]
    assert [k for t in tables for k in t.column(SOURCE_KEY).to_pylist()] == [
        "V1", "V1#2", "V2", "V1#3", "V2#2",
    ]  # fmt: skip
    notes = [
        n
        for t in tables
        for n in (
            t.column(KEY_REPEATS).to_pylist()
            if KEY_REPEATS in t.column_names
            else [None] * t.num_rows
        )
    ]
    assert notes == [None, "rows 1 and 2", None, "rows 1 and 4", "rows 3 and 5"]


def test_records_without_a_key_that_repeat_are_flagged_too() -> None:
    rows: list[dict[str, str | None]] = [
        {"ID": None, "N": "a"}, {"ID": None, "N": "b"}, {"ID": None, "N": "a"},
    ]  # fmt: skip
    keys = _keys(["ID"], rows)
    assert keys[0].startswith("#") and keys[2] == keys[0] + "#2" and keys[1] != keys[0]


def test_a_key_position_is_declared_one_way() -> None:
    assert KeyPosition.model_validate({"ordinal_within": "VCH"}).ordinal_within == ["VCH"]
    for wrong in ({}, {"ordinal_within": "VCH", "row_number": True}, {"ordinal_within": []}):
        with pytest.raises(ValidationError):
            KeyPosition.model_validate(wrong)
    spec = EntitySpec.model_validate({"key": ["VCH", {"ordinal_within": ["VCH", "ACC"]}]})
    assert spec.key_columns() == ["VCH", "ACC"] and spec.positional


def test_a_file_read_again_gives_the_same_keys(tmp_path: Path) -> None:
    (tmp_path / "gl.csv").write_text(
        "VCH,ACC,AMT\n" + "".join(f"{r['VCH']},{r['ACC']},{r['AMT']}\n" for r in LEDGER)
    )
    spec = CsvSource.model_validate(
        {
            "kind": "csv", "ministry": "mof", "domain": "finance", "name": "GL",
            "entities": {"line": {"key": ["VCH", {"ordinal_within": "VCH"}], "path": "gl.csv"}},
        }
    )  # fmt: skip

    def read() -> list[str]:
        with open_connector("mof_gl", spec, base_dir=tmp_path, chunk_size=2) as connector:
            return [
                k for c in connector.extract("line") for k in c.table.column(SOURCE_KEY).to_pylist()
            ]

    assert read() == read() == ["V1|1", "V1|2", "V2|1", "V1|3", "V2|2"]


def test_an_sql_source_with_a_position_in_its_key_is_read_in_one_order(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gl.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE gl (VCH TEXT, ACC TEXT, AMT TEXT)")
        for row in reversed(LEDGER):  # inserted in another order than they sort
            connection.exec_driver_sql("INSERT INTO gl VALUES (?, ?, ?)", tuple(row.values()))
    engine.dispose()
    spec = SqlSource.model_validate(
        {
            "kind": "sql", "ministry": "mof", "domain": "finance", "name": "GL",
            "url": "sqlite:///gl.db",
            "entities": {"line": {"key": ["VCH", {"ordinal_within": "VCH"}], "table": "gl"}},
        }
    )  # fmt: skip
    with open_connector("mof_gl", spec, base_dir=tmp_path) as connector:
        rows = [r for c in connector.extract("line") for r in c.table.to_pylist()]
    assert [(r["_source_key"], r["ACC"]) for r in rows] == [
        ("V1|1", "2100"), ("V1|2", "6100"), ("V1|3", "6100"), ("V2|1", "2100"), ("V2|2", "6100"),
    ]  # fmt: skip


def test_a_constraint_the_store_enforced_is_one_line_naming_entity_and_key() -> None:
    orig = Exception(
        "UNIQUE constraint failed: journal_line.source_system, journal_line.source_key"
    )
    error = sa.exc.IntegrityError(
        "INSERT INTO journal_line (source_system, source_key, debit) VALUES (?, ?, ?)",
        [
            {"source_system": "mof_gl", "source_key": "V1", "debit": 1},
            {"source_system": "mof_gl", "source_key": "V1", "debit": 2},
        ],
        orig,
    )
    message = constraint_message(error)
    assert "\n" not in message
    assert "of journal_line with source key 'V1'" in message
    assert "INSERT" not in message and "debit" not in message


def test_a_chunk_of_nothing_but_repeats_is_flagged_and_the_next_chunk_too() -> None:
    """Found by the SQL fuzz: a chunk whose every key was seen before added an empty run of
    hashes, which the next lookup indexed at -1."""
    rows: list[dict[str, str | None]] = [{"ID": None, "N": None}] * 4
    keys = _keys(["ID"], rows, size=1)
    assert keys[1:] == [keys[0] + "#2", keys[0] + "#3", keys[0] + "#4"]
