"""The notifications' errors: bad input, and a mail server or SMS gateway that cannot be used."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class NotifyError(ConsolidationError):
    """A digest cannot be sent as asked: an unknown ministry, an SMTP server or SMS gateway
    that cannot be reached (transient: the next run retries) or that refuses the login."""
