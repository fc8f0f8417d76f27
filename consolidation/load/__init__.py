"""The loader into the central shared-services Odoo: preflight, load, rollback."""

from __future__ import annotations

import os
from collections.abc import Callable

from pydantic import SecretStr

from consolidation.load.config import CentralConfig, load_central_config
from consolidation.load.loader import CentralLoader, LoadError, LoadReport, ModelCounts
from consolidation.load.targets import Selection
from consolidation.core.errors import ConfigError
from consolidation.core.odoo_rpc import OdooTransport, RetryPolicy, XmlRpcTransport
from consolidation.core.settings import OdooSettings

__all__ = [
    "CentralConfig",
    "CentralLoader",
    "LoadError",
    "LoadReport",
    "ModelCounts",
    "Selection",
    "central_settings",
    "load_central_config",
    "transport_factory",
]


def central_settings(settings: OdooSettings) -> OdooSettings | None:
    """The central Odoo's settings; ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD fill what
    CONSOLIDATION_ODOO__* leaves unset. None when no URL is given at all."""
    url = settings.url or os.environ.get("ODOO_URL")
    if not url:
        return None
    password = settings.password or (
        SecretStr(os.environ["ODOO_PASSWORD"]) if os.environ.get("ODOO_PASSWORD") else None
    )
    return settings.model_copy(
        update={
            "url": url,
            "database": settings.database or os.environ.get("ODOO_DB"),
            "login": settings.login or os.environ.get("ODOO_USER"),
            "password": password,
        }
    )


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
