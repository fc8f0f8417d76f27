"""A staged record whose source changed and whose new version fails is withdrawn from the store:
the store never presents as current a version the source no longer has (on both backends)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from consolidation.core.schema import JournalEntry, JournalLine, table_of
from consolidation.core.settings import OdooSettings
from consolidation.load import Selection, load_central_config
from consolidation.load.targets import configured_targets
from tests.odoo_standin import central_standin
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture
def demo(tmp_path: Path, store_url: str) -> DemoRun:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=60, journal_lines=400)
    run.pipeline.run(["mof_gl"])
    return run


def _scalar(run: DemoRun, sql: str, **params: object) -> object:
    with run.pipeline.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _source(run: DemoRun) -> sa.Engine:
    return sa.create_engine(str(run.pipeline.config.source("mof_gl").url))


def _current_debits(run: DemoRun) -> Decimal:
    """The current (not withdrawn) staged debits of the source, read through the Money type."""
    lines = table_of(JournalLine)
    with run.pipeline.engine.connect() as connection:
        amounts = connection.execute(
            sa.select(lines.c.debit_amount).where(
                lines.c.source_system == "mof_gl", lines.c.withdrawn.is_(False)
            )
        ).scalars()
        return sum(amounts, Decimal("0.000"))


def _entry_debit(run: DemoRun, entry: str) -> Decimal:
    lines, entries = table_of(JournalLine), table_of(JournalEntry)
    with run.pipeline.engine.connect() as connection:
        amounts = connection.execute(
            sa.select(lines.c.debit_amount)
            .join(entries, entries.c.id == lines.c.entry_id)
            .where(entries.c.source_system == "mof_gl", entries.c.source_key == entry)
        ).scalars()
        return sum(amounts, Decimal("0.000"))


def _a_staged_line(run: DemoRun) -> tuple[str, str, int]:
    """A staged line with a debit: its source key, its entry's key, and the entry's line count."""
    with run.pipeline.engine.connect() as connection:
        key, entry = connection.execute(
            sa.text(
                "SELECT l.source_key, e.source_key FROM journal_line l "
                "JOIN journal_entry e ON e.id = l.entry_id "
                "WHERE l.source_system = 'mof_gl' AND l.debit_amount > 0 ORDER BY l.id LIMIT 1"
            )
        ).one()
        count = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id "
                "WHERE e.source_key = :e AND e.source_system = 'mof_gl'"
            ),
            {"e": entry},
        ).scalar_one()
    return str(key), str(entry), int(count)


def _shift_debit(run: DemoRun, line_key: str, by: Decimal) -> None:
    source = _source(run)
    with source.begin() as connection:
        current = connection.execute(
            sa.text("SELECT dr_amt FROM je_lines WHERE line_id = :k"), {"k": int(line_key)}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE je_lines SET dr_amt = :v WHERE line_id = :k"),
            {"v": str(Decimal(current) + by), "k": int(line_key)},
        )
    source.dispose()


def _entries_to_load(run: DemoRun) -> int:
    [target] = [
        t for t in configured_targets(load_central_config(None)) if t.name == "journal_entry"
    ]
    assert target.count is not None
    with run.pipeline.session() as session:
        return target.count(session, Selection(("mof_gl",)))


def test_a_changed_line_that_unbalances_its_entry_withdraws_the_old_version(
    demo: DemoRun,
) -> None:
    key, entry, lines = _a_staged_line(demo)
    before = _current_debits(demo)
    entries_before = _entries_to_load(demo)
    entry_debit = _entry_debit(demo, entry)

    _shift_debit(demo, key, Decimal("0.001"))
    result = demo.pipeline.run(["mof_gl"])

    [transform] = result.transforms
    outcome = {o.raw_entity: o for o in transform.counted()}
    assert outcome["journal_line"].withdrawn == lines
    assert outcome["journal_entry"].withdrawn == 1
    for o in transform.counted():
        assert o.balanced
    # the store no longer presents the old version: the entry and its lines are withdrawn
    assert (
        _scalar(
            demo,
            "SELECT COUNT(*) FROM journal_line WHERE source_system = 'mof_gl' AND entry_no = :e "
            "AND NOT withdrawn",
            e=entry,
        )
        == 0
    )
    assert _current_debits(demo) == before - entry_debit
    assert _entries_to_load(demo) == entries_before - 1
    # the batch's accounting states it
    batch = demo.pipeline.batches.show(transform.batch_id)[0]
    assert batch["rows_withdrawn"] == lines + 1
    withdrawn_events = _scalar(
        demo, "SELECT COUNT(*) FROM audit_event WHERE action = 'row.withdrawn'"
    )
    assert withdrawn_events == lines + 1

    # a third, unchanged run withdraws nothing more and still holds the entry out
    again = demo.pipeline.run(["mof_gl"]).transforms[0]
    assert sum(o.withdrawn for o in again.counted()) == 0
    assert _current_debits(demo) == before - entry_debit

    # the source is put right with a new balanced version: it is current again, as a change
    _shift_debit(demo, key, Decimal("-0.001"))
    fixed = demo.pipeline.run(["mof_gl"]).transforms[0]
    fixed_outcome = {o.raw_entity: o for o in fixed.counted()}
    assert fixed_outcome["journal_entry"].counts.updated == 1
    assert fixed_outcome["journal_line"].counts.updated == lines
    assert _current_debits(demo) == before
    assert _entries_to_load(demo) == entries_before
    assert (
        _scalar(
            demo,
            "SELECT COUNT(*) FROM journal_line WHERE source_system = 'mof_gl' AND withdrawn",
        )
        == 0
    )


def test_the_loader_skips_a_withdrawn_entry_and_replaces_it_when_a_new_version_passes(
    demo: DemoRun,
) -> None:
    key, entry, _lines = _a_staged_line(demo)
    with central_standin() as standin:
        demo.pipeline.settings.odoo = OdooSettings(
            url=standin.url,
            database=standin.db,
            login=standin.login,
            password=SecretStr(standin.password),
            workers=1,
        )
        first = demo.pipeline.load(["mof_gl"]).counts["journal_entry"]
        assert first.created > 0 and first.failed == 0

        _shift_debit(demo, key, Decimal("0.001"))  # the entry no longer balances
        demo.pipeline.run(["mof_gl"])
        plan = demo.pipeline.plan_load(["mof_gl"]).counts["journal_entry"]
        assert plan.total == first.created - 1  # the withdrawn entry is not planned at all
        assert (plan.created, plan.updated) == (0, 0)
        held = demo.pipeline.load(["mof_gl"]).counts["journal_entry"]
        assert (held.created, held.updated, held.reversed) == (0, 0, 0)

        # a new balanced version passes: the loader sees a change, and the posted entry in
        # Odoo is reversed and replaced, never left as it was
        source = _source(demo)
        with source.begin() as connection:
            credit_line = connection.execute(
                sa.text(
                    "SELECT line_id FROM je_lines WHERE je_id = :e AND CAST(cr_amt AS REAL) > 0 "
                    "ORDER BY line_id LIMIT 1"
                ),
                {"e": int(entry)},
            ).scalar_one()
            current = connection.execute(
                sa.text("SELECT cr_amt FROM je_lines WHERE line_id = :k"), {"k": credit_line}
            ).scalar_one()
            connection.execute(
                sa.text("UPDATE je_lines SET cr_amt = :v WHERE line_id = :k"),
                {"v": str(Decimal(current) + Decimal("0.001")), "k": credit_line},
            )
        source.dispose()
        restored = demo.pipeline.run(["mof_gl"]).transforms[0]
        assert {o.raw_entity: o for o in restored.counted()}["journal_entry"].counts.updated == 1
        replaced = demo.pipeline.load(["mof_gl"]).counts["journal_entry"]
        assert replaced.reversed == 1
        assert replaced.unchanged == first.created - 1
