"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)
and the password policy. A password is never stored, logged or echoed."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from consolidation.access.exceptions import AccessError

MIN_LENGTH = 12
MAX_LENGTH = 1024
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("a password nobody has, to spend the same time on unknown users")


def check_policy(password: str, username: str) -> None:
    """A password of 12 to 1024 characters, not the username."""
    if len(password) < MIN_LENGTH:
        raise AccessError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise AccessError(f"a password has at most {MAX_LENGTH} characters")
    if username.lower() in password.lower():
        raise AccessError("a password must not contain the username")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an unknown user (None) costs the same time and fails."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
