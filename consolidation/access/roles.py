"""Roles and what each may do; a principal is a signed-in user with its ministry scope.

Deny by default: an action not listed for a role is refused. A steward's reach is its
ministries; the other roles read across ministries, and only admins and the ministry's own
stewards may unmask personal data (with one audited click).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    ADMIN = "admin"
    """Central IT: everything."""
    STEWARD = "steward"
    """A data steward of one or more ministries."""
    FINANCE = "finance"
    """A finance officer: reconciliation and sign-off, quarantine counts only."""
    AUDITOR = "auditor"
    """Read-only everywhere, the audit log included."""


class Action(enum.StrEnum):
    QUARANTINE_COUNTS = "quarantine.counts"
    QUARANTINE_READ = "quarantine.read"
    QUARANTINE_ACT = "quarantine.act"
    MATCHES_READ = "matches.read"
    MATCHES_DECIDE = "matches.decide"
    RECONCILE_READ = "reconcile.read"
    RECONCILE_SIGNOFF = "reconcile.signoff"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"


_READ_ALL = {
    Action.QUARANTINE_COUNTS,
    Action.QUARANTINE_READ,
    Action.MATCHES_READ,
    Action.RECONCILE_READ,
    Action.AUDIT_READ,
}
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.STEWARD: frozenset(
        {
            Action.QUARANTINE_COUNTS,
            Action.QUARANTINE_READ,
            Action.QUARANTINE_ACT,
            Action.MATCHES_READ,
            Action.MATCHES_DECIDE,
        }
    ),
    Role.FINANCE: frozenset(
        {Action.QUARANTINE_COUNTS, Action.RECONCILE_READ, Action.RECONCILE_SIGNOFF}
    ),
    Role.AUDITOR: frozenset(_READ_ALL),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user's id, name, role and (for a steward) ministries."""

    user_id: int
    username: str
    role: Role
    ministries: tuple[str, ...] = ()

    def can(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The ministries this user's reads and changes are limited to; None is all."""
        return self.ministries if self.role is Role.STEWARD else None

    def holds(self, ministry: str | None) -> bool:
        """Whether ``ministry`` is within this user's scope."""
        scope = self.scope
        return scope is None or (ministry or "").upper() in {m.upper() for m in scope}

    def may_reveal(self, ministry: str | None) -> bool:
        """Whether this user may unmask a national id, IBAN or salary of ``ministry``."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.STEWARD and self.holds(ministry)
