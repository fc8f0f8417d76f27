"""Shared fixtures: throwaway databases on the real PostgreSQL and MariaDB servers.

A test that needs a server which is down fails loudly, naming the server; it never skips.
Servers are found through TEST_PG_URL / TEST_MARIADB_URL (defaults: the local services).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.core.secrets import forget_revealed

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def _admin_engine(url: str, what: str) -> sa.Engine:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"{what} is not reachable at {sa.make_url(url).render_as_string(hide_password=True)}: "
            f"{str(exc.orig).strip().splitlines()[0]}. Start it (see .ci/run); integration tests "
            "never skip.",
            pytrace=False,
        )
    return engine


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    engine = _admin_engine(PG_ADMIN_URL, "PostgreSQL")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mariadb_admin() -> Iterator[sa.Engine]:
    engine = _admin_engine(MARIADB_ADMIN_URL, "MariaDB")
    yield engine
    engine.dispose()


def _fresh_database(admin: sa.Engine, prefix: str, options: str = "") -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name} {options}".strip()))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as connection:
        if admin.dialect.name == "postgresql":
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        else:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))


@pytest.fixture
def pg_url(pg_admin: sa.Engine) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name, url = _fresh_database(pg_admin, "t_pg")
    yield url
    _drop_database(pg_admin, name)


@pytest.fixture
def pg_win1256_url(pg_admin: sa.Engine) -> Iterator[str]:
    """A new PostgreSQL database encoded in Windows-1256, as an Arabic legacy system's may be."""
    options = "ENCODING 'WIN1256' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    name, url = _fresh_database(pg_admin, "t_pg1256", options)
    yield url
    _drop_database(pg_admin, name)


@pytest.fixture
def mariadb_url(mariadb_admin: sa.Engine) -> Iterator[str]:
    """The URL of a new, empty MariaDB database (utf8mb4), dropped after the test."""
    name, url = _fresh_database(mariadb_admin, "t_my")
    with mariadb_admin.connect() as connection:
        connection.execute(
            sa.text(f"ALTER DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    yield url + "?charset=utf8mb4"
    _drop_database(mariadb_admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database for the unified store, on each of its backends: an SQLite file (the
    embedded default), then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(autouse=True)
def _fresh_secrets() -> Iterator[None]:
    """Secrets a test revealed are masked in that test's messages only, as in a process."""
    forget_revealed()
    yield
    forget_revealed()
