"""What access refuses; the messages never say whether a username exists."""

from __future__ import annotations

from consolidation.core.errors import ConsolidationError


class AccessError(ConsolidationError):
    """A user command or sign-in that cannot be done (bad name, role, ministry, password)."""


class SigninRefused(AccessError):  # noqa: N818 - reads as the outcome it names
    """A sign-in refused: wrong credentials, a locked or disabled user, or too many attempts."""
