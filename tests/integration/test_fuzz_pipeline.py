"""Property-based fuzzing of whole pipeline runs: a generated CSV export goes through extract,
map, validate, match and stage. Every run ends in exactly one of:

- a completed batch whose accounting adds up for every entity (extracted = staged +
  quarantined + rejected), each quarantined row carrying its rule ids;
- a one-line error of our own (ConsolidationError), with the batch closed as failed.

Never another exception, never a batch left open. ``FUZZ_EXAMPLES`` deepens the run.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidation.core import store
from consolidation.core.errors import ConsolidationError
from consolidation.core.settings import (
    MappingSettings,
    Settings,
    SourcesSettings,
    StoreSettings,
    ValidationSettings,
)
from consolidation.pipeline import Pipeline

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),  # make test: the same examples each run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = [
    "EMP_NO", "CPR", "NAME_AR", "NAME_EN", "BORN", "HIRED", "SALARY", "IBAN", "SEX", "STATUS"
]  # fmt: skip
MAPPING = """\
source: fz_hr
ministry: FZ
entities:
  - from: employee
    to: employee
    fields:
      employee_no: {from: EMP_NO, transform: trim}
      national_id: {from: CPR, transform: [trim, digits]}
      name_ar:     {from: NAME_AR, transform: [trim, collapse_spaces]}
      name_en:     {from: NAME_EN, transform: [trim, collapse_spaces]}
      hire_date:   {from: HIRED, transform: date, formats: ["%d/%m/%Y", "%Y-%m-%d"]}
      base_salary: {from: SALARY, transform: money, scale: 3}
      iban:        {from: IBAN, transform: [trim, upper]}
      gender:      {from: SEX, transform: code, map: {M: male, F: female}}
      birth_date:  {from: BORN, transform: date, formats: ["%Y-%m-%d"]}
      status:      {from: STATUS, transform: code, map: {A: active, T: terminated}}
      org_unit_code: {const: "FZ-HQ"}
      job_code:      {const: "FZ-CLERK"}
"""
ARABIC = "".join(chr(c) for c in range(0x0621, 0x064B)) + "٠١٢٣٤٥٦٧٨٩ "
TEXT = st.text(alphabet="abcXYZ -'" + ARABIC + "\u200f\u00a0\t", max_size=30)
VALUES: dict[str, st.SearchStrategy[str]] = {
    "EMP_NO": st.one_of(st.from_regex(r"E[0-9]{1,3}", fullmatch=True), st.just("")),
    "CPR": st.one_of(
        st.from_regex(r"[0-9]{9}", fullmatch=True),
        st.from_regex(r"[٠-٩]{9}", fullmatch=True),
        st.sampled_from(["", "12345", "A1234567B", "1" * 40]),
    ),
    "NAME_AR": TEXT,
    "NAME_EN": TEXT,
    "HIRED": st.one_of(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)).map(
            lambda d: d.strftime("%d/%m/%Y")
        ),
        st.sampled_from(["", "31/02/2020", "2020-13-01", "yesterday", "٠١/٠٢/٢٠٢٠"]),
    ),
    "SALARY": st.one_of(
        st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,5})?", fullmatch=True),
        st.sampled_from(["", "1e3", "1e309", "-1e309", "9" * 400, "NaN", "1,234.500", "٣٫٥"]),
    ),
    "IBAN": st.one_of(
        st.just("BH67BMAG00001299123456"),
        st.from_regex(r"BH[0-9]{2}[A-Z]{4}[0-9A-Z]{14}", fullmatch=True),
        st.sampled_from(["", "GB82WEST12345698765432", "BH67 BMAG 0000 1299 1234 56"]),
    ),
    "SEX": st.sampled_from(["M", "F", "", "X", "ذكر"]),
    "BORN": st.one_of(
        st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 1, 1)).map(date.isoformat),
        st.sampled_from(["", "1990-02-30", "٢٠٠٠-٠١-٠١"]),
    ),
    "STATUS": st.sampled_from(["A", "T", "", "Z"]),
}
ROW = st.fixed_dictionaries(VALUES)
ENDINGS: dict[str, int] = {"completed": 0, "failed": 0, "quarantined": 0}
"""How the fuzzed runs ended, so that the last test can tell the property was not vacuous."""


@dataclass
class Rig:
    pipeline: Pipeline
    export: Path


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("fuzz_pipeline")
    mappings = root / "mappings"
    shutil.copytree(REPO / "mappings" / "reference", mappings / "reference")
    (mappings / "fz").mkdir(parents=True)
    (mappings / "fz" / "fz_hr.yaml").write_text(MAPPING, encoding="utf-8")
    sources = {
        "ministries": {"FZ": {"name_ar": "وزارة الاختبار", "name_en": "Ministry of Fuzzing"}},
        "sources": {
            "fz_hr": {
                "kind": "csv",
                "ministry": "FZ",
                "domain": "hr",
                "name": "Fuzzed HR export",
                "entities": {"employee": {"key": ["EMP_NO"], "path": "employee.csv"}},
            }
        },
    }
    (root / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), "utf-8")
    pipeline = Pipeline(
        Settings(
            store=StoreSettings(url=f"sqlite:///{root / 'store.db'}", raw_dir=root / "raw"),
            sources=SourcesSettings(config=root / "sources.yaml", chunk_size=7),
            mappings=MappingSettings(directory=mappings),
            validation=ValidationSettings(reference_date=date(2026, 6, 30)),
            operator="fuzzer",
        )
    )
    store.upgrade(pipeline.engine)
    yield Rig(pipeline, root / "employee.csv")
    pipeline.close()


def _export(rows: list[dict[str, str]], encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode(encoding, errors="replace")


def _batches(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM batch ORDER BY id")).mappings().all()
    return [dict(row) for row in rows]


@FUZZ
@given(rows=st.lists(ROW, min_size=0, max_size=25))
def test_every_run_adds_up_or_fails_in_one_line_with_its_batch_closed(
    rig: Rig, rows: list[dict[str, str]]
) -> None:
    rig.export.write_bytes(_export(rows, "utf-8"))
    before = len(_batches(rig.pipeline.engine))
    try:
        result = rig.pipeline.run(["fz_hr"])
    except ConsolidationError as error:
        assert "\n" not in str(error) and str(error).strip()
        assert "unexpectedly" not in str(error), "a failure no stage foresaw"
        batches = _batches(rig.pipeline.engine)[before:]
        assert [b["status"] for b in batches] in ([], ["failed"]), batches
        ENDINGS["failed"] += 1
        return
    (transform,) = result.transforms
    for outcome in transform.outcomes:
        assert outcome.balanced, outcome
        if outcome.raw_entity == "employee" and not outcome.derived:
            assert outcome.extracted == len(rows)
    (batch,) = _batches(rig.pipeline.engine)[before:]
    assert batch["status"] not in ("running", "extracted"), batch
    assert batch["rows_extracted"] == len(rows)
    assert (
        batch["rows_extracted"]
        == batch["rows_staged"] + batch["rows_quarantined"] + batch["rows_rejected"]
    ), batch
    with rig.pipeline.engine.connect() as connection:
        unruled = connection.execute(
            sa.text(
                "SELECT count(*) FROM validation_issue WHERE batch_id = :b "
                "AND (rule_id IS NULL OR rule_id = '')"
            ),
            {"b": batch["id"]},
        ).scalar_one()
    assert unruled == 0
    ENDINGS["completed"] += 1
    ENDINGS["quarantined"] += batch["rows_quarantined"] > 0


def test_the_fuzzed_runs_mostly_completed_with_quarantined_rows() -> None:
    """Runs after the property (tests of a file run in order): most generated exports are
    runnable data, so most runs complete, and most of those quarantine something."""
    runs = ENDINGS["completed"] + ENDINGS["failed"]
    assert runs, "the property ran no example"
    assert ENDINGS["completed"] >= runs // 2, ENDINGS
    assert ENDINGS["quarantined"] >= ENDINGS["completed"] // 2, ENDINGS
