"""The small demo through the whole pipeline: the quarantine equals the injected faults."""

from __future__ import annotations

from collections import defaultdict

import pytest
import sqlalchemy as sa

from consolidation.core.schema import ControlTotal
from consolidation.matching import person_quality
from consolidation.pipeline import RunResult
from tests.pipeline_support import FAULT_RULES, DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoRun, RunResult]:
    run = demo_pipeline(tmp_path_factory.mktemp("truth"))
    return run, run.pipeline.run(list(run.pipeline.config.sources))


def _flagged(run: DemoRun) -> dict[tuple[str, str, str], set[str]]:
    with run.pipeline.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT source_system, entity, source_key, rule_id FROM validation_issue")
        ).all()
    flagged: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for source, entity, key, rule in rows:
        flagged[(source, entity, key)].add(rule)
    return flagged


def test_the_quarantine_equals_the_injected_faults(demo: tuple[DemoRun, RunResult]) -> None:
    run, _ = demo
    injected: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for fault in run.truth["faults"]:
        injected[(fault["source"], fault["entity"], fault["source_key"])].add(fault["fault"])
    flagged = _flagged(run)
    missed = {k: v for k, v in injected.items() if k not in flagged}
    extra = {k: v for k, v in flagged.items() if k not in injected}
    assert not missed, f"faults no rule flagged: {sorted(missed.items())[:10]}"
    assert not extra, f"records flagged without an injected fault: {sorted(extra.items())[:10]}"
    for key, faults in injected.items():
        for fault in faults:
            assert flagged[key] & FAULT_RULES[fault], (key, fault, flagged[key])


def test_every_fault_kind_is_exercised(demo: tuple[DemoRun, RunResult]) -> None:
    run, _ = demo
    kinds = {fault["fault"] for fault in run.truth["faults"]}
    assert kinds >= set(FAULT_RULES) - {"future_date"} | {"future_date"} & kinds
    assert len(kinds) >= 10


def test_row_accounting_adds_up_for_every_entity(demo: tuple[DemoRun, RunResult]) -> None:
    run, result = demo
    for transform in result.transforms:
        expected = run.manifest.rows[transform.source]
        for outcome in transform.counted():
            assert outcome.extracted == expected[outcome.raw_entity], outcome
            assert outcome.staged + outcome.quarantined + outcome.rejected == outcome.extracted
    with run.pipeline.engine.connect() as connection:
        mismatched = connection.execute(
            sa.text(
                "SELECT id FROM batch WHERE rows_extracted <> rows_staged + rows_quarantined "
                "+ rows_rejected"
            )
        ).all()
        assert mismatched == []


def test_matching_meets_the_quality_goal(demo: tuple[DemoRun, RunResult]) -> None:
    run, result = demo
    quality = person_quality(run.pipeline.engine, run.truth)
    assert quality.precision >= 0.99
    assert quality.recall >= 0.95
    assert quality.tp >= len(run.truth["duplicates"]["cross_ministry"]) - 3
    assert result.vendors.merged_records >= 2 * len(run.truth["duplicates"]["vendors"]) - 2


def test_control_totals_per_account_and_period_match_the_source(
    demo: tuple[DemoRun, RunResult],
) -> None:
    run, result = demo
    mof = next(t for t in result.transforms if t.source == "mof_gl")
    with run.pipeline.session() as session:
        debit, credit, rows, periods, accounts = session.execute(
            sa.select(
                sa.func.sum(ControlTotal.debit_amount),
                sa.func.sum(ControlTotal.credit_amount),
                sa.func.sum(ControlTotal.row_count),
                sa.func.count(sa.distinct(ControlTotal.period)),
                sa.func.count(sa.distinct(ControlTotal.account_code)),
            ).where(ControlTotal.batch_id == mof.batch_id, ControlTotal.entity == "journal_line")
        ).one()
    control = run.manifest.control["mof_gl"]["journal_line"]
    assert rows == run.manifest.rows["mof_gl"]["journal_line"]
    assert (periods, accounts > 20) == (12, True)
    assert (debit, credit) == (control["debit"], control["credit"])


def test_a_rerun_of_unchanged_sources_changes_nothing(demo: tuple[DemoRun, RunResult]) -> None:
    run, _ = demo

    def counts() -> dict[str, int]:
        with run.pipeline.engine.connect() as connection:
            return {
                table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in (
                    "employment",
                    "person",
                    "partner",
                    "journal_entry",
                    "journal_line",
                    "payroll_line",
                    "validation_issue",
                    "quarantine_record",
                )
            }

    before = counts()
    again = run.pipeline.run(list(run.pipeline.config.sources))
    assert counts() == before
    for transform in again.transforms:
        for outcome in transform.outcomes:
            assert outcome.counts.inserted == 0 and outcome.counts.updated == 0, outcome
    assert person_quality(run.pipeline.engine, run.truth).precision >= 0.99


def test_a_changed_source_row_updates_its_unified_row_and_is_audited(
    demo: tuple[DemoRun, RunResult],
) -> None:
    run, _ = demo
    url = run.pipeline.config.source("moh_hr").url  # type: ignore[union-attr]
    source = sa.create_engine(url)
    with source.begin() as connection:
        clean = {f["source_key"] for f in run.truth["faults"] if f["source"] == "moh_hr"}
        key = connection.execute(
            sa.text(
                "SELECT EMP_NO FROM HR_EMP WHERE EMP_NO NOT IN :bad AND STAT_CD = 'A' "
                "ORDER BY EMP_NO LIMIT 1"
            ).bindparams(sa.bindparam("bad", expanding=True)),
            {"bad": sorted(clean)},
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE HR_EMP SET EMAIL_ADDR = 'moved@health.gov.bh' WHERE EMP_NO = :k"),
            {"k": key},
        )
    source.dispose()
    result = run.pipeline.run(["moh_hr"])
    [employees] = [o for o in result.transforms[0].outcomes if o.target == "employee"]
    assert (employees.counts.updated, employees.counts.inserted) == (1, 0)
    with run.pipeline.engine.connect() as connection:
        email = connection.execute(
            sa.text(
                "SELECT email FROM employment WHERE source_system = 'moh_hr' AND source_key = :k"
            ),
            {"k": key},
        ).scalar_one()
        audited = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'row.changed' AND target_id = :t"
            ),
            {"t": f"moh_hr|{key}"},
        ).scalar_one()
    assert email == "moved@health.gov.bh"
    assert audited >= 1
