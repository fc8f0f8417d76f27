"""Alembic environment for the unified store. The URL comes from settings, never this repo."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

from consolidation.core.schema import Base
from consolidation.core.settings import Settings
from consolidation.core.store import make_engine

config = context.config
target_metadata = Base.metadata


def _engine() -> sa.Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, sa.Engine):
        return engine
    return make_engine(Settings().store)


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_engine().url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
