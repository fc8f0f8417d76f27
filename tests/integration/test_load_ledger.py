"""The ledger into the Odoo 17 stand-in, as issue 14 (3b) found it must go:

* failure isolation: the stand-in reports a failing ``load`` as Odoo 17 does (the whole call's
  error tagged on its first record too, no record named after 10 errors), and only the entries
  Odoo really refuses are quarantined; every other one loads;
* in the single-company mode every journal item carries its ministry's analytic account;
* Odoo never re-dates an entry: one dated on or before its company's lock date is refused
  before it is sent, one Odoo posted as of another date anyway is taken back out, and the
  preflight says which ministries' entries the lock dates hold."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from consolidation.core.odoo_rpc import RetryPolicy, XmlRpcTransport
from consolidation.load import (
    CentralConfig,
    CentralLoader,
    Selection,
    load_central_config,
    preflight,
)
from consolidation.load.targets import external_name
from tests.central_support import assert_every_row_accounted
from tests.odoo_standin import OdooStandIn, central_standin
from tests.odoo_standin.server import load
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    run = demo_pipeline(tmp_path_factory.mktemp("isolation"), employees=20, journal_lines=600)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run


@pytest.fixture
def store(demo: DemoRun, tmp_path: Path) -> Iterator[sa.Engine]:
    source = sa.make_url(str(demo.pipeline.engine.url)).database
    copy = tmp_path / "store.db"
    with sqlite3.connect(str(source)) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    engine = sa.create_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def _loader(
    engine: sa.Engine, standin: OdooStandIn, config: CentralConfig | None = None, **options: Any
) -> CentralLoader:
    def connect() -> XmlRpcTransport:
        return XmlRpcTransport(
            standin.url,
            standin.db,
            standin.login,
            SecretStr(standin.password),
            retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05),
        )

    config = config or load_central_config(None)
    return CentralLoader(engine, connect, config, operator="tester", **options)


def _entries_by_account(engine: sa.Engine) -> dict[str, set[str]]:
    """Each account's code → the source keys of the entries with a line on it."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT DISTINCT a.code, e.source_key FROM journal_line l "
                "JOIN account a ON a.id = l.account_id JOIN journal_entry e ON e.id = l.entry_id "
                "WHERE l.withdrawn = 0 AND e.withdrawn = 0"
            )
        ).all()
    found: dict[str, set[str]] = {}
    for code, key in rows:
        found.setdefault(code, set()).add(key)
    return found


def _deprecate(standin: OdooStandIn, code: str) -> None:
    """The account, as the loader will name it, made in Odoo beforehand and deprecated there
    (the loader's account load updates it and leaves it deprecated)."""
    config = load_central_config(None)
    module, _, name = config.xid(external_name("account", code)).partition(".")
    with standin._lock:
        accounts = standin.models["account.account"]
        account = standin.insert(
            accounts,
            {"code": code, "name": f"Deprecated {code}", "account_type": "expense"},
        )
        standin.replace(accounts, account, {"deprecated": True})
        standin.insert(
            standin.models["ir.model.data"],
            {"module": module, "name": name, "model": "account.account", "res_id": account},
        )


@pytest.mark.parametrize("spread", ["an account of few entries", "the account of most entries"])
def test_only_the_entries_odoo_refuses_are_quarantined(store: sa.Engine, spread: str) -> None:
    entries = _entries_by_account(store)
    total = len(set().union(*entries.values()))
    if spread == "an account of few entries":
        code = min(entries, key=lambda c: (len(entries[c]), c))
    else:
        code = max(entries, key=lambda c: (len(entries[c]), c))
        assert 12 <= len(entries[code]) < total - 20  # the cap is met, good entries remain
    with central_standin() as standin:
        _deprecate(standin, code)
        report = _loader(store, standin, workers=1, batch_size=100).load(Selection())
        refused = {f.source_key: f.message for f in report.failures if f.target == "journal_entry"}
        assert set(refused) == entries[code]
        assert all("is deprecated" in message for message in refused.values())
        assert report.counts["journal_entry"].created == total - len(entries[code])
        again = _loader(store, standin, workers=1, batch_size=100).load(Selection())
        assert {f.source_key for f in again.failures if f.target == "journal_entry"} == set(refused)
    assert_every_row_accounted(store, "journal_entry", "journal_entry")


def _ministry_of_items(engine: sa.Engine) -> dict[str, str]:
    """Each journal item's external id (entries' and opening balances') → its ministry's code."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT r.external_id, m.code FROM central_ref r "
                "JOIN journal_line l ON r.entity = 'journal_line' AND l.id = r.row_id "
                "JOIN journal_entry e ON e.id = l.entry_id JOIN ministry m ON m.id = e.ministry_id "
                "UNION ALL SELECT r.external_id, m.code FROM central_ref r "
                "JOIN opening_balance o ON r.entity = 'opening_balance_line' AND o.id = r.row_id "
                "JOIN ministry m ON m.id = o.ministry_id"
            )
        ).all()
    return dict(rows)


def _items_by_xid(standin: OdooStandIn) -> dict[str, dict[str, Any]]:
    lines = {line["id"]: line for line in standin.records("account.move.line")}
    return {
        f"{e['module']}.{e['name']}": lines[e["res_id"]]
        for e in standin.records("ir.model.data")
        if e["model"] == "account.move.line"
    }


def test_every_item_carries_its_ministrys_analytic_account(store: sa.Engine) -> None:
    with central_standin() as standin:
        _loader(store, standin).load(Selection())
        analytic = {
            account["code"]: str(account["id"])
            for account in standin.records("account.analytic.account")
        }
        items = _items_by_xid(standin)
        ministries = _ministry_of_items(store)
        assert len(ministries) > 100
        assert len(set(ministries.values())) >= 2  # the demo's ledgers of two ministries
        assert set(ministries.values()) <= set(analytic)
        for xid, ministry in ministries.items():
            assert items[xid]["analytic_distribution"] == {analytic[ministry]: 100.0}, xid
        again = _loader(store, standin).load(Selection())
        assert again.records_written == 0  # the distribution is part of what a load compares


def test_the_multi_company_mode_splits_by_company_not_by_analytic_account(
    store: sa.Engine,
) -> None:
    config = load_central_config(None).model_copy(update={"company_mode": "per_ministry"})
    with central_standin() as standin:
        _loader(store, standin, config).load(Selection())
        lines = standin.records("account.move.line")
        assert lines and all(line["analytic_distribution"] is None for line in lines)


def test_a_reversal_is_split_by_ministry_as_the_entry_it_reverses(store: sa.Engine) -> None:
    with central_standin() as standin:
        _loader(store, standin).load(Selection())
        with store.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE journal_entry SET reference = 'changed at source' "
                    "WHERE id = (SELECT min(id) FROM journal_entry)"
                )
            )
        report = _loader(store, standin).load(Selection())
        assert report.counts["journal_entry"].reversed == 1
        items = _items_by_xid(standin)
        reversal = [line for xid, line in items.items() if "_reversal_" in xid]
        assert len(reversal) >= 2
        distributions = {str(line["analytic_distribution"]) for line in reversal}
        assert len(distributions) == 1 and "None" not in distributions


LOCK = "2025-03-31"


def _lock(standin: OdooStandIn, day: str | None) -> None:
    """The central company's fiscal year locked to ``day``, as an accountant does in Odoo."""
    standin.replace(standin.models["res.company"], 1, {"fiscalyear_lock_date": day})


def _dates_to_load(engine: sa.Engine) -> dict[str, str]:
    """Each entry's and opening balance group's source key → its date."""
    with engine.connect() as connection:
        entries = connection.execute(
            sa.text("SELECT source_key, entry_date FROM journal_entry WHERE withdrawn = 0")
        ).all()
    return {key: str(day) for key, day in entries}


def test_entries_dated_on_or_before_the_lock_date_are_refused_before_they_are_sent(
    store: sa.Engine,
) -> None:
    config = load_central_config(None)
    with central_standin() as standin:
        transport = XmlRpcTransport(
            standin.url, standin.db, standin.login, SecretStr(standin.password)
        )
        assert {c.name: c.ok for c in preflight(transport, store, config)}["lock dates"]
        _lock(standin, LOCK)
        check = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert not check.ok
        assert "fiscal year locked to 2025-03-31" in check.detail
        assert "MOF from 2025-01-01 (lock date 2025-03-31)" in check.detail
        report = _loader(store, standin).load(Selection())
        dates = _dates_to_load(store)
        refused = {f.source_key: f.message for f in report.failures if f.target == "journal_entry"}
        assert set(refused) == {key for key, day in dates.items() if day <= LOCK}
        assert all(f"before the lock date {LOCK} of My Company" in m for m in refused.values())
        openings = [f for f in report.failures if f.target == "opening_balance"]
        assert openings and all("dated 2025-01-01" in f.message for f in openings)
        moves = standin.records("account.move")
        assert moves and min(move["date"] for move in moves) > LOCK
        assert standin.calls["account.move.action_post"] > 0
        assert report.counts["journal_entry"].created == len(dates) - len(refused)
        ours = {
            e["name"]: e["res_id"]
            for e in standin.records("ir.model.data")
            if e["model"] == "account.move"
        }
        assert len(ours) == len(moves)  # nothing refused was sent, not even as a draft
        after = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert not after.ok  # the refused entries are still to load
        _lock(standin, None)
        again = _loader(store, standin).load(Selection())
        assert again.counts["journal_entry"].created == len(refused)
        assert {c.name: c.ok for c in preflight(transport, store, config)}["lock dates"]
    assert_every_row_accounted(store, "journal_entry", "journal_entry")


def test_an_entry_odoo_posts_as_of_another_date_is_taken_back_out_and_refused(
    store: sa.Engine,
) -> None:
    """The accountant locks the period while the load runs, after the loader read the lock
    dates: Odoo re-dates what it posts from then on, and the loader takes those entries back."""
    with central_standin() as standin:

        def load_then_lock(odoo: OdooStandIn, model: Any, *args: Any, **kwargs: Any) -> Any:
            result = load(odoo, model, *args, **kwargs)
            odoo.replace(odoo.models["res.company"], 1, {"fiscalyear_lock_date": LOCK})
            return result

        standin.register("load", load_then_lock, model="account.move", writes=True)
        report = _loader(store, standin, workers=1).load(Selection())
        dates = _dates_to_load(store)
        refused = {f.source_key: f.message for f in report.failures if f.target == "journal_entry"}
        assert set(refused) == {key for key, day in dates.items() if day <= LOCK}
        assert all("instead of" in m and "taken back out of Odoo" in m for m in refused.values())
        moves = standin.records("account.move")
        assert min(move["date"] for move in moves) > LOCK
        assert {move["state"] for move in moves} == {"posted"}
        assert report.counts["journal_entry"].created == len(dates) - len(refused)
    assert_every_row_accounted(store, "journal_entry", "journal_entry")


def test_the_preflight_holds_each_ministrys_entries_to_its_companys_lock_date(
    store: sa.Engine,
) -> None:
    config = load_central_config(None).model_copy(update={"company_mode": "per_ministry"})
    with central_standin() as standin:
        transport = XmlRpcTransport(
            standin.url, standin.db, standin.login, SecretStr(standin.password)
        )
        fresh = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert fresh.ok and "no company of the load is in Odoo yet" in fresh.detail
        companies = config.model_copy(update={"targets": ["ministry_company"]})
        _loader(store, standin, companies).load(Selection())
        names = {c["name"]: c["id"] for c in standin.records("res.company")}
        finance = next(name for name in names if "Finance" in name)
        standin.replace(standin.models["res.company"], names[finance], {"period_lock_date": LOCK})
        check = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert check.ok  # the loading user is an Adviser: a period's lock date does not hold
        assert f"{finance}: period locked to {LOCK} (not for the loading user" in check.detail
        standin.denied_groups.add("account.group_account_manager")
        check = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert not check.ok and f"MOF from 2025-01-01 (lock date {LOCK})" in check.detail
        standin.denied_groups.clear()
        standin.replace(
            standin.models["res.company"], names[finance], {"fiscalyear_lock_date": LOCK}
        )
        check = {c.name: c for c in preflight(transport, store, config)}["lock dates"]
        assert not check.ok
        assert f"MOF from 2025-01-01 (lock date {LOCK})" in check.detail
        assert "MYS" not in check.detail.split("refused:")[1]
