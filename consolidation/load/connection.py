"""The connection to the central Odoo: a maker of transports, one per worker thread."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from consolidation.core.errors import ConfigError
from consolidation.core.odoo_rpc import OdooTransport, RetryPolicy, XmlRpcTransport
from consolidation.core.settings import OdooSettings


def transport_factory(settings: OdooSettings) -> Callable[[], OdooTransport]:
    """A maker of transports (one per worker thread) to the configured central Odoo."""
    missing = [
        name for name in ("url", "database", "login", "password") if not getattr(settings, name)
    ]
    if missing:
        raise ConfigError(
            "the central Odoo is not fully configured: set "
            + ", ".join(f"CONSOLIDATION_ODOO__{name.upper()}" for name in missing)
        )
    url, database, login = str(settings.url), str(settings.database), str(settings.login)
    password = settings.password or SecretStr("")
    retry = RetryPolicy(attempts=settings.retry_attempts)

    def connect() -> OdooTransport:
        return XmlRpcTransport(
            url, database, login, password, timeout=settings.timeout_seconds, retry=retry
        )

    return connect
