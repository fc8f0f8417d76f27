"""The unified store: engines, sessions and migrations. Nothing here runs at import time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from consolidation.core.errors import StoreError
from consolidation.core.secrets import reveal
from consolidation.core.settings import StoreSettings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def store_url(settings: StoreSettings) -> sa.URL:
    """The store's URL with the password from settings set on it (it is never written anywhere)."""
    try:
        url = sa.make_url(settings.url)
    except sa.exc.ArgumentError:
        raise StoreError(f"store URL {settings.url!r} is not a SQLAlchemy URL") from None
    if settings.password is not None and url.get_backend_name() == "sqlite":
        raise StoreError(
            "CONSOLIDATION_STORE__PASSWORD is set but the store is a SQLite file, which takes "
            "no password; unset it, or point CONSOLIDATION_STORE__URL at PostgreSQL"
        )
    if settings.password is not None:
        url = url.set(password=reveal(settings.password))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(settings: StoreSettings) -> sa.Engine:
    url = store_url(settings)
    engine = sa.create_engine(url, echo=settings.echo, pool_pre_ping=True)
    if url.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe(engine: sa.Engine) -> str:
    """The store's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def make_sessionmaker(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: sa.Engine) -> Config:
    """An Alembic config bound to this engine (``env.py`` falls back to settings without one)."""
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _reachable(engine: sa.Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"the store at {describe(engine)} is unreachable: {first}") from None


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    _reachable(engine)
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    _reachable(engine)
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: sa.Engine) -> str | None:
    _reachable(engine)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: sa.Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def require_current(engine: sa.Engine) -> None:
    """Refuse to work on a store that is not migrated to head, with the command that fixes it."""
    current = current_revision(engine)
    head = head_revision(engine)
    if current != head:
        raise StoreError(
            f"the store at {describe(engine)} is at revision {current or 'none'}, not {head}; "
            "run: consolidate db upgrade"
        )


def serialize(connection: sa.Connection, name: str) -> None:
    """Make the rest of this transaction run alone among those serialized under ``name``: a
    PostgreSQL transaction-level advisory lock, waited for and released at commit. SQLite
    already runs one writer at a time."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})
