"""The load's errors. Every one stops the load (terminal): a record Odoo refuses is not an error
but a refused record, quarantined with Odoo's message. An Odoo call whose retries are spent
surfaces as the transport's own ``OdooError`` (``transient``), so a later run resumes."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class LoadError(ConsolidationError):
    """The load cannot go on (terminal); a single bad record is quarantined instead."""

    transient = False


class CompanyModeError(LoadError):
    """The store has loaded into the central Odoo in the other company mode."""
