"""The quarantine service, as the CLI and the web app call it, on both store backends: a
ministry scope no caller can step out of, optimistic locking, paging and counting."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.schema import IssueStatus
from consolidation.quarantine import (
    IssueFilter,
    OutOfScope,
    QuarantineConflict,
    QuarantineError,
    QuarantineService,
)
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture
def demo(tmp_path: Path, store_url: str) -> DemoRun:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=120, journal_lines=300)
    run.pipeline.run(["moh_hr", "moe_hr", "mof_gl"])
    return run


def _first(service: QuarantineService, ministry: str, **filters: str) -> dict[str, object]:
    [issue] = service.list_issues(IssueFilter(ministry=ministry, **filters), limit=1)
    return issue


def test_a_scoped_caller_sees_and_counts_only_its_ministries(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    every = service.list_issues()
    assert {i["ministry"] for i in every} >= {"MOH", "MOE", "MOF"}
    moh = service.list_issues(scope={"MOH"})
    assert moh and {i["ministry"] for i in moh} == {"MOH"}
    assert service.count_issues(scope={"MOH"}) == len(moh)
    assert service.count_issues() == len(every)
    # a filter naming another ministry finds nothing within the scope
    assert service.list_issues(IssueFilter(ministry="MOE"), scope={"MOH"}) == []
    assert service.count_issues(IssueFilter(ministry="MOE"), scope={"MOH"}) == 0
    summary = service.summary(scope={"moh"})
    assert summary and {row["ministry"] for row in summary} == {"MOH"}
    assert sum(int(row["count"]) for row in summary) == service.count_issues(
        IssueFilter(status="open"), scope={"MOH"}
    )


def test_a_scoped_caller_cannot_act_on_another_ministry(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    moe = _first(service, "MOE")
    with pytest.raises(OutOfScope, match="MOE"):
        service.decide([int(moe["id"])], IssueStatus.WAIVED, actor="moh-steward", scope={"MOH"})
    with pytest.raises(OutOfScope):
        service.correct(
            str(moe["source"]),
            str(moe["entity"]),
            str(moe["source_key"]),
            {"email": "a@b.bh"},
            actor="moh-steward",
            scope={"MOH"},
        )
    with pytest.raises(OutOfScope):
        service.record(
            str(moe["source"]), str(moe["entity"]), str(moe["source_key"]), scope={"MOH"}
        )
    # nothing changed, and nothing was audited
    assert service.list_issues(IssueFilter(ministry="MOE"), limit=1)[0]["status"] == "open"
    with demo.pipeline.engine.connect() as connection:
        audited = connection.execute(
            sa.text("SELECT COUNT(*) FROM audit_event WHERE actor = 'moh-steward'")
        ).scalar_one()
    assert audited == 0


def test_a_stale_update_is_a_conflict_not_an_overwrite(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    issue = _first(service, "MOH", status="open")
    ident, seen = int(issue["id"]), int(issue["version"])
    service.decide([ident], IssueStatus.WAIVED, actor="first", versions={ident: seen})
    after = service.list_issues(IssueFilter(ministry="MOH", status="waived"))
    [waived] = [i for i in after if i["id"] == ident]
    assert waived["version"] == seen + 1
    with pytest.raises(QuarantineConflict, match="changed since you read it"):
        service.decide([ident], IssueStatus.REJECTED, actor="second", versions={ident: seen})
    [still] = [i for i in service.list_issues(IssueFilter(status="waived")) if i["id"] == ident]
    assert still["updated_by"] == "first"

    record = service.record(str(issue["source"]), str(issue["entity"]), str(issue["source_key"]))
    version = int(str(record["version"]))
    service.correct(
        str(issue["source"]),
        str(issue["entity"]),
        str(issue["source_key"]),
        {"email": "first@health.gov.bh"},
        actor="first",
        version=version,
    )
    with pytest.raises(QuarantineConflict):
        service.correct(
            str(issue["source"]),
            str(issue["entity"]),
            str(issue["source_key"]),
            {"email": "second@health.gov.bh"},
            actor="second",
            version=version,
        )
    corrected = service.record(
        str(issue["source"]), str(issue["entity"]), str(issue["source_key"])
    )["corrected"]
    assert corrected == {"email": "first@health.gov.bh"}


def test_a_pipeline_run_bumps_the_version_a_steward_saw(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    issue = _first(service, "MOH", status="open", rule="employee.iban.valid")
    ident, seen = int(issue["id"]), int(issue["version"])
    # the issue is fixed at the source meanwhile: the next run marks it fixed
    key = str(issue["source_key"])
    record = service.record("moh_hr", "employee", key)
    service.correct("moh_hr", "employee", key, {"iban": "BH67BMAG00001299123456"}, actor="s")
    demo.pipeline.run(["moh_hr"])
    assert service.record("moh_hr", "employee", key)["version"] != record["version"]
    with pytest.raises(QuarantineConflict):
        service.decide([ident], IssueStatus.WAIVED, actor="s", versions={ident: seen})


def test_pages_are_disjoint_sorted_and_add_up(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    total = service.count_issues()
    assert total > 20
    pages = [
        service.list_issues(offset=offset, limit=7, sort="source") for offset in range(0, total, 7)
    ]
    ids = [issue["id"] for page in pages for issue in page]
    assert len(ids) == total == len(set(ids))
    keys = [(i["source"], i["source_key"], i["rule_id"]) for page in pages for i in page]
    assert keys == sorted(keys)
    with pytest.raises(QuarantineError, match="unknown sort"):
        service.list_issues(sort="nonsense")
    part = str(pages[0][0]["source_key"])[-3:]
    found = service.list_issues(IssueFilter(key=part))
    assert found and all(part in str(i["source_key"]) for i in found)


def test_match_reviews_are_decided_through_the_service_within_scope(demo: DemoRun) -> None:
    service = demo.pipeline.quarantine
    with demo.pipeline.engine.begin() as connection:
        moh, moe = (
            connection.execute(
                sa.text(
                    "SELECT source_system || '|' || source_key FROM person_source "
                    "WHERE source_system = :s ORDER BY id LIMIT 1"
                ),
                {"s": source},
            ).scalar_one()
            for source in ("moh_hr", "moe_hr")
        )
        connection.execute(
            sa.text(
                "INSERT INTO match_review (kind, record_a, record_b, score, reasons, status) "
                "VALUES ('person', :a, :b, 85.0, 'test', 'open')"
            ),
            {"a": moh, "b": moe},
        )
    [pair] = [r for r in service.reviews() if r["record_a"] == moh]
    assert pair in service.reviews(scope={"MOE"})
    with pytest.raises(OutOfScope):
        service.decide_review(int(pair["id"]), "merged", actor="moh-steward", scope={"MOH"})
    service.decide_review(int(pair["id"]), "merged", actor="central-it")
    assert [r["status"] for r in service.reviews(status=None) if r["id"] == pair["id"]] == [
        "merged"
    ]
    with pytest.raises(QuarantineError, match="expected merged, apart or open"):
        service.decide_review(int(pair["id"]), "maybe", actor="central-it")


def test_a_rule_filter_takes_percent_and_underscore_literally(demo: DemoRun) -> None:
    """``*`` is the rule filter's one wildcard: SQL's ``%`` and ``_`` match themselves."""
    service = demo.pipeline.quarantine
    assert service.count_issues(IssueFilter(rule="%")) == 0
    assert service.count_issues(IssueFilter(rule="employee.iban.vali_")) == 0
    every = service.count_issues(IssueFilter(rule="*"))
    assert every > 0 and every == service.count_issues(IssueFilter())
    assert service.count_issues(IssueFilter(rule="employee.*")) > 0
