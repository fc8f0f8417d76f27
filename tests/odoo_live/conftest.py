"""The Odoo the contract runs against: always the stand-in, and a real Odoo 17 when
ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD are set (skipped otherwise); and what a test
made there, removed after it (``created``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from consolidation.core.odoo_rpc import OdooError, RetryPolicy, XmlRpcTransport
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


MADE_WITH = {"hr.employee": "work_contact_id", "res.company": "partner_id"}
"""The partner Odoo creates with a record of these models, which outlives the record."""


class Created:
    """Records a test made, deleted in reverse order at its end (entries reset to draft)."""

    def __init__(self, central: Central) -> None:
        self.central = central
        self.records: list[tuple[str, int]] = []

    def add(self, model: str, ids: list[int] | int) -> None:
        for record_id in ids if isinstance(ids, list) else [ids]:
            self.records.append((model, record_id))

    def cleanup(self) -> None:
        """Delete what the test made, reading each record first: a draft entry is deleted as
        it is (Odoo 17 refuses ``button_draft`` on one), a posted or cancelled one is reset
        first, a record already gone is skipped, and the partner Odoo made with an employee or
        a company goes with it. Anything that stays fails the test: a live suite leaves the
        database as it found it, or says so."""
        odoo = self.central.transport
        left: list[str] = []
        for model, record_id in reversed(self.records):
            found = odoo.execute(
                model,
                "search_read",
                [["id", "=", record_id]],
                fields=["state"] if model == "account.move" else [MADE_WITH.get(model, "id")],
                context={"active_test": False},
            )
            if not found:
                continue  # deleted by the test, or with its parent
            try:
                if model == "account.move" and found[0]["state"] != "draft":
                    odoo.execute_void(model, "button_draft", [record_id])
                odoo.execute(model, "unlink", [record_id])
            except OdooError as exc:
                if model == "res.company":  # a company that cannot go is archived, as Odoo asks
                    odoo.execute(model, "write", [record_id], {"active": False})
                    continue
                left.append(f"{model} {record_id}: {exc}")
                continue
            made = found[0].get(MADE_WITH.get(model, ""))
            if made:
                try:
                    odoo.execute("res.partner", "unlink", [made[0]])
                except OdooError as exc:
                    left.append(f"the partner {made[0]} of {model} {record_id}: {exc}")
        if left:
            pytest.fail(f"the test left records behind in Odoo: {'; '.join(left)}")


@pytest.fixture
def created(central: Central) -> Iterator[Created]:
    tracker = Created(central)
    yield tracker
    tracker.cleanup()
