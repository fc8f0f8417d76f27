"""The loader against the Odoo 17 stand-in: a whole demo store lands once, with its external
ids, balanced and posted; a second load changes nothing; refused records are isolated; a changed
posted entry is reversed, not rewritten; a batch rolls back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from consolidation.core.odoo_rpc import RetryPolicy, XmlRpcTransport
from consolidation.load import (
    CentralLoader,
    LoadError,
    Selection,
    load_central_config,
    preflight,
    rollback_batch,
)
from consolidation.load.refusals import LOAD_RULE
from tests.central_support import assert_every_row_accounted, assert_exactly_once, ours
from tests.odoo_standin import OdooStandIn, central_standin
from tests.odoo_standin.central import BHD_ID
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    run = demo_pipeline(tmp_path_factory.mktemp("load"), employees=120, journal_lines=400)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run


@pytest.fixture
def store(demo: DemoRun, tmp_path: Path) -> Iterator[sa.Engine]:
    """A copy of the demo store, so each test loads from the same fresh state."""
    source = sa.make_url(str(demo.pipeline.engine.url)).database
    copy = tmp_path / "store.db"
    with sqlite3.connect(str(source)) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    engine = sa.create_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture
def odoo() -> Iterator[OdooStandIn]:
    with central_standin() as standin:
        yield standin


def loader(engine: sa.Engine, standin: OdooStandIn, **options: Any) -> CentralLoader:
    def connect() -> XmlRpcTransport:
        return XmlRpcTransport(
            standin.url,
            standin.db,
            standin.login,
            SecretStr(standin.password),
            retry=RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05),
        )

    config = options.pop("config", None) or load_central_config(None)
    return CentralLoader(engine, connect, config, operator="tester", **options)


def _scalar(engine: sa.Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _loaded_batch(store: sa.Engine, odoo: OdooStandIn) -> tuple[int, int]:
    """The whole store loaded; the first batch with entries, and how many entries it loaded."""
    loader(store, odoo).load(Selection())
    batch = _scalar(
        store, "SELECT batch_id FROM journal_entry GROUP BY batch_id ORDER BY batch_id LIMIT 1"
    )
    moves = _scalar(
        store,
        "SELECT count(*) FROM central_ref WHERE batch_id = :b "
        "AND entity IN ('journal_entry', 'opening_balance')",
        b=batch,
    )
    return int(batch), int(moves)


@pytest.mark.parametrize("page", [None, 7], ids=["one page", "pages of 7"])
def test_a_whole_store_loads_once_and_a_second_load_changes_nothing(
    store: sa.Engine, odoo: OdooStandIn, page: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if page is not None:  # employees and entries read, planned and loaded 7 at a time
        monkeypatch.setattr("consolidation.load.pages.PAGE_RECORDS", page)
    plan = loader(store, odoo).plan(Selection())
    first = loader(store, odoo, workers=3, batch_size=50).load(Selection())
    for name in ("employment", "journal_entry"):  # the dry run read the same pages
        assert vars(plan.counts[name]) == vars(first.counts[name])
    employments = _scalar(store, "SELECT count(*) FROM employment")
    entries = _scalar(store, "SELECT count(*) FROM journal_entry")
    lines = _scalar(store, "SELECT count(*) FROM journal_line")
    assert first.counts["employment"].created + first.counts["employment"].failed == employments
    assert first.counts["journal_entry"].created == entries
    assert first.counts["employment"].created == len(odoo.records("hr.employee"))
    assert ours(odoo)["account.move.line"] == lines + _scalar(
        store, "SELECT count(*) FROM opening_balance"
    )
    moves = odoo.records("account.move")
    assert {move["state"] for move in moves} == {"posted"}
    debit = sum(Decimal(str(line["debit"])) for line in odoo.records("account.move.line"))
    expected = _scalar(store, "SELECT sum(debit_amount) FROM journal_line") + _scalar(
        store, "SELECT sum(debit_amount) FROM opening_balance"
    )
    assert debit == Decimal(expected) / 1000  # the store keeps fils as integers on SQLite
    assert_exactly_once(store, odoo)

    second = loader(store, odoo).load(Selection())
    assert all(c.created == c.updated == 0 for c in second.counts.values()), second.as_dict()
    assert second.counts["journal_entry"].unchanged == entries
    assert len(odoo.records("account.move.line")) == ours(odoo)["account.move.line"]


def test_terminated_employments_arrive_archived_with_their_departure_date(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    with store.begin() as connection:  # the demo's sources say when no employment ended
        connection.execute(
            sa.text(
                "UPDATE employment SET end_date = '2025-03-31' WHERE id = "
                "(SELECT min(id) FROM employment WHERE status = 'terminated')"
            )
        )
    report = loader(store, odoo).load(Selection())
    assert report.counts["employment"].failed == 0
    with store.connect() as connection:
        wanted = {
            str(xid): (status, end)
            for xid, status, end in connection.execute(
                sa.text(
                    "SELECT r.external_id, e.status, e.end_date FROM employment e "
                    "JOIN central_ref r ON r.entity = 'employment' AND r.row_id = e.id"
                )
            )
        }
    statuses = {status for status, _end in wanted.values()}
    assert "terminated" in statuses and "active" in statuses  # the demo has both
    assert any(end for status, end in wanted.values() if status == "terminated")
    by_xid = {
        f"{row['module']}.{row['name']}": row["res_id"]
        for row in odoo.records("ir.model.data")
        if row["model"] == "hr.employee"
    }
    employees = {row["id"]: row for row in odoo.records("hr.employee")}
    for xid, (status, end) in wanted.items():
        employee = employees[by_xid[xid]]
        if status == "terminated":
            assert employee["active"] is False, xid
            if end:
                assert employee["departure_date"] == str(end), xid
            else:  # the source says when only for some: no date is sent rather than a guess
                assert not employee["departure_date"], xid
        else:  # a suspension has no state in Odoo 17: the employee stays active
            assert employee["active"] is True, xid
            assert not employee["departure_date"], xid


def test_a_postgresql_store_loads_in_pages_once_and_a_changed_employee_replaces_its_reference(
    pg_url: str, tmp_path: Path, odoo: OdooStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's other backend: pages read through a server-side cursor on their own thread
    while references are written beside them (ON CONFLICT on PostgreSQL)."""
    monkeypatch.setattr("consolidation.load.pages.PAGE_RECORDS", 9)
    run = demo_pipeline(tmp_path, store_url=pg_url, employees=120, journal_lines=400)
    run.pipeline.run(list(run.pipeline.config.sources))
    engine = run.pipeline.engine
    try:
        first = loader(engine, odoo, workers=2, batch_size=20).load(Selection())
        assert first.counts["journal_entry"].created == _scalar(
            engine, "SELECT count(*) FROM journal_entry"
        )
        assert first.counts["employment"].created == len(odoo.records("hr.employee"))
        assert_exactly_once(engine, odoo)
        refs = _scalar(engine, "SELECT count(*) FROM central_ref")

        employment = _scalar(
            engine,
            "SELECT e.id FROM employment e JOIN central_ref r ON r.entity = 'employment' "
            "AND r.row_id = e.id ORDER BY e.id LIMIT 1",
        )
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE employment SET email = 'moved@example.gov.bh' WHERE id = :i"),
                {"i": employment},
            )
        second = loader(engine, odoo).load(Selection())
        assert second.counts["employment"].updated == 1
        assert all(c.created == 0 for c in second.counts.values()), second.as_dict()
        assert _scalar(engine, "SELECT count(*) FROM central_ref") == refs
        central_id = _scalar(
            engine,
            "SELECT central_id FROM central_ref WHERE entity = 'employment' AND row_id = :i",
            i=employment,
        )
        [employee] = [e for e in odoo.records("hr.employee") if e["id"] == central_id]
        assert employee["work_email"] == "moved@example.gov.bh"
        assert_exactly_once(engine, odoo)
        third = loader(engine, odoo).load(Selection())
        assert all(c.created == c.updated == 0 for c in third.counts.values()), third.as_dict()
    finally:
        engine.dispose()


def test_each_ministry_becomes_a_company_with_its_own_chart_in_the_multi_company_mode(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    config = load_central_config(None).model_copy(update={"company_mode": "per_ministry"})
    first = loader(store, odoo, workers=3, batch_size=50, config=config).load(Selection())
    assert first.failures == [] or all(f.target == "employment" for f in first.failures)
    ministries = _scalar(store, "SELECT count(*) FROM ministry")
    accounts = _scalar(store, "SELECT count(*) FROM account")
    companies = {c["id"]: c for c in odoo.records("res.company")}
    ours_ = {cid: c for cid, c in companies.items() if cid != 1}
    assert len(ours_) == ministries
    assert {c["currency_id"] for c in ours_.values()} == {BHD_ID}
    by_xid = _refs(store)
    with store.connect() as connection:
        codes = dict(connection.execute(sa.text("SELECT id, code FROM ministry")).all())
        employee_ministry = dict(
            connection.execute(sa.text("SELECT id, ministry_id FROM employment")).all()
        )
    company_of = {
        ministry_id: by_xid[("ministry_company", ministry_id, "")] for ministry_id in codes
    }
    # each ministry's journals, departments and own chart are in its company
    journals = {j["id"]: j for j in odoo.records("account.journal")}
    for ministry_id, company in company_of.items():
        assert journals[by_xid[("ministry_journal", ministry_id, "")]]["company_id"] == company
        assert journals[by_xid[("opening_journal", ministry_id, "")]]["company_id"] == company
    chart = [a for a in odoo.records("account.account") if a["company_id"] in ours_]
    assert len(chart) == ministries * accounts
    employees = {e["id"]: e for e in odoo.records("hr.employee")}
    for (entity, row_id, _), central_id in by_xid.items():
        if entity == "employment":
            company = company_of[employee_ministry[row_id]]
            assert employees[central_id]["company_id"] == company
    # every entry is in its journal's company, on that company's accounts
    account_company = {a["id"]: a["company_id"] for a in odoo.records("account.account")}
    moves = {m["id"]: m for m in odoo.records("account.move")}
    assert {move["company_id"] for move in moves.values()} <= set(ours_)
    for line in odoo.records("account.move.line"):
        assert account_company[line["account_id"]] == moves[line["move_id"]]["company_id"]
    assert {move["state"] for move in moves.values()} == {"posted"}
    assert_exactly_once(store, odoo)
    second = loader(store, odoo, config=config).load(Selection())
    assert all(c.created == c.updated == 0 for c in second.counts.values()), second.as_dict()

    # a ministry's account Odoo holds without our external id (made by hand, or a reference
    # lost) is adopted from that ministry's chart, not from another company's with the code
    # (101000 is also in the main company's generic chart)
    with store.begin() as connection:
        lost = connection.execute(
            sa.text(
                "SELECT r.id, r.row_id, r.scope, r.central_id, r.external_id FROM central_ref r "
                "JOIN account a ON a.id = r.row_id WHERE r.entity = 'account' "
                "AND r.scope <> '' AND a.code = '101000' ORDER BY r.id LIMIT 1"
            )
        ).one()
        connection.execute(sa.text("DELETE FROM central_ref WHERE id = :id"), {"id": lost.id})
    module, name = lost.external_id.split(".", 1)
    transport = XmlRpcTransport(odoo.url, odoo.db, odoo.login, SecretStr(odoo.password))
    entry = transport.execute(
        "ir.model.data", "search", [["module", "=", module], ["name", "=", name]]
    )
    transport.execute("ir.model.data", "unlink", entry)
    third = loader(store, odoo, config=config).load(Selection())
    assert third.counts["account"].adopted == 1 and third.counts["account"].created == 0
    assert by_xid[("account", lost.row_id, lost.scope)] == lost.central_id
    assert _refs(store)[("account", lost.row_id, lost.scope)] == lost.central_id
    assert_exactly_once(store, odoo)


def test_a_store_keeps_the_company_mode_it_loaded_in(store: sa.Engine, odoo: OdooStandIn) -> None:
    """Switching the company mode after a load would build a second chart and second journals
    beside the first: the loader refuses, in one line, before it touches Odoo, for a load and
    for a dry run; in the mode the store loaded in, it goes on as before."""
    single = load_central_config(None)
    per_ministry = single.model_copy(update={"company_mode": "per_ministry"})
    loader(store, odoo, config=single).load(Selection())
    before = {model: len(odoo.records(model)) for model in ("res.company", "account.account")}
    runs = _scalar(store, "SELECT count(*) FROM load_run")

    for attempt in (
        lambda: loader(store, odoo, config=per_ministry).load(Selection()),
        lambda: loader(store, odoo, config=per_ministry).plan(Selection()),
    ):
        with pytest.raises(LoadError, match="company_mode single") as refused:
            attempt()
        assert "\n" not in str(refused.value)
    assert {model: len(odoo.records(model)) for model in before} == before
    assert _scalar(store, "SELECT count(*) FROM load_run") == runs
    again = loader(store, odoo, config=single).load(Selection())
    assert all(c.created == 0 for c in again.counts.values())


def test_a_store_loaded_per_ministry_refuses_the_single_company_mode(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    per_ministry = load_central_config(None).model_copy(update={"company_mode": "per_ministry"})
    loader(store, odoo, config=per_ministry).load(Selection())
    with pytest.raises(LoadError, match="company_mode per_ministry"):
        loader(store, odoo).load(Selection())


def _refs(engine: sa.Engine) -> dict[tuple[str, int, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT entity, row_id, scope, central_id FROM central_ref")
        ).all()
    return {(entity, row_id, scope): central_id for entity, row_id, scope, central_id in rows}


def test_the_dry_run_plans_from_the_store(store: sa.Engine, odoo: OdooStandIn) -> None:
    plan = loader(store, odoo).plan(Selection())
    assert plan.counts["employment"].created == _scalar(store, "SELECT count(*) FROM employment")
    assert odoo.calls == {}  # no call reached Odoo
    loader(store, odoo).load(Selection())
    again = loader(store, odoo).plan(Selection())
    assert all(c.created == c.updated == 0 for c in again.counts.values())


def test_refused_records_are_isolated_and_quarantined_with_odoo_message(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    with store.begin() as connection:
        victims = connection.execute(
            sa.text("SELECT id, source_key FROM employment ORDER BY id LIMIT 3")
        ).all()
        # a job's title made empty: Odoo refuses the job, and so the employees in that job
        connection.execute(
            sa.text(
                "UPDATE person SET name_en = NULL, name_ar = NULL WHERE id = "
                "(SELECT person_id FROM employment WHERE id = :id)"
            ),
            {"id": victims[0].id},
        )
    odoo.models["hr.employee"].checks.append(_refuse_email("bad@example.com"))
    with store.begin() as connection:
        connection.execute(
            sa.text("UPDATE employment SET email = 'bad@example.com' WHERE id = :id"),
            {"id": victims[1].id},
        )
    report = loader(store, odoo, batch_size=200, workers=1).load(Selection())
    failed = {f.source_key: f.message for f in report.failures if f.target == "employment"}
    assert "no name" in failed[victims[0].source_key]
    assert "bad@example.com" in failed[victims[1].source_key]
    assert victims[2].source_key not in failed
    issues = _scalar(
        store, "SELECT count(*) FROM validation_issue WHERE rule_id = 'central.load.refused'"
    )
    assert issues >= 2
    loaded = len(odoo.records("hr.employee"))
    assert loaded == _scalar(store, "SELECT count(*) FROM employment") - len(failed)
    assert_exactly_once(store, odoo)
    # the address is mended at the source: the next load takes the employee and closes its
    # issue; the one with no name (and any other post of that person) stays refused
    with store.begin() as connection:
        connection.execute(
            sa.text("UPDATE employment SET email = 'mended@example.com' WHERE id = :id"),
            {"id": victims[1].id},
        )
    again = loader(store, odoo, batch_size=200, workers=1).load(Selection())
    still = {f.source_key for f in again.failures if f.target == "employment"}
    assert victims[0].source_key in still and victims[1].source_key not in still
    status = dict(
        store.connect()
        .execute(
            sa.text(
                "SELECT source_key, status FROM validation_issue "
                "WHERE rule_id = 'central.load.refused' AND entity = 'employment'"
            )
        )
        .all()
    )
    assert status[victims[0].source_key] == "open"
    assert status[victims[1].source_key] == "fixed"
    assert_every_row_accounted(store, "employment", "employment")


def _refuse_email(email: str) -> Any:
    from tests.odoo_standin.server import user_error

    def check(standin: Any, model: Any, record: dict[str, Any]) -> None:
        if record.get("work_email") == email:
            raise user_error(f"Invalid email {email}")

    return check


def test_a_changed_posted_entry_is_reversed_and_replaced(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    loader(store, odoo).load(Selection())
    before = len(odoo.records("account.move"))
    with store.begin() as connection:
        entry = connection.execute(
            sa.text("SELECT id, entry_id FROM journal_line ORDER BY id LIMIT 1")
        ).one()
        connection.execute(
            sa.text("UPDATE journal_entry SET reference = 'changed at source' WHERE id = :id"),
            {"id": entry.entry_id},
        )
    report = loader(store, odoo).load(Selection())
    assert report.counts["journal_entry"].reversed == 1
    moves = odoo.records("account.move")
    assert len(moves) == before + 2  # the reversal and the new version; the old one stays
    assert {move["state"] for move in moves} == {"posted"}
    assert (
        _scalar(store, "SELECT count(*) FROM audit_event WHERE action = 'central.entry.reversed'")
        == 1
    )
    third = loader(store, odoo).load(Selection())
    assert third.counts["journal_entry"].reversed == 0
    assert third.counts["journal_entry"].updated == 0


def test_a_batch_rolls_back_in_reverse_dependency_order(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    batch, moves = _loaded_batch(store, odoo)
    assert moves > 0
    before = len(odoo.records("account.move"))
    transport = XmlRpcTransport(odoo.url, odoo.db, odoo.login, SecretStr(odoo.password))
    report = rollback_batch(store, transport, batch, operator="tester")
    assert report.failed == {}
    assert len(odoo.records("account.move")) == before - moves
    kept = sum(report.kept.values())  # golden vendors another ministry's entries still use
    assert _scalar(store, "SELECT count(*) FROM central_ref WHERE batch_id = :b", b=batch) == kept
    assert _scalar(store, "SELECT status FROM batch WHERE id = :b", b=batch) == "rolled_back"
    assert _scalar(store, "SELECT count(*) FROM audit_event WHERE action = 'central.rollback'") > 0
    reload = loader(store, odoo).load(Selection())
    counts = reload.counts
    assert counts["journal_entry"].created + counts["opening_balance"].created == moves
    assert_exactly_once(store, odoo)


def test_transient_faults_and_lost_answers_are_retried_without_duplicates(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    odoo.faults.refuse_rate = 0.1
    odoo.faults.drop_rate = 0.05
    loader(store, odoo, workers=2, batch_size=40).load(Selection())
    assert odoo.faults.refused > 0 and odoo.faults.dropped > 0
    odoo.faults.refuse_rate = odoo.faults.drop_rate = 0.0
    assert_exactly_once(store, odoo)
    assert len(odoo.records("hr.employee")) == ours(odoo)["hr.employee"]


def test_a_lost_answer_to_posting_is_verified_not_reported_as_a_refusal(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    """Odoo posted the entries and the answer was lost; the retry is refused ('already
    posted'). The loader reads the state back: the entries are posted, nothing is an issue."""
    odoo.faults.drop_next["account.move.action_post"] = 2
    report = loader(store, odoo, workers=2, batch_size=20).load(Selection())
    assert odoo.faults.dropped == 2
    assert report.failures == []
    assert {move["state"] for move in odoo.records("account.move")} == {"posted"}
    assert _scalar(store, "SELECT count(*) FROM central_ref WHERE state = 'draft'") == 0
    assert (
        _scalar(store, "SELECT count(*) FROM validation_issue WHERE rule_id = :r", r=LOAD_RULE) == 0
    )
    assert_exactly_once(store, odoo)


def test_a_lost_answer_while_adopting_an_existing_account_is_looked_up_again(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    """An account code the central chart already has (101000, of Odoo's generic chart) gets
    our external id; when the answer to that ``ir.model.data`` create is lost, the retry finds
    the id taken and the loader looks it up instead of failing the run."""
    code = "101000"
    assert _scalar(store, "SELECT count(*) FROM account WHERE code = :c", c=code) == 1
    existing = next(a["id"] for a in odoo.records("account.account") if a["code"] == code)
    odoo.faults.drop_next["ir.model.data.create"] = 1
    report = loader(store, odoo).load(Selection())
    assert odoo.faults.dropped == 1
    assert report.failures == []
    assert report.counts["account"].adopted >= 1
    assert (
        _scalar(
            store,
            "SELECT central_id FROM central_ref WHERE entity = 'account' AND external_id LIKE :x",
            x=f"%{code}%",
        )
        == existing
    )
    assert_exactly_once(store, odoo)


def test_a_rollback_takes_back_an_entry_left_in_draft_with_the_posted_ones(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    """An entry whose posting failed stays a draft among posted ones: Odoo 17 refuses a
    ``button_draft`` that includes a draft, so only the posted ones are reset."""
    batch, moves = _loaded_batch(store, odoo)
    draft = _scalar(
        store,
        "SELECT central_id FROM central_ref WHERE batch_id = :b AND entity = 'journal_entry' "
        "ORDER BY id LIMIT 1",
        b=batch,
    )
    transport = XmlRpcTransport(odoo.url, odoo.db, odoo.login, SecretStr(odoo.password))
    transport.execute_void("account.move", "button_draft", [draft])
    before = len(odoo.records("account.move"))
    report = rollback_batch(store, transport, batch, operator="tester")
    assert report.failed == {}
    assert len(odoo.records("account.move")) == before - moves
    assert draft not in {move["id"] for move in odoo.records("account.move")}


def test_a_rollback_survives_lost_answers_to_reset_and_delete(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    batch, _ = _loaded_batch(store, odoo)
    odoo.faults.drop_next.update({"account.move.button_draft": 1, "account.move.unlink": 1})
    transport = XmlRpcTransport(
        odoo.url,
        odoo.db,
        odoo.login,
        SecretStr(odoo.password),
        retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05),
    )
    report = rollback_batch(store, transport, batch, operator="tester")
    assert odoo.faults.dropped == 2
    assert report.failed == {}
    assert _scalar(store, "SELECT status FROM batch WHERE id = :b", b=batch) == "rolled_back"
    kept = sum(report.kept.values())
    assert _scalar(store, "SELECT count(*) FROM central_ref WHERE batch_id = :b", b=batch) == kept


def test_preflight_activates_bhd_sets_the_company_currency_and_checks_fields(
    store: sa.Engine, odoo: OdooStandIn
) -> None:
    transport = XmlRpcTransport(odoo.url, odoo.db, odoo.login, SecretStr(odoo.password))
    config = load_central_config(None)
    checks = {check.name: check for check in preflight(transport, store, config)}
    assert all(check.ok for check in checks.values()), checks
    assert "activated now" in checks["currency BHD"].detail
    assert "set now" in checks["company currency"].detail
    odoo.denied.add(("hr.employee", "create"))
    odoo.models["res.company"].records[1] = {
        **odoo.models["res.company"].records[1],
        "currency_id": 1,
    }
    loader(store, odoo, workers=1).load(Selection(("mof_gl",)))
    again = {check.name: check for check in preflight(transport, store, config)}
    assert not again["access rights"].ok and "create hr.employee" in again["access rights"].detail
    assert not again["company currency"].ok and "too late" in again["company currency"].detail
