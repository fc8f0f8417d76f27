"""A steward corrects or waives, revalidation lets the record flow, and the books stay whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.schema import IssueStatus, QuarantineRecord
from consolidation.quarantine import IssueFilter
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture
def demo(tmp_path: Path) -> DemoRun:
    run = demo_pipeline(tmp_path, employees=200, journal_lines=600)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run


def _one(run: DemoRun, sql: str, **params: object) -> object:
    with run.pipeline.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _fault(run: DemoRun, kind: str, source: str | None = None) -> dict[str, str]:
    return next(
        f
        for f in run.truth["faults"]
        if f["fault"] == kind and (source is None or f["source"] == source)
    )


def test_a_corrected_iban_flows_on_after_revalidation(demo: DemoRun) -> None:
    fault = _fault(demo, "bad_iban_checksum", "moh_hr")
    key = fault["source_key"]
    assert _one(demo, "SELECT COUNT(*) FROM employment WHERE source_key = :k", k=key) == 0
    demo.pipeline.quarantine.correct(
        "moh_hr", "employee", key, {"iban": "BH67BMAG00001299123456"}, actor="steward"
    )
    result = demo.pipeline.revalidate(source="moh_hr")
    assert result.released.get("employee") == 1
    assert (
        _one(
            demo,
            "SELECT iban FROM employment WHERE source_system = 'moh_hr' AND source_key = :k",
            k=key,
        )
        == "BH67BMAG00001299123456"
    )
    assert (
        _one(
            demo,
            "SELECT status FROM validation_issue WHERE source_key = :k "
            "AND rule_id = 'employee.iban.valid'",
            k=key,
        )
        == "fixed"
    )
    assert (
        _one(demo, "SELECT status FROM quarantine_record WHERE source_key = :k", k=key) == "fixed"
    )
    assert _one(demo, "SELECT COUNT(*) FROM audit_event WHERE action = 'record.corrected'") == 1
    assert _one(demo, "SELECT COUNT(*) FROM audit_event WHERE action = 'record.released'") >= 1
    unbalanced = _one(
        demo,
        "SELECT COUNT(*) FROM batch WHERE rows_extracted <> rows_staged "
        "+ rows_quarantined + rows_rejected",
    )
    assert unbalanced == 0


def test_a_bad_correction_stays_quarantined_with_a_new_issue(demo: DemoRun) -> None:
    key = _fault(demo, "bad_iban_checksum", "moh_hr")["source_key"]
    demo.pipeline.quarantine.correct(
        "moh_hr", "employee", key, {"email": "not-an-email"}, actor="steward"
    )
    result = demo.pipeline.revalidate(source="moh_hr")
    assert result.released.get("employee", 0) == 0
    assert result.new_issues >= 1
    assert _one(demo, "SELECT COUNT(*) FROM employment WHERE source_key = :k", k=key) == 0


def test_a_waived_warning_or_error_no_longer_blocks(demo: DemoRun) -> None:
    key = _fault(demo, "hire_before_18", "moh_hr")["source_key"]
    service = demo.pipeline.quarantine
    [issue] = [
        i for i in service.list_issues(IssueFilter(source="moh_hr")) if i["source_key"] == key
    ]
    service.decide(
        [issue["id"]], IssueStatus.WAIVED, actor="steward", note="hired under a youth programme"
    )
    assert demo.pipeline.revalidate(source="moh_hr").released.get("employee") == 1
    assert _one(demo, "SELECT COUNT(*) FROM employment WHERE source_key = :k", k=key) == 1


def test_a_rejected_record_is_counted_as_rejected_on_the_next_run(demo: DemoRun) -> None:
    key = _fault(demo, "mojibake", "moh_hr")["source_key"]
    service = demo.pipeline.quarantine
    [issue] = [
        i for i in service.list_issues(IssueFilter(source="moh_hr")) if i["source_key"] == key
    ]
    service.decide([issue["id"]], IssueStatus.REJECTED, actor="steward")
    result = demo.pipeline.run(["moh_hr"])
    [employees] = [o for o in result.transforms[0].outcomes if o.target == "employee"]
    assert employees.rejected == 1
    assert employees.staged + employees.quarantined + employees.rejected == employees.extracted


def test_an_unbalanced_entry_flows_with_its_lines_once_corrected(demo: DemoRun) -> None:
    entry = _fault(demo, "unbalanced_entry", "mof_gl")["source_key"]
    with demo.pipeline.session() as session:
        lines = [
            r
            for r in session.scalars(
                sa.select(QuarantineRecord).filter_by(source_system="mof_gl", entity="journal_line")
            )
            if r.data.get("entry_no") == entry
        ]
    debit = sum(float(r.data["debit"]) for r in lines)
    credit = sum(float(r.data["credit"]) for r in lines)
    assert lines and round(debit - credit, 3) != 0
    first_credit = next(r for r in lines if float(r.data["credit"]) > 0)
    from decimal import Decimal

    fixed = Decimal(first_credit.data["credit"]) + Decimal(str(round(debit - credit, 3)))
    demo.pipeline.quarantine.correct(
        "mof_gl",
        "journal_line",
        first_credit.source_key,
        {"credit": str(fixed)},
        actor="steward",
    )
    result = demo.pipeline.revalidate(source="mof_gl")
    assert result.released.get("journal_entry") == 1
    assert result.released.get("journal_line") == len(lines)
    assert _one(
        demo,
        "SELECT SUM(debit_amount) - SUM(credit_amount) FROM journal_line l "
        "JOIN journal_entry e ON e.id = l.entry_id WHERE e.source_key = :k",
        k=entry,
    ) in (0, "0", "0.000")


def test_a_steward_merges_a_grey_zone_pair_and_can_undo_it(demo: DemoRun) -> None:
    from consolidation.core.schema import MatchReview

    with demo.pipeline.engine.begin() as connection:
        a, b = (
            f"{s}|{k}"
            for s, k in connection.execute(
                sa.text("SELECT source_system, source_key FROM person_source ORDER BY id LIMIT 2")
            )
        )
        connection.execute(
            sa.insert(MatchReview.__table__).values(
                kind="person", record_a=a, record_b=b, score=85.0, reasons="test", status="open"
            )
        )

    def person(record: str) -> object:
        source, key = record.split("|", 1)
        return _one(
            demo,
            "SELECT person_id FROM person_source WHERE source_system = :s AND source_key = :k",
            s=source,
            k=key,
        )

    service = demo.pipeline.quarantine
    [pair] = service.reviews()
    assert person(a) != person(b)
    service.decide_review(pair["id"], "merged", actor="steward")
    demo.pipeline.match()
    assert person(a) == person(b)
    service.decide_review(pair["id"], "apart", actor="steward")
    demo.pipeline.match()
    assert person(a) != person(b)
    assert _one(demo, "SELECT COUNT(*) FROM audit_event WHERE action LIKE 'match.%'") == 2


def test_a_stewards_revalidation_checks_only_its_ministries_sources(demo: DemoRun) -> None:
    """The web app starts revalidation with the steward's ministries: another ministry's
    corrected record waits for its own stewards (or central IT)."""
    keys = {
        source: _fault(demo, "bad_iban_checksum", source)["source_key"]
        for source in ("moh_hr", "moe_hr")
    }
    for source, key in keys.items():
        demo.pipeline.quarantine.correct(
            source, "employee", key, {"iban": "BH67BMAG00001299123456"}, actor="steward"
        )
    result = demo.pipeline.revalidate(ministries=["moh"])
    assert result.released.get("employee") == 1
    staged = "SELECT COUNT(*) FROM employment WHERE source_system = :s AND source_key = :k"
    assert _one(demo, staged, s="moh_hr", k=keys["moh_hr"]) == 1
    assert _one(demo, staged, s="moe_hr", k=keys["moe_hr"]) == 0
    assert demo.pipeline.revalidate().released.get("employee") == 1
    assert _one(demo, staged, s="moe_hr", k=keys["moe_hr"]) == 1
