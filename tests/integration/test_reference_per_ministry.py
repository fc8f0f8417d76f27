"""Reference data per ministry: each ministry's crosswalk and calendar live with its mappings,
a problem in one ministry's files stops only that ministry's finance sources, and a ledger in a
fiscal year the calendar does not declare stops in one line instead of thousands of issues."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.errors import ConsolidationError
from consolidation.core.reference import FiscalCalendar
from consolidation.core.settings import MappingSettings
from consolidation.pipeline import Pipeline
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _pipeline(tmp_path: Path) -> tuple[Pipeline, Path]:
    """The demo over a copy of the repository's mappings, to be edited by the test."""
    mappings = tmp_path / "mappings"
    shutil.copytree(
        REPO / "mappings", mappings, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    demo = demo_pipeline(tmp_path, employees=60, journal_lines=300)
    demo.pipeline.close()
    settings = demo.pipeline.settings.model_copy(
        update={"mappings": MappingSettings(directory=mappings)}
    )
    return Pipeline(settings), mappings


def _batches(pipeline: Pipeline) -> dict[str, str]:
    with pipeline.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT s.code, b.status FROM batch b JOIN source_system s "
                "ON s.id = b.source_system_id ORDER BY b.id"
            )
        ).all()
    return {str(code): str(status) for code, status in rows}


def test_a_wrong_crosswalk_stops_only_its_ministrys_finance_source(tmp_path: Path) -> None:
    pipeline, mappings = _pipeline(tmp_path)
    crosswalk = mappings / "mys" / "crosswalk.csv"
    crosswalk.write_text(crosswalk.read_text() + "9999999,424242\n", encoding="utf-8")
    result = pipeline.run(list(pipeline.config.sources))
    assert set(result.skipped) == {"mys_fin"}
    [problem] = result.skipped.values()
    assert "\n" not in problem
    assert (
        f"{crosswalk}:" in problem
        and "unified_code '424242' is not in the central chart" in problem
    )
    ran = _batches(pipeline)
    assert "mys_fin" not in ran  # not started: nothing extracted, nothing to account for
    assert set(ran) == {"moh_hr", "moe_hr", "mof_gl", "mys_hr"}
    assert set(ran.values()) == {"staged"}
    pipeline.close()


def test_a_wrong_central_chart_stops_the_finance_sources_only(tmp_path: Path) -> None:
    pipeline, mappings = _pipeline(tmp_path)
    chart = mappings / "reference" / "unified_chart.csv"
    chart.write_text(chart.read_text() + "999,x,x,asset_current,777\n", encoding="utf-8")
    result = pipeline.run(list(pipeline.config.sources))
    assert set(result.skipped) == {"mof_gl", "mys_fin"}
    assert all("parent_code '777' is not in the chart" in p for p in result.skipped.values())
    assert set(_batches(pipeline)) == {"moh_hr", "moe_hr", "mys_hr"}
    pipeline.close()


def test_an_undeclared_fiscal_year_is_one_line_and_a_ministry_may_open_it(tmp_path: Path) -> None:
    pipeline, mappings = _pipeline(tmp_path)
    (mappings / "reference" / "calendar.yaml").write_text("fiscal_years: {2024: open}\n")
    with pytest.raises(ConsolidationError) as caught:
        pipeline.run(["mof_gl"])
    message = str(caught.value)
    assert "\n" not in message
    assert "fiscal years the calendar does not declare" in message
    assert "rows in 2025" in message and str(mappings / "mof" / "calendar.yaml") in message
    assert _batches(pipeline) == {"mof_gl": "failed"}
    with pipeline.engine.connect() as connection:
        issues = connection.scalar(sa.text("SELECT count(*) FROM validation_issue"))
        lines = connection.scalar(sa.text("SELECT count(*) FROM journal_line"))
    assert issues == 0 and lines == 0  # no flood of "period not open", nothing half-staged

    (mappings / "mof" / "calendar.yaml").write_text("fiscal_years: {2025: migration}\n")
    result = pipeline.run(["mof_gl"])
    [staged] = result.transforms
    assert all(o.balanced for o in staged.outcomes)
    assert not any(rule.endswith("period.open") for rule, _ in staged.issues)
    with pytest.raises(ConsolidationError, match=r"mys/calendar\.yaml"):
        pipeline.run(["mys_fin"])  # MYS has not opened 2025: its own file, its own decision
    pipeline.close()


def test_a_ministry_calendar_lays_its_years_over_the_central_one() -> None:
    central = FiscalCalendar(
        fiscal_years={2024: "closed", 2025: "open"}, closed_periods=["2025-01"]
    )
    ministry = FiscalCalendar(fiscal_years={2024: "migration", 2023: "closed"})
    merged = ministry.over(central)
    assert merged.years() == {2023: "closed", 2024: "migration", 2025: "open"}
    periods = merged.open_periods()
    assert "2024-06" in periods and "2025-02" in periods
    assert "2025-01" not in periods and "2023-06" not in periods
    assert FiscalCalendar(open_years=[2025]).years() == {2025: "open"}  # the older form
    with pytest.raises(ValueError, match="YYYY-MM"):
        FiscalCalendar(fiscal_years={2025: "open"}, closed_periods=["2025-13"])


def test_the_older_single_crosswalk_is_still_read_and_its_problems_stay_local(
    tmp_path: Path,
) -> None:
    from sqlalchemy.orm import Session

    from consolidation.core import store
    from consolidation.core.reference import load_reference

    reference = tmp_path / "mappings" / "reference"
    reference.mkdir(parents=True)
    shutil.copy(REPO / "mappings" / "reference" / "unified_chart.csv", reference)
    (reference / "calendar.yaml").write_text("open_years: [2025]\n")
    (reference / "account_crosswalk.csv").write_text(
        "ministry,source_code,unified_code\nMOF,1101001,101000\nMYS,500,nope\n", encoding="utf-8"
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.upgrade(engine)
    with Session(engine) as session:
        data = load_reference(session, reference, ["MOF", "MYS", "MOH"])
    assert data.ledger("MOF").crosswalk == {"1101001"}
    assert data.ledger("MOH").crosswalk == set()
    assert "unified_code 'nope'" in (data.problem("MYS") or "")
    assert data.problem("MOF") is None
    engine.dispose()
