"""Reconciliation on real data: the demo ministries through the pipeline into a store (SQLite
and PostgreSQL) and the central Odoo stand-in, then differences planted one at a time at the
source, in the store and in Odoo; each is found and located to its ministry, account, period,
entry and line with its exact amount, and nothing else is flagged."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session

from consolidation.core.money import ZERO
from consolidation.core.schema import JournalEntry, JournalLine
from consolidation.core.settings import OdooSettings
from consolidation.pipeline import Pipeline
from consolidation.reconcile import (
    CellStatus,
    Comparison,
    DifferenceKind,
    Outcome,
    ReconcileError,
    Reconciliation,
)
from tests.odoo_standin import OdooStandIn, central_standin
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration

MILLIFILS = Decimal("0.001")


@dataclass
class Loaded:
    pipeline: Pipeline
    standin: OdooStandIn
    demo: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    run = demo_pipeline(tmp_path_factory.mktemp("reconcile"), employees=120, journal_lines=400)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run


def _copy(demo: DemoRun, tmp_path: Path, odoo: OdooSettings | None = None) -> Pipeline:
    """A pipeline over a copy of the demo's store (the raw area is read-only and shared)."""
    source = sa.make_url(str(demo.pipeline.engine.url)).database
    copy = tmp_path / "store.db"
    with sqlite3.connect(str(source)) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    settings = demo.pipeline.settings.model_copy(deep=True)
    settings.store.url = f"sqlite:///{copy}"
    if odoo is not None:
        settings.odoo = odoo
    return Pipeline(settings)


@pytest.fixture
def loaded(demo: DemoRun, tmp_path: Path) -> Iterator[Loaded]:
    """A copy of the demo's store, loaded into a fresh central Odoo stand-in."""
    with central_standin() as standin:
        odoo = OdooSettings(
            url=standin.url,
            database=standin.db,
            login=standin.login,
            password=SecretStr(standin.password),
            retry_attempts=2,
        )
        pipeline = _copy(demo, tmp_path, odoo)
        pipeline.load()
        yield Loaded(pipeline, standin, demo.manifest.sources_file.parent)
        pipeline.close()


def _run(pipeline: Pipeline, **scope: Any) -> Reconciliation:
    service = pipeline.reconciliation
    return service.run(service.scope(**scope))


def _differing(result: Reconciliation, comparison: Comparison) -> list[Any]:
    return [c for c in result.differing() if c.comparison is comparison]


def _staged_line(pipeline: Pipeline, source: str = "mof_gl") -> tuple[JournalLine, JournalEntry]:
    """A staged debit line of ``source`` whose entry has at least two lines."""
    with Session(pipeline.engine) as session:
        line, entry = session.execute(
            sa.select(JournalLine, JournalEntry)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.source_system == source,
                JournalLine.withdrawn.is_(False),
                JournalLine.debit_amount > ZERO,
            )
            .order_by(JournalLine.id)
            .limit(1)
        ).one()
        session.expunge_all()
        return line, entry


# --- source → store ----------------------------------------------------------------------


def test_the_demo_reconciles_and_its_quarantine_explains_exactly_the_difference(
    demo: DemoRun, tmp_path: Path
) -> None:
    pipeline = _copy(demo, tmp_path)
    result = _run(pipeline, levels="source,store")
    assert result.outcome is Outcome.EXPLAINED
    assert result.exit_code == 0
    assert result.differing() == []
    # independently of the code under test: the source database's own sums per account and
    # period, less the staged lines', is what the quarantine holds, line by line
    source_db = sa.make_url(str(pipeline.config.source("mof_gl").url)).database
    with sqlite3.connect(str(source_db)) as connection:
        rows = connection.execute(
            "SELECT l.line_id, l.acct_no, h.period, l.dr_amt, l.cr_amt "
            "FROM je_lines l JOIN je_header h ON h.je_id = l.je_id"
        ).fetchall()
    staged: set[str] = set()
    with pipeline.engine.connect() as connection:
        staged = set(
            connection.scalars(
                sa.text(
                    "SELECT source_key FROM journal_line "
                    "WHERE source_system = 'mof_gl' AND NOT withdrawn"
                )
            )
        )
    expected: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for line_id, account, period, debit, _credit in rows:
        if str(line_id) in staged:
            continue
        try:
            expected[(account, period)] += Decimal(debit.strip())
        except ArithmeticError:
            expected[(account, period)] += ZERO  # unparseable: explained by count, not amount
    explained: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for cell in result.cells_of(Comparison.LEDGER_SOURCE_STORE, "MOF"):
        if cell.explained.count:
            explained[(cell.account, cell.period)] = cell.explained.debit
    assert {k: v for k, v in expected.items() if v} == {k: v for k, v in explained.items() if v}
    assert sum(expected.values()) > 0
    # every quarantined line is named, with its rule, under its cell
    named = [e for e in result.explanations if e.source_system == "mof_gl"]
    assert len(named) == len(rows) - len(staged)
    assert all(e.rules for e in named if e.kind != "rejected")
    pipeline.close()


def test_a_line_changed_in_the_store_is_located_to_its_cell_and_nothing_else(
    demo: DemoRun, tmp_path: Path
) -> None:
    pipeline = _copy(demo, tmp_path)
    line, entry = _staged_line(pipeline)
    with Session(pipeline.engine) as session, session.begin():
        stored = session.get_one(JournalLine, line.id)
        stored.debit_amount += MILLIFILS
    result = _run(pipeline, levels="source,store")
    assert result.outcome is Outcome.UNEXPLAINED
    assert result.exit_code == 1
    [cell] = result.differing()
    assert (cell.comparison, cell.ministry, cell.account, cell.period) == (
        Comparison.LEDGER_SOURCE_STORE,
        "MOF",
        line.source_account_code,
        entry.period,
    )
    assert cell.residual.debit == -MILLIFILS
    assert cell.residual.credit == 0
    assert cell.residual.count == 0
    pipeline.close()


def test_a_line_changed_at_the_source_since_extraction_is_located_to_its_key(
    tmp_path: Path,
) -> None:
    run = demo_pipeline(tmp_path, employees=40, journal_lines=200)
    pipeline = run.pipeline
    pipeline.run(["mof_gl"])
    line, entry = _staged_line(pipeline)
    source_db = sa.make_url(str(pipeline.config.source("mof_gl").url)).database
    with sqlite3.connect(str(source_db)) as connection:
        (before,) = connection.execute(
            "SELECT dr_amt FROM je_lines WHERE line_id = ?", (int(line.source_key),)
        ).fetchone()
        after = format(Decimal(before) + MILLIFILS, "f")
        connection.execute(
            "UPDATE je_lines SET dr_amt = ? WHERE line_id = ?", (after, int(line.source_key))
        )
    result = _run(pipeline, levels="source,store", fresh_source=True)
    [cell] = result.differing()
    assert (cell.comparison, cell.ministry, cell.account, cell.period) == (
        Comparison.LEDGER_SOURCE_FRESH,
        "MOF",
        line.source_account_code,
        entry.period,
    )
    assert cell.residual.debit == MILLIFILS
    [difference] = result.differences
    assert difference.kind is DifferenceKind.CHANGED_AT_SOURCE
    assert difference.entry == line.source_key
    assert difference.source_system == "mof_gl"
    [changed] = difference.lines
    assert changed.left_debit is not None and changed.right_debit is not None
    assert changed.left_debit - changed.right_debit == MILLIFILS
    # the batch itself still reconciles with the store: the change is at the source only
    assert _differing(result, Comparison.LEDGER_SOURCE_STORE) == []
    pipeline.close()


def test_sign_off_is_audited_and_a_later_change_reopens_it(demo: DemoRun, tmp_path: Path) -> None:
    pipeline = _copy(demo, tmp_path)
    first = _run(pipeline, levels="source,store", ministries=["MOF"])
    line, entry = _staged_line(pipeline)
    assert first.run_id is not None
    service = pipeline.reconciliation
    signed = service.sign_off(first.run_id, "MOF", entry.period, "checked against the TB")
    assert signed.status == "signed"
    with pipeline.engine.connect() as connection:
        action, detail = connection.execute(
            sa.text("SELECT action, detail FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
    assert action == "reconcile.signed_off"
    assert "checked against the TB" in str(detail)
    same = _run(pipeline, levels="source,store", ministries=["MOF"])
    assert same.reopened == []
    assert same.previous_run_id == first.run_id
    with Session(pipeline.engine) as session, session.begin():
        session.get_one(JournalLine, line.id).debit_amount += MILLIFILS
    later = _run(pipeline, levels="source,store", ministries=["MOF"])
    [reopened] = later.reopened
    assert (reopened.ministry, reopened.period) == ("MOF", entry.period)
    assert any(c.kind.value == "newly different" for c in later.changes)
    assert [s.status for s in later.signoffs] == ["reopened"]
    # a period that does not reconcile cannot be signed off
    assert later.run_id is not None
    with pytest.raises(ReconcileError, match="cannot be signed off"):
        service.sign_off(later.run_id, "MOF", entry.period, "again")
    # a stored run reads back as it was reported
    shown = service.show(later.run_id)
    assert shown.outcome is later.outcome
    assert [c.key for c in shown.cells] == [c.key for c in later.cells]
    assert [c.status for c in shown.cells] == [c.status for c in later.cells]
    pipeline.close()


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"ministries": ["MOX"]}, "unknown ministry MOX"),
        ({"period": "2025-13"}, "period '2025-13' is not valid"),
        ({"period": "2025-05..2025-01"}, "ends before it starts"),
        ({"levels": "store"}, "expected two or more"),
        ({"levels": "source,store,central"}, "no central Odoo configured"),
    ],
)
def test_bad_input_is_one_line(
    demo: DemoRun, tmp_path: Path, scope: dict[str, Any], message: str
) -> None:
    pipeline = _copy(demo, tmp_path)
    with pytest.raises(ReconcileError, match=message) as raised:
        _run(pipeline, **scope)
    assert "\n" not in str(raised.value)
    pipeline.close()


def test_a_store_with_no_batches_is_one_line(tmp_path: Path) -> None:
    run = demo_pipeline(tmp_path, employees=20, journal_lines=50)
    run.pipeline.register_sources()
    with pytest.raises(ReconcileError, match="no staged batch"):
        _run(run.pipeline, levels="source,store")


# --- store → central Odoo ------------------------------------------------------------------


def test_the_loaded_demo_reconciles_with_the_central_odoo_in_few_calls(loaded: Loaded) -> None:
    result = _run(loaded.pipeline)
    assert _differing(result, Comparison.LEDGER_STORE_CENTRAL) == []
    assert _differing(result, Comparison.OPENING_STORE_CENTRAL) == []
    central = result.cells_of(Comparison.LEDGER_STORE_CENTRAL)
    assert central and all(c.status is CellStatus.RECONCILED for c in central)
    assert sum(c.right.debit for c in central) == sum(c.left.debit for c in central) > 0
    assert result.outcome is Outcome.EXPLAINED
    # grouped reads: a handful of calls per ministry, not one per line
    ministries = {c.ministry for c in central}
    assert result.central_calls <= 6 + 4 * len(ministries)
    assert all(row.central_active == row.expected_active for row in result.headcount)
    assert result.fingerprint.central_url == loaded.standin.url


def _move_of(loaded: Loaded, entry: JournalEntry) -> int:
    with loaded.pipeline.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT central_id FROM central_ref WHERE entity = 'journal_entry' "
                    "AND row_id = :id"
                ),
                {"id": entry.id},
            ).scalar_one()
        )


def test_a_posted_line_changed_in_odoo_is_located_to_its_entry_and_line(loaded: Loaded) -> None:
    _, entry = _staged_line(loaded.pipeline)
    standin = loaded.standin
    move = _move_of(loaded, entry)
    lines = standin.models["account.move.line"]
    [target] = [r for r in lines.records.values() if r["move_id"] == move and r["debit"] > 0][:1]
    with standin._lock:
        standin.replace(lines, target["id"], {"debit": target["debit"] + 1.0})
    result = _run(loaded.pipeline)
    [cell] = result.differing()
    assert cell.comparison is Comparison.LEDGER_STORE_CENTRAL
    assert (cell.ministry, cell.period) == ("MOF", f"{entry.entry_date:%Y-%m}")
    assert cell.residual.debit == Decimal("-1.000")
    [difference] = [d for d in result.differences if d.kind is not DifferenceKind.NOT_POSTED]
    assert difference.kind is DifferenceKind.DIFFERENT
    assert difference.entry in (entry.reference, entry.source_key)
    [changed] = difference.lines
    assert changed.right_debit is not None and changed.left_debit is not None
    assert changed.right_debit - changed.left_debit == Decimal("1.000")


def test_an_entry_deleted_in_odoo_and_one_added_by_hand_are_named(loaded: Loaded) -> None:
    _, entry = _staged_line(loaded.pipeline)
    standin = loaded.standin
    odoo = loaded.pipeline.reconciliation.central
    assert odoo is not None
    transport = odoo()
    move = _move_of(loaded, entry)
    moves = standin.models["account.move"]
    with standin._lock:
        standin.replace(moves, move, {"state": "draft"})
    transport.execute("account.move", "unlink", [move])
    journal = moves.records[min(moves.records)]["journal_id"]
    accounts = sorted(
        {r["account_id"] for r in standin.models["account.move.line"].records.values()}
    )
    hand = transport.execute(
        "account.move",
        "create",
        {
            "journal_id": journal,
            "date": f"{entry.entry_date:%Y-%m}-15",
            "ref": "keyed in by hand",
            "line_ids": [
                [0, 0, {"account_id": accounts[0], "debit": 12.345, "credit": 0}],
                [0, 0, {"account_id": accounts[1], "debit": 0, "credit": 12.345}],
            ],
        },
    )
    transport.execute_void("account.move", "action_post", [hand])
    result = _run(loaded.pipeline)
    kinds = defaultdict(list)
    for difference in result.differences:
        kinds[difference.kind].append(difference)
    missing = kinds[DifferenceKind.MISSING_IN_CENTRAL]
    assert missing and {d.entry for d in missing} == {entry.reference or entry.source_key}
    added = kinds[DifferenceKind.CENTRAL_ONLY]
    assert {d.right.debit + d.right.credit for d in added} == {Decimal("12.345")}
    assert len(added) == 2  # one per account it posted to
    assert set(kinds) <= {
        DifferenceKind.MISSING_IN_CENTRAL,
        DifferenceKind.CENTRAL_ONLY,
        DifferenceKind.NOT_POSTED,
    }
    flagged = {(c.ministry, c.account, c.period) for c in result.differing()}
    assert {(d.ministry, d.account, d.period) for d in missing + added} == flagged


def test_an_odoo_without_our_records_and_an_unreachable_odoo_are_one_line(
    demo: DemoRun, tmp_path: Path
) -> None:
    with central_standin() as standin:
        odoo = OdooSettings(
            url=standin.url,
            database=standin.db,
            login=standin.login,
            password=SecretStr(standin.password),
            retry_attempts=1,
        )
        pipeline = _copy(demo, tmp_path, odoo)
        with pytest.raises(ReconcileError, match="holds none of this store's records"):
            _run(pipeline)
        pipeline.close()
    unreachable = OdooSettings(
        url="http://127.0.0.1:9",
        database="central",
        login="admin",
        password=SecretStr("x"),
        retry_attempts=1,
        timeout_seconds=2,
    )
    (tmp_path / "again").mkdir()
    pipeline = _copy(demo, tmp_path / "again", unreachable)
    with pytest.raises(ReconcileError, match="cannot be reached"):
        _run(pipeline)
    pipeline.close()
