"""Property-based fuzzing (hypothesis, a bounded number of examples) of what reads hostile
input: the CSV, Excel and SQL connectors, the mapping transforms and the config loaders. Every
input ends in exactly one of: read (values, or failures with a rule id), or a one-line error of
our own (ConsolidationError) — never another exception."""

from __future__ import annotations

import os
import sqlite3
import string
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from connectors import ConnectorError, open_connector
from consolidation.core.errors import ConsolidationError
from consolidation.core.sources import CsvSource, ExcelSource, SqlSource, load_sources
from mappings.transforms import make_step, run_steps

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),  # make test: the same examples each run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ARABIC = "".join(chr(c) for c in range(0x0600, 0x0660)) + "٠١٢٣٤٥٦٧٨٩٫٬"
CELL = st.one_of(
    st.none(),
    st.text(alphabet=string.printable + ARABIC + "\u200f\u00a0", max_size=40),
    st.sampled_from(["1e309", "-1e309", "9" * 400, "NaN", "inf", "٣٫٥", "1,234.500", "", " "]),
    st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{0,8})?", fullmatch=True),
)
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("trim", {}),
    ("collapse_spaces", {}),
    ("digits", {}),
    ("upper", {}),
    ("lower", {}),
    ("pad", {"pad": 9}),
    ("date", {"formats": ["%d/%m/%Y", "%Y-%m-%d"]}),
    ("period", {"formats": ["%Y%m", "%m/%Y"]}),
    ("money", {"scale": 3}),
    ("int", {}),
    ("code", {"map": {"M": "male", "F": "female"}}),
]


def _one_line(error: BaseException) -> None:
    assert isinstance(error, ConsolidationError), f"{type(error).__name__}: {error}"
    assert "\n" not in str(error) and str(error).strip()


@FUZZ
@given(values=st.lists(CELL, min_size=1, max_size=30), step=st.sampled_from(STEPS))
def test_every_transform_reads_or_fails_a_value_with_a_rule_id(
    values: list[str | None], step: tuple[str, dict[str, Any]]
) -> None:
    name, params = step
    try:
        result = run_steps(pd.Series(values, dtype=object), (make_step(name, params, Path()),))
    except ConsolidationError as error:  # pragma: no cover - a transform raises none
        _one_line(error)
        return
    assert len(result.values) == len(values)
    failed = result.failed.tolist()
    problems = list(result.problems) if result.problems is not None else [None] * len(values)
    for position, bad in enumerate(failed):
        assert bool(bad) == (problems[position] is not None)
        if bad:
            assert str(problems[position]).replace("_", "").isalnum()  # a rule id's last part


CSV_TEXT = st.lists(
    st.lists(CELL.map(lambda v: v or ""), min_size=1, max_size=6), min_size=0, max_size=12
)


@FUZZ
@given(header=st.lists(st.text(alphabet=string.ascii_letters + ARABIC + ' "', max_size=12),
                       min_size=0, max_size=6),
       rows=CSV_TEXT, raw=st.binary(max_size=200), encoding=st.sampled_from(["utf-8", "cp1256"]),
       use_raw=st.booleans())  # fmt: skip
def test_the_csv_connector_reads_or_refuses_in_one_line(
    tmp_path: Path,
    header: list[str],
    rows: list[list[str]],
    raw: bytes,
    encoding: str,
    use_raw: bool,
) -> None:
    path = tmp_path / "fuzz.csv"
    if use_raw:
        path.write_bytes(raw)
    else:
        lines = [",".join(header), *(",".join(row) for row in rows)]
        path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    spec = CsvSource.model_validate(
        {"kind": "csv", "ministry": "MOH", "domain": "hr", "name": "fuzz",
         "entities": {"employee": {"key": [header[0] if header else "id"], "path": str(path),
                                   "encoding": encoding}}}
    )  # fmt: skip
    connector = open_connector("fuzz_csv", spec)
    try:
        for chunk in connector.extract("employee"):
            assert len(chunk.frame) >= 0
    except ConnectorError as error:
        _one_line(error)


SQL_CELL = st.one_of(
    CELL,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.binary(max_size=12),  # SQLite holds any bytes in any column; CAST AS TEXT decodes them
)


@FUZZ
@given(rows=st.lists(st.tuples(SQL_CELL, SQL_CELL, SQL_CELL), min_size=0, max_size=12),
       chunk_size=st.integers(min_value=1, max_value=5))  # fmt: skip
def test_the_sql_connector_reads_or_refuses_in_one_line(
    tmp_path: Path, rows: list[tuple[object, object, object]], chunk_size: int
) -> None:
    """SQLite is typed per value: a column may hold text, integers, floats, NaN, infinity or
    raw bytes (undecodable, or with NUL) side by side, as a careless legacy system leaves it."""
    database = tmp_path / "fuzz.db"
    database.unlink(missing_ok=True)  # the same folder serves every example
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE employee (emp_no, name, salary)")
        connection.executemany("INSERT INTO employee VALUES (?, ?, ?)", rows)
    connection.close()
    spec = SqlSource.model_validate(
        {"kind": "sql", "ministry": "MOH", "domain": "hr", "name": "fuzz",
         "url": f"sqlite:///{database}",
         "entities": {"employee": {"key": ["emp_no"], "table": "employee"}}}
    )  # fmt: skip
    connector = open_connector("fuzz_sql", spec, chunk_size=chunk_size)
    try:
        with connector:
            read = sum(chunk.rows for chunk in connector.extract("employee"))
        assert read == len(rows)
    except ConnectorError as error:
        _one_line(error)


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(CELL, st.integers(), st.floats(allow_nan=True)),
                              min_size=1, max_size=5), min_size=0, max_size=10))  # fmt: skip
def test_the_excel_connector_reads_or_refuses_in_one_line(
    tmp_path: Path, rows: list[list[Any]]
) -> None:
    path = tmp_path / "fuzz.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:  # what Excel cannot store is not a workbook anyone sends
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    book.save(path)
    first = [str(v) for v in rows[0]] if rows else []
    key = next((v for v in first if v and v.strip()), "id")
    spec = ExcelSource.model_validate(
        {"kind": "excel", "ministry": "MOH", "domain": "hr", "name": "fuzz",
         "entities": {"employee": {"key": [key], "path": str(path)}}}
    )  # fmt: skip
    connector = open_connector("fuzz_xlsx", spec)
    try:
        for chunk in connector.extract("employee"):
            assert len(chunk.frame) >= 0
    except ConnectorError as error:
        _one_line(error)
    finally:
        connector.close()


YAML_PIECES = st.sampled_from(
    ["ministries:", "sources:", "  MOH: {name_ar: ص, name_en: Health}", "  moh_hr:",
     "    kind: csv", "    kind: sql", "    url: sqlite:///x.db?password=p", "    ministry: MOH",
     "    domain: hr", "    name: x", "    entities: {}", "&a [1,2]", "*a", "- [", "{", ": :",
     "\t", "ﺍ", "    password_env: X", "      employee: {path: a.csv, key: [k]}"]
)  # fmt: skip


@FUZZ
@given(lines=st.lists(st.one_of(YAML_PIECES, st.text(max_size=30)), max_size=14))
def test_the_sources_config_loads_or_refuses_in_one_line(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        load_sources(path)
    except ConsolidationError as error:
        _one_line(error)
    except UnicodeEncodeError:  # pragma: no cover - hypothesis made text no file can hold
        pytest.skip("not writable as UTF-8")
