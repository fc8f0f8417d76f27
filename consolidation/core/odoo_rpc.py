"""The one door to an Odoo server. Nothing else in the code knows the wire format.

Today the wire is XML-RPC (``/xmlrpc/2/common`` and ``/xmlrpc/2/object`` with ``execute_kw``);
Odoo plans a JSON API, which will be a second implementation of ``OdooTransport``.
"""

from __future__ import annotations

import http.client
import logging
import random
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr

from consolidation.core.errors import ConsolidationError
from consolidation.core.secrets import reveal

log = logging.getLogger(__name__)


class OdooError(ConsolidationError):
    """An Odoo call failed; ``transient`` says whether retrying may help."""


_TRANSIENT_FAULTS = (
    "could not serialize access",
    "concurrent update",
    "deadlock detected",
    "lock not available",
)


_MARSHAL_NONE = "cannot marshal None"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient fault is retried: exponential backoff, jittered."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delays(self) -> list[float]:
        """The waits between attempts (one fewer than the attempts)."""
        return [
            min(self.max_delay, self.base_delay * 2**attempt) * (0.5 + random.random() / 2)  # noqa: S311
            for attempt in range(max(0, self.attempts - 1))
        ]


class OdooTransport(Protocol):
    """What the product asks of an Odoo server."""

    url: str

    def version(self) -> dict[str, Any]: ...

    def authenticate(self) -> int: ...

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any: ...

    def execute_void(self, model: str, method: str, *args: Any, **kwargs: Any) -> None:
        """Call a method that returns nothing (``action_post``, ``button_draft``)."""
        ...


class XmlRpcTransport:
    """``OdooTransport`` over XML-RPC; the password is unwrapped only to make a call."""

    def __init__(
        self,
        url: str,
        database: str,
        login: str,
        password: SecretStr,
        *,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.login = login
        self._password = password
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._uid: int | None = None
        self._proxies: dict[str, xmlrpc.client.ServerProxy] = {}
        self.retries = 0

    def _proxy(self, endpoint: str) -> xmlrpc.client.ServerProxy:
        """The endpoint's proxy, kept: its HTTP connection stays open between calls where the
        server keeps it alive (a transport is used by one thread at a time)."""
        proxy = self._proxies.get(endpoint)
        if proxy is None:
            proxy = self._proxies[endpoint] = self._new_proxy(endpoint)
        return proxy

    def _new_proxy(self, endpoint: str) -> xmlrpc.client.ServerProxy:
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
        """One call, retried with backoff while its fault is transient."""
        for delay in [*self._retry.delays(), None]:
            try:
                return self._call_once(what, function, *args)
            except OdooError as exc:
                if not exc.transient or delay is None:
                    raise
                self.retries += 1
                log.warning("%s; retrying in %.1fs", exc, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _call_once(self, what: str, function: Any, *args: Any) -> Any:
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
                reveal(self._password),
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
            reveal(self._password),
            model,
            method,
            list(args),
            kwargs,
        )

    def execute_void(self, model: str, method: str, *args: Any, **kwargs: Any) -> None:
        """XML-RPC cannot carry Odoo's None: such a method commits, then faults on marshalling
        its result. That fault is the method's success; the caller verifies the state."""
        try:
            self.execute(model, method, *args, **kwargs)
        except OdooError as exc:
            if _MARSHAL_NONE not in str(exc):
                raise


def classify_fault(what: str, fault: str) -> OdooError:
    """An Odoo fault as one line, marked transient when Odoo hit a serialization conflict."""
    lines = [line.strip() for line in fault.strip().splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback"):
        message = lines[-1]  # an unexpected error: its last line names it
    else:
        message = " ".join(lines) or "unknown fault"  # a user error: Odoo's whole message
    if _MARSHAL_NONE in fault:
        message = f"{_MARSHAL_NONE} ({message})"
    transient = any(marker in fault.lower() for marker in _TRANSIENT_FAULTS)
    return OdooError(f"Odoo refused {what}: {message}", transient=transient)
