"""The ledger into the Odoo 17 stand-in, as issue 14 (3b) found it must go:

* failure isolation: the stand-in reports a failing ``load`` as Odoo 17 does (the whole call's
  error tagged on its first record too, no record named after 10 errors), and only the entries
  Odoo really refuses are quarantined; every other one loads;
* in the single-company mode every journal item carries its ministry's analytic account."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from consolidation.core.odoo_rpc import RetryPolicy, XmlRpcTransport
from consolidation.load import CentralConfig, CentralLoader, Selection, load_central_config
from consolidation.load.targets import external_name
from tests.central_support import assert_every_row_accounted
from tests.odoo_standin import OdooStandIn, central_standin
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
