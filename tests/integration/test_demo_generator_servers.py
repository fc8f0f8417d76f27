"""The demo generator on real servers: Health and Finance on PostgreSQL, Education on MariaDB."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.money import AmountSum
from consolidation.core.sources import SqlSource, load_sources
from consolidation.demo import DemoTargets, generate

pytestmark = pytest.mark.integration


def _rows(url: str, table: str) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            quoted = engine.dialect.identifier_preparer.quote(table)
            result = connection.execute(sa.text(f"SELECT * FROM {quoted}"))
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def _sum(values: list[object]) -> Decimal:
    running = AmountSum()
    running.add_texts([None if value is None else str(value) for value in values])
    return running.total


def test_generate_onto_postgresql_and_mariadb(
    tmp_path: Path, pg_url: str, mariadb_url: str
) -> None:
    targets = DemoTargets(health_url=pg_url, education_url=mariadb_url, finance_url=pg_url)
    generate(tmp_path / "first", employees=200, journal_lines=3000, targets=targets)
    manifest = generate(tmp_path / "again", employees=200, journal_lines=3000, targets=targets)
    local = generate(tmp_path / "sqlite", employees=200, journal_lines=3000)

    config = load_sources(manifest.sources_file)
    urls = {name: s.url for name, s in config.sources.items() if isinstance(s, SqlSource)}
    assert urls == {"moh_hr": pg_url, "moe_hr": mariadb_url, "mof_gl": pg_url}
    assert not (manifest.directory / "moh_hr.sqlite").exists()

    moh = _rows(pg_url, "HR_EMP")
    moe = _rows(mariadb_url, "staff")
    lines = _rows(pg_url, "je_lines")
    opening = _rows(pg_url, "opening_bal")
    assert manifest.rows["moh_hr"]["employee"] == len(moh) == 90
    assert manifest.rows["moe_hr"]["employee"] == len(moe) == 90
    assert manifest.rows["moe_hr"]["payroll_line"] == len(_rows(mariadb_url, "payroll"))
    assert manifest.rows["mof_gl"]["journal_line"] == len(lines) == 3000
    assert manifest.rows["mof_gl"]["journal_entry"] == len(_rows(pg_url, "je_header"))
    assert manifest.control["moh_hr"]["employee"]["salary"] == _sum([r["BASIC_SAL"] for r in moh])
    assert manifest.control["moe_hr"]["employee"]["salary"] == _sum(
        [r["monthly_salary"] for r in moe]
    )
    assert manifest.control["mof_gl"]["journal_line"] == {
        "debit": _sum([r["dr_amt"] for r in lines]),
        "credit": _sum([r["cr_amt"] for r in lines]),
    }
    assert manifest.control["mof_gl"]["opening_balance"]["debit"] == _sum(
        [r["dr_amt"] for r in opening]
    )
    assert manifest.control == local.control and manifest.rows == local.rows

    arabic = {r["staff_id"]: r["family_name_ar"] for r in moe}
    local_moe = _rows(f"sqlite:///{local.directory / 'moe_hr.sqlite'}", "staff")
    assert arabic == {r["staff_id"]: r["family_name_ar"] for r in local_moe}
    assert any("٫" in str(r["monthly_salary"]) for r in moe)
    assert all(isinstance(r["dr_amt"], Decimal) for r in lines)
