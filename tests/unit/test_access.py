"""Roles and the password policy: deny by default, a steward's reach is its ministries, only
admins and the ministry's own stewards may unmask, and passwords are argon2id hashes."""

from __future__ import annotations

import pytest

from consolidation.access import AccessError, Action, Principal, Role, passwords
from consolidation.access.roles import PERMISSIONS

MOH_STEWARD = Principal(1, "amal", Role.STEWARD, ("MOH",))
ADMIN = Principal(2, "root", Role.ADMIN)
FINANCE = Principal(3, "fatima", Role.FINANCE)
AUDITOR = Principal(4, "ali", Role.AUDITOR)


def test_every_role_has_a_permission_list_and_an_unknown_action_is_refused() -> None:
    assert set(PERMISSIONS) == set(Role)
    for role in Role:
        principal = Principal(9, "x", role, ("MOH",) if role is Role.STEWARD else ())
        for action in Action:
            assert principal.can(action) is (action in PERMISSIONS[role])


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (ADMIN, set(Action)),
        (
            MOH_STEWARD,
            {Action.QUARANTINE_COUNTS, Action.QUARANTINE_READ, Action.QUARANTINE_ACT,
             Action.MATCHES_READ, Action.MATCHES_DECIDE},
        ),
        (FINANCE, {Action.QUARANTINE_COUNTS, Action.RECONCILE_READ, Action.RECONCILE_SIGNOFF}),
        (
            AUDITOR,
            {Action.QUARANTINE_COUNTS, Action.QUARANTINE_READ, Action.MATCHES_READ,
             Action.RECONCILE_READ, Action.AUDIT_READ},
        ),
    ],
)  # fmt: skip
def test_what_each_role_may_do(principal: Principal, allowed: set[Action]) -> None:
    assert {action for action in Action if principal.can(action)} == allowed


def test_only_admins_manage_users_and_only_writers_write() -> None:
    assert [r for r in Role if Principal(1, "x", r).can(Action.USERS_MANAGE)] == [Role.ADMIN]
    for reader in (FINANCE, AUDITOR):
        assert not reader.can(Action.QUARANTINE_ACT)
        assert not reader.can(Action.MATCHES_DECIDE)
    assert not AUDITOR.can(Action.RECONCILE_SIGNOFF)
    assert not MOH_STEWARD.can(Action.RECONCILE_READ)
    assert not MOH_STEWARD.can(Action.AUDIT_READ)


def test_a_stewards_scope_is_its_ministries_in_any_case() -> None:
    assert MOH_STEWARD.scope == ("MOH",)
    assert MOH_STEWARD.holds("MOH") and MOH_STEWARD.holds("moh")
    assert not MOH_STEWARD.holds("MOF")
    assert not MOH_STEWARD.holds(None) and not MOH_STEWARD.holds("")
    two = Principal(5, "b", Role.STEWARD, ("MOH", "MOE"))
    assert two.holds("MOE") and not two.holds("MOF")
    # a steward with no ministry holds nothing
    assert not Principal(6, "c", Role.STEWARD, ()).holds("MOH")
    for everywhere in (ADMIN, FINANCE, AUDITOR):
        assert everywhere.scope is None and everywhere.holds("MOF")


def test_who_may_unmask_personal_data() -> None:
    assert MOH_STEWARD.may_reveal("MOH") and MOH_STEWARD.may_reveal("moh")
    assert not MOH_STEWARD.may_reveal("MOF")
    assert ADMIN.may_reveal("MOF") and ADMIN.may_reveal(None)
    for reader in (FINANCE, AUDITOR):
        assert not reader.may_reveal("MOH")


@pytest.mark.parametrize(
    ("password", "username", "error"),
    [
        ("short-pass1", "amal", "at least 12"),
        ("", "amal", "at least 12"),
        ("x" * 1025, "amal", "at most 1024"),
        ("my-name-is-amal-ok", "amal", "username"),
        ("my-name-is-AMAL-ok", "amal", "username"),
    ],
)
def test_the_password_policy_refuses(password: str, username: str, error: str) -> None:
    with pytest.raises(AccessError, match=error):
        passwords.check_policy(password, username)


@pytest.mark.parametrize("password", ["x" * 12, "x" * 1024, "كلمة سر طويلة جداً", "correct horse"])
def test_the_password_policy_accepts(password: str) -> None:
    passwords.check_policy(password, "amal")


def test_a_hash_is_argon2id_salted_and_verifies_only_its_password() -> None:
    first = passwords.hash_password("steward-password-123")
    second = passwords.hash_password("steward-password-123")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert "steward-password-123" not in first
    assert passwords.verify(first, "steward-password-123")
    assert not passwords.verify(first, "steward-password-124")
    assert not passwords.needs_rehash(first)


def test_an_unknown_user_or_a_broken_hash_never_verifies() -> None:
    assert not passwords.verify(
        None, "a password nobody has, to spend the same time on unknown users"
    )
    assert not passwords.verify(None, "anything at all")
    assert not passwords.verify("not-a-hash", "anything at all")
