"""Migrations and models agree, up and down, on both store backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from consolidation.core import store
from consolidation.core.schema import Base
from consolidation.core.settings import StoreSettings

pytestmark = pytest.mark.integration


def test_upgrade_check_downgrade(store_url: str) -> None:
    engine = store.make_engine(StoreSettings(url=store_url))
    try:
        store.upgrade(engine)
        assert store.current_revision(engine) == store.head_revision(engine)
        tables = set(sa.inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        command.check(store.alembic_config(engine))  # raises if models and migrations drift
        store.require_current(engine)
        store.downgrade(engine, "base")
        assert store.current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_constraints_have_stable_names(store_url: str) -> None:
    engine = store.make_engine(StoreSettings(url=store_url))
    try:
        store.upgrade(engine)
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("batch")["name"] == "pk_batch"
        uniques = {u["name"] for u in inspector.get_unique_constraints("employment")}
        assert "uq_employment_source_system_source_key" in uniques
        fks = {f["name"] for f in inspector.get_foreign_keys("payroll_line")}
        assert "fk_payroll_line_employment_id_employment" in fks
        # journal lines' references are checked per batch instead (migration 0007)
        assert inspector.get_foreign_keys("journal_line") == []
    finally:
        engine.dispose()
