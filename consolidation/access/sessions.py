"""Server-side sessions: a random token in the cookie, its SHA-256 in the store, a CSRF token
beside it. A session ends on sign-out, when its user is disabled or reset, after
``idle_minutes`` without a request or ``absolute_hours`` in all, and a new one is made at
every sign-in (the id rotates)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.access.roles import Principal
from consolidation.access.users import end_sessions, principal_of, utc
from consolidation.core import audit
from consolidation.core.schema import AppSession, AppUser
from consolidation.core.settings import WebSettings

LANGUAGES = ("en", "ar")
_TOUCH_EVERY = timedelta(seconds=15)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionView:
    """A live session as a request sees it."""

    principal: Principal
    csrf_token: str
    language: str
    reauthenticated_at: datetime | None

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token, token)

    def recently_reauthenticated(self, minutes: int) -> bool:
        at = self.reauthenticated_at
        return at is not None and datetime.now(UTC) - at < timedelta(minutes=minutes)


class SessionService:
    """Start, resolve, end sessions; over one store."""

    def __init__(self, engine: sa.Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    def start(
        self, principal: Principal, *, replacing: str | None = None, language: str = "en"
    ) -> str:
        """A new session for a signed-in principal; the token for the cookie. The session the
        browser had before (``replacing``) ends: the id rotates at sign-in."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._session() as session:
            if replacing:
                self._end(session, replacing, "signed in again")
            session.add(
                AppSession(
                    token_hash=_digest(token),
                    user_id=principal.user_id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                    language=language if language in LANGUAGES else "en",
                )
            )
        return token

    def resolve(self, token: str | None) -> SessionView | None:
        """The live session of a cookie, or None (unknown, ended, idle, too old, or its user
        disabled). Resolving it counts as activity."""
        if not token:
            return None
        now = datetime.now(UTC)
        with self._session() as session:
            found = session.execute(
                sa.select(AppSession, AppUser)
                .join(AppUser, AppUser.id == AppSession.user_id)
                .where(AppSession.token_hash == _digest(token))
            ).one_or_none()
            if found is None:
                return None
            row, user = found
            if row.ended_at is not None:
                return None
            reason = None
            if user.disabled:
                reason = "user disabled"
            elif now - utc(row.last_seen_at) > timedelta(minutes=self.settings.idle_minutes):
                reason = "idle"
            elif now - utc(row.created_at) > timedelta(hours=self.settings.absolute_hours):
                reason = "expired"
            if reason is not None:
                row.ended_at, row.ended_reason = now, reason
                return None
            if now - utc(row.last_seen_at) > _TOUCH_EVERY:
                row.last_seen_at = now
            return SessionView(
                principal=principal_of(user),
                csrf_token=row.csrf_token,
                language=row.language,
                reauthenticated_at=utc(row.reauthenticated_at) if row.reauthenticated_at else None,
            )

    def end(self, token: str | None, *, actor: str, reason: str = "signed out") -> None:
        if not token:
            return
        with self._session() as session:
            if self._end(session, token, reason):
                audit.record(session, actor, audit.Event.USER_SIGNED_OUT, "app_user", actor)

    def end_all_of(self, username: str, *, actor: str) -> int:
        """An admin ends every session of a user at once."""
        with self._session() as session:
            user = session.scalars(sa.select(AppUser).filter_by(username=username)).one_or_none()
            if user is None:
                return 0
            ended = end_sessions(session, user.id, f"ended by {actor}")
            audit.record(
                session, actor, audit.Event.SESSION_ENDED, "app_user", username, sessions=ended
            )
            return ended

    def set_language(self, token: str, language: str) -> None:
        if language not in LANGUAGES:
            return
        with self._session() as session:
            session.execute(
                sa.update(AppSession)
                .where(AppSession.token_hash == _digest(token))
                .values(language=language)
            )

    def reauthenticated(self, token: str, *, actor: str) -> None:
        """The user gave the password again just now."""
        with self._session() as session:
            session.execute(
                sa.update(AppSession)
                .where(AppSession.token_hash == _digest(token))
                .values(reauthenticated_at=datetime.now(UTC))
            )
            audit.record(session, actor, audit.Event.USER_REAUTHENTICATED, "app_user", actor)

    @staticmethod
    def _end(session: Session, token: str, reason: str) -> bool:
        result = session.execute(
            sa.update(AppSession)
            .where(AppSession.token_hash == _digest(token), AppSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), ended_reason=reason)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
