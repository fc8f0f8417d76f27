"""The one door to an Odoo server. Nothing else in the code knows the wire format.

Today the wire is XML-RPC (``/xmlrpc/2/common`` and ``/xmlrpc/2/object`` with ``execute_kw``);
Odoo plans a JSON API, which will be a second implementation of ``OdooTransport``.
"""

from __future__ import annotations

import http.client
import xmlrpc.client
from typing import Any, Protocol

from pydantic import SecretStr

from consolidation.errors import ConsolidationError


class OdooError(ConsolidationError):
    """An Odoo call failed; ``transient`` says whether retrying may help."""


_TRANSIENT_FAULTS = (
    "could not serialize access",
    "concurrent update",
    "deadlock detected",
    "lock not available",
)


class OdooTransport(Protocol):
    """What the product asks of an Odoo server."""

    def version(self) -> dict[str, Any]: ...

    def authenticate(self) -> int: ...

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any: ...


class XmlRpcTransport:
    """``OdooTransport`` over XML-RPC; the password is unwrapped only to make a call."""

    def __init__(
        self, url: str, database: str, login: str, password: SecretStr, *, timeout: float = 120.0
    ) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.login = login
        self._password = password
        self._timeout = timeout
        self._uid: int | None = None

    def _proxy(self, endpoint: str) -> xmlrpc.client.ServerProxy:
        transport: xmlrpc.client.Transport
        if self.url.startswith("https://"):
            transport = xmlrpc.client.SafeTransport()
        else:
            transport = xmlrpc.client.Transport()
        transport.timeout = self._timeout  # type: ignore[attr-defined]
        return xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/{endpoint}", transport=transport, allow_none=True
        )

    def _call(self, what: str, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except xmlrpc.client.Fault as fault:
            raise classify_fault(what, str(fault.faultString)) from None
        except xmlrpc.client.ProtocolError as exc:
            transient = exc.errcode in (502, 503, 504)
            raise OdooError(
                f"Odoo at {self.url}: {what}: HTTP {exc.errcode} {exc.errmsg}", transient=transient
            ) from None
        except (ConnectionError, TimeoutError, http.client.HTTPException) as exc:
            raise OdooError(
                f"Odoo at {self.url}: {what}: {type(exc).__name__}: {exc}", transient=True
            ) from None
        except OSError as exc:
            raise OdooError(
                f"Odoo at {self.url} is unreachable: {exc.strerror or exc}", transient=True
            ) from None

    def version(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("version", self._proxy("common").version)
        return result

    def authenticate(self) -> int:
        if self._uid is None:
            uid = self._call(
                "authenticate",
                self._proxy("common").authenticate,
                self.database,
                self.login,
                self._password.get_secret_value(),
                {},
            )
            if not uid:
                raise OdooError(
                    f"Odoo at {self.url}: login {self.login!r} to database {self.database!r} "
                    "was refused (wrong login or password)"
                )
            self._uid = int(uid)
        return self._uid

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        uid = self.authenticate()
        return self._call(
            f"{model}.{method}",
            self._proxy("object").execute_kw,
            self.database,
            uid,
            self._password.get_secret_value(),
            model,
            method,
            list(args),
            kwargs,
        )


def classify_fault(what: str, fault: str) -> OdooError:
    """An Odoo fault as one line, marked transient when Odoo hit a serialization conflict."""
    lines = [line.strip() for line in fault.strip().splitlines() if line.strip()]
    message = lines[-1] if lines else "unknown fault"
    transient = any(marker in fault.lower() for marker in _TRANSIENT_FAULTS)
    return OdooError(f"Odoo refused {what}: {message}", transient=transient)
