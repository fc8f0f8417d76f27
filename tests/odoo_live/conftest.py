"""The Odoo the contract runs against: always the stand-in, and a real Odoo 17 when
ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD are set (skipped otherwise)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from consolidation.core.odoo_rpc import RetryPolicy, XmlRpcTransport
from tests.odoo_standin import central_standin


@dataclass
class Central:
    """A transport to an Odoo, and a module name that keeps this test's external ids apart."""

    transport: XmlRpcTransport
    live: bool
    module: str

    def xid(self, name: str) -> str:
        return f"{self.module}.{name}"


def _live_settings() -> tuple[str, str, str, str] | None:
    names = ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD")
    values = [os.environ.get(name) for name in names]
    if not all(values):
        return None
    url, db, user, password = (str(value) for value in values)
    return url, db, user, password


@pytest.fixture(params=["standin", "live"])
def central(request: pytest.FixtureRequest) -> Iterator[Central]:
    module = f"contract_{uuid.uuid4().hex[:8]}"
    retry = RetryPolicy(attempts=1)
    if request.param == "standin":
        with central_standin() as standin:
            transport = XmlRpcTransport(
                standin.url, standin.db, standin.login, SecretStr(standin.password), retry=retry
            )
            yield Central(transport, live=False, module=module)
        return
    settings = _live_settings()
    if settings is None:
        pytest.skip("no real Odoo: set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD")
    url, db, user, password = settings
    transport = XmlRpcTransport(url, db, user, SecretStr(password), retry=retry)
    yield Central(transport, live=True, module=module)
