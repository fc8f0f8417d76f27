"""Users of the web app and signing in: created, listed, disabled and reset from the CLI;
checked with argon2, rate-limited per client address and locked out after repeated failures.
Every change and every lockout is in the audit log; no password ever is."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.access import passwords
from consolidation.access.exceptions import AccessError, SigninRefused
from consolidation.access.roles import Principal, Role
from consolidation.core import audit
from consolidation.core.schema import AppSession, AppUser, Ministry, SigninAttempt
from consolidation.core.settings import WebSettings

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
WRONG = "wrong username or password"


def utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives naive datetimes back)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def principal_of(user: AppUser) -> Principal:
    return Principal(user.id, user.username, Role(user.role), tuple(user.ministries or ()))


@dataclass(frozen=True)
class UserView:
    """A user as listed: never its password hash."""

    username: str
    role: str
    ministries: tuple[str, ...]
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    created_by: str
    active_sessions: int

    def as_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "ministries": list(self.ministries),
            "disabled": self.disabled,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "active_sessions": self.active_sessions,
        }


class UserService:
    """Users, passwords and sign-in over one store."""

    def __init__(self, engine: sa.Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def add(
        self,
        username: str,
        role: str,
        password: str,
        *,
        ministries: Sequence[str] = (),
        actor: str,
    ) -> UserView:
        """A new user. A steward needs at least one known ministry; the others take none."""
        if not _USERNAME.match(username):
            raise AccessError(
                f"username {username!r}: expected 2 to 64 lower-case letters, digits, '.', '_' "
                "or '-', starting with a letter"
            )
        try:
            the_role = Role(role)
        except ValueError:
            raise AccessError(
                f"role {role!r}: expected one of {', '.join(r.value for r in Role)}"
            ) from None
        codes = [code.upper() for code in ministries]
        if the_role is Role.STEWARD and not codes:
            raise AccessError("a steward needs at least one --ministry")
        if the_role is not Role.STEWARD and codes:
            raise AccessError(f"only a steward is scoped to ministries, not an {role}")
        passwords.check_policy(password, username)
        now = datetime.now(UTC)
        with self._session() as session:
            known = set(session.scalars(sa.select(Ministry.code)))
            unknown = [code for code in codes if code not in known]
            if unknown:
                listed = ", ".join(sorted(known)) or "none yet: run the pipeline first"
                raise AccessError(f"ministry {unknown[0]!r} is not in the store ({listed})")
            if session.scalars(sa.select(AppUser.id).filter_by(username=username)).first():
                raise AccessError(f"user {username!r} exists already")
            user = AppUser(
                username=username,
                role=the_role.value,
                ministries=codes,
                password_hash=passwords.hash_password(password),
                disabled=False,
                created_at=now,
                created_by=actor,
                password_changed_at=now,
                failed_signins=0,
            )
            session.add(user)
            session.flush()
            audit.record(
                session, actor, audit.Event.USER_CREATED, "app_user", username,
                role=the_role.value, ministries=codes,
            )  # fmt: skip
            return _view(user, 0)

    def list(self) -> list[UserView]:
        now = datetime.now(UTC)
        with self._session() as session:
            active = dict(
                session.execute(
                    sa.select(AppSession.user_id, sa.func.count())
                    .where(AppSession.ended_at.is_(None))
                    .group_by(AppSession.user_id)
                ).all()
            )
            users = session.scalars(sa.select(AppUser).order_by(AppUser.username)).all()
            return [_view(u, active.get(u.id, 0), now) for u in users]

    def set_disabled(self, username: str, disabled: bool, *, actor: str) -> int:
        """Disable a user (its sessions end at once) or enable it; the sessions ended."""
        with self._session() as session:
            user = _user(session, username)
            user.disabled = disabled
            ended = 0
            if disabled:
                ended = end_sessions(session, user.id, "user disabled")
            event = audit.Event.USER_DISABLED if disabled else audit.Event.USER_ENABLED
            audit.record(session, actor, event, "app_user", username, sessions_ended=ended)
            return ended

    def reset_password(self, username: str, password: str, *, actor: str) -> int:
        """A new password; the lockout is lifted and every session of the user ends."""
        passwords.check_policy(password, username)
        with self._session() as session:
            user = _user(session, username)
            user.password_hash = passwords.hash_password(password)
            user.password_changed_at = datetime.now(UTC)
            user.failed_signins, user.locked_until = 0, None
            ended = end_sessions(session, user.id, "password reset")
            audit.record(
                session, actor, audit.Event.USER_PASSWORD_RESET, "app_user", username,
                sessions_ended=ended,
            )  # fmt: skip
            return ended

    def authenticate(self, username: str, password: str, *, client: str) -> Principal:
        """The principal whose password this is, or ``SigninRefused``. A client address making
        too many attempts a minute is refused before any check; a user failing
        ``lockout_failures`` times in a row is locked for ``lockout_minutes`` (audited)."""
        now = datetime.now(UTC)
        username = username.strip().lower()[:64]
        client = client[:64]
        refusal: str | None = None
        principal: Principal | None = None
        # a refusal is raised after the transaction commits: the attempt, the failure count,
        # the lockout and their audit events must stay when the sign-in is refused
        with self._session() as session:
            recent = session.scalar(
                sa.select(sa.func.count())
                .select_from(SigninAttempt)
                .where(SigninAttempt.client == client)
                .where(SigninAttempt.at > now - timedelta(minutes=1))
            )
            if (recent or 0) >= self.settings.client_attempts_per_minute:
                raise SigninRefused("too many sign-in attempts from here; wait a minute")
            user = session.scalars(sa.select(AppUser).filter_by(username=username)).one_or_none()
            good = passwords.verify(user.password_hash if user else None, password)
            session.add(SigninAttempt(at=now, username=username, client=client, succeeded=good))
            if user is None:
                refusal = WRONG
            elif user.locked_until is not None and utc(user.locked_until) > now:
                refusal = "this user is locked after repeated failures; try later"
            elif not good:
                self._failed(session, user, client, now)
                refusal = WRONG
            elif user.disabled:
                refusal = "this user is disabled; ask central IT"
            else:
                user.failed_signins, user.locked_until = 0, None
                if passwords.needs_rehash(user.password_hash):
                    user.password_hash = passwords.hash_password(password)
                audit.record(
                    session, username, audit.Event.USER_SIGNED_IN, "app_user", username,
                    client=client,
                )  # fmt: skip
                principal = principal_of(user)
        if principal is None:
            raise SigninRefused(refusal or WRONG)
        return principal

    def _failed(self, session: Session, user: AppUser, client: str, now: datetime) -> None:
        user.failed_signins += 1
        audit.record(
            session, user.username, audit.Event.USER_SIGNIN_FAILED, "app_user", user.username,
            client=client, failures=user.failed_signins,
        )  # fmt: skip
        if user.failed_signins >= self.settings.lockout_failures:
            user.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
            user.failed_signins = 0
            audit.record(
                session, "system", audit.Event.USER_LOCKED_OUT, "app_user", user.username,
                client=client, until=user.locked_until.isoformat(),
            )  # fmt: skip

    def verify_password(self, user_id: int, password: str) -> bool:
        """Whether a signed-in user's password is ``password`` (asked again before big acts)."""
        with self._session() as session:
            user = session.get(AppUser, user_id)
            return (
                user is not None
                and not user.disabled
                and passwords.verify(user.password_hash, password)
            )


def end_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every open session of a user now."""
    result = session.execute(
        sa.update(AppSession)
        .where(AppSession.user_id == user_id, AppSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC), ended_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _user(session: Session, username: str) -> AppUser:
    user = session.scalars(sa.select(AppUser).filter_by(username=username)).one_or_none()
    if user is None:
        raise AccessError(f"no user {username!r}; `consolidate users list` shows them")
    return user


def _view(user: AppUser, active: int, now: datetime | None = None) -> UserView:
    locked = utc(user.locked_until) if user.locked_until else None
    if locked is not None and now is not None and locked <= now:
        locked = None
    return UserView(
        username=user.username,
        role=user.role,
        ministries=tuple(user.ministries or ()),
        disabled=user.disabled,
        locked_until=locked,
        created_at=utc(user.created_at),
        created_by=user.created_by,
        active_sessions=active,
    )
