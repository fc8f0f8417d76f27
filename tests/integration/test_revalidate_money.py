"""Revalidation reads money through the Money type on every store backend: a corrected
employee is checked against its grade's real band, not one 1,000 times too large (SQLite keeps
money as integer fils)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.schema import Grade, QuarantineRecord, table_of
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration

BAND_RULE = "employee.base_salary.within_grade_band"
GOOD_IBAN = "BH67BMAG00001299123456"


@pytest.fixture
def demo(tmp_path: Path, store_url: str) -> DemoRun:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=200, journal_lines=300)
    run.pipeline.run(["moh_hr"])
    return run


def _band_issues(run: DemoRun, key: str) -> int:
    with run.pipeline.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT COUNT(*) FROM validation_issue WHERE source_system = 'moh_hr' "
                    "AND source_key = :k AND rule_id = :r"
                ),
                {"k": key, "r": BAND_RULE},
            ).scalar_one()
        )


def _bad_iban_within_band(run: DemoRun) -> tuple[str, tuple[Decimal, Decimal]]:
    """A quarantined employee whose only fault is its IBAN, with its grade's band."""
    with run.pipeline.engine.connect() as connection:
        grades = table_of(Grade)
        bands = {
            code: (low, high)
            for code, low, high in connection.execute(
                sa.select(
                    grades.c.code, grades.c.min_salary_amount, grades.c.max_salary_amount
                ).where(grades.c.source_system == "moh_hr")
            )
        }
    faulty = {
        f["source_key"]
        for f in run.truth["faults"]
        if f["source"] == "moh_hr" and f["fault"] != "bad_iban_checksum"
    }
    with run.pipeline.session() as session:
        records = session.scalars(
            sa.select(QuarantineRecord).filter_by(source_system="moh_hr", entity="employee")
        ).all()
        candidates = [(r.source_key, dict(r.data)) for r in records]
    for key, data in candidates:
        band = bands.get(str(data.get("grade_code")))
        salary = data.get("base_salary")
        if (
            key not in faulty
            and band is not None
            and salary is not None
            and band[0] <= Decimal(salary) <= band[1]
            and _band_issues(run, key) == 0
            and any(
                f["source_key"] == key and f["fault"] == "bad_iban_checksum"
                for f in run.truth["faults"]
            )
        ):
            return key, band
    raise AssertionError("the demo has no bad-IBAN employee within its band")


def test_a_corrected_employee_is_checked_against_its_real_band(demo: DemoRun) -> None:
    key, _band = _bad_iban_within_band(demo)
    demo.pipeline.quarantine.correct("moh_hr", "employee", key, {"iban": GOOD_IBAN}, actor="s")
    result = demo.pipeline.revalidate(source="moh_hr")
    assert result.released.get("employee") == 1
    assert _band_issues(demo, key) == 0, "a salary within its band was flagged against it"


def test_a_corrected_salary_above_its_band_is_flagged(demo: DemoRun) -> None:
    key, (_low, high) = _bad_iban_within_band(demo)
    above = str(high + Decimal("0.001"))
    demo.pipeline.quarantine.correct(
        "moh_hr",
        "employee",
        key,
        {"iban": GOOD_IBAN, "base_salary": above},
        actor="s",
    )
    result = demo.pipeline.revalidate(source="moh_hr")
    # a warning: the record flows on, and the steward sees the salary above its band
    assert result.released.get("employee") == 1
    assert _band_issues(demo, key) == 1
