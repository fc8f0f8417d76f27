"""The notification service: each ministry's contacts get a digest of what waits for it, once.

A digest is planned per ministry and channel, and skipped when nothing waits, when the ministry
has no contact on the channel, or when the last digest sent told the same open issues. One to
send is first claimed in the store (``sending``; the unique fingerprint keeps two runs from both
claiming it), then sent, then recorded ``sent`` or ``failed`` with the audit event. A failed
digest is retried by the next run; a channel that cannot be reached fails the run in one line.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.schema import NotificationDigest
from consolidation.core.settings import NotifySettings
from consolidation.core.sources import MinistrySpec
from consolidation.notify.channels import Channel, Deliver, open_channels
from consolidation.notify.digest import Digest, as_utc, compute_digest
from consolidation.notify.exceptions import NotifyError

logger = logging.getLogger(__name__)

SENDING, SENT, FAILED = "sending", "sent", "failed"
STALE_CLAIM = timedelta(minutes=15)
"""A digest claimed longer ago than this by a run that never finished is tried again."""


class Outcome(enum.StrEnum):
    SENT = "sent"
    WOULD_SEND = "would send"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Notice:
    """What became of one ministry's digest on one channel."""

    ministry: str
    channel: str
    outcome: Outcome
    reason: str | None = None
    """Why it was skipped or failed: nothing waiting, no contacts, already sent, the error."""
    recipients: tuple[str, ...] = ()
    digest: Digest | None = None
    fingerprint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ministry": self.ministry,
            "channel": self.channel,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "recipients": list(self.recipients),
            "digest": self.digest.content() if self.digest else None,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class NotifyResult:
    notices: list[Notice]
    dry_run: bool

    def of(self, outcome: Outcome) -> list[Notice]:
        return [notice for notice in self.notices if notice.outcome is outcome]

    @property
    def failed(self) -> list[Notice]:
        return self.of(Outcome.FAILED)

    def as_dict(self) -> dict[str, Any]:
        counts = {outcome.value: len(self.of(outcome)) for outcome in Outcome}
        return {
            "dry_run": self.dry_run,
            "counts": counts,
            "notices": [notice.as_dict() for notice in self.notices],
        }


class NotifyService:
    """Digests of the quarantine for each ministry's contacts, over one store."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: NotifySettings,
        ministries: Mapping[str, MinistrySpec],
        *,
        base_url: str,
        actor: str,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.ministries = ministries
        self.base_url = base_url
        self.actor = actor

    def send(self, ministry: str | None = None, *, dry_run: bool = False) -> NotifyResult:
        """Send every due digest (or one ministry's); ``dry_run`` only says what would go, to
        whom, and records nothing. Raises ``NotifyError`` after recording the failures when a
        channel cannot be reached."""
        codes = self._codes(ministry)
        notices: list[Notice] = []
        unreachable: list[NotifyError] = []
        for channel in open_channels(self.settings):
            planned = [self._plan(code, channel) for code in codes]
            due = [notice for notice in planned if notice.outcome is Outcome.WOULD_SEND]
            if dry_run or not due:
                notices += planned
                continue
            done: dict[int, Notice] = {}
            try:
                with channel.connect() as deliver:
                    for index, notice in enumerate(planned):
                        if notice.outcome is Outcome.WOULD_SEND:
                            done[index] = self._deliver(deliver, notice)
            except NotifyError as exc:  # the channel could not be opened: every due one failed
                unreachable.append(exc)
                for index, notice in enumerate(planned):
                    if notice.outcome is Outcome.WOULD_SEND and index not in done:
                        done[index] = self._fail(notice, str(exc))
            notices += [done.get(index, notice) for index, notice in enumerate(planned)]
        if unreachable:
            failed = sum(notice.outcome is Outcome.FAILED for notice in notices)
            raise NotifyError(
                f"{unreachable[0]}; {failed} digest{'s' if failed != 1 else ''} not sent, "
                "the next run retries",
                transient=unreachable[0].transient,
            )
        return NotifyResult(notices, dry_run)

    def _codes(self, ministry: str | None) -> list[str]:
        if ministry is None:
            return list(self.ministries)
        code = ministry.upper()
        if code not in self.ministries:
            known = ", ".join(self.ministries)
            raise NotifyError(f"unknown ministry {ministry!r}; the sources config declares {known}")
        return [code]

    def _plan(self, code: str, channel: Channel) -> Notice:
        spec = self.ministries[code]
        with Session(self.engine) as session:
            last = session.scalars(
                sa.select(NotificationDigest)
                .where(
                    NotificationDigest.ministry == code,
                    NotificationDigest.channel == channel.name,
                    NotificationDigest.status == SENT,
                )
                .order_by(NotificationDigest.sent_at.desc(), NotificationDigest.id.desc())
                .limit(1)
            ).first()
            digest = compute_digest(
                session,
                code,
                spec,
                since=last.sent_at if last else None,
                base_url=self.base_url,
            )
        recipients = tuple(channel.recipients(spec.contacts))
        notice = Notice(code, channel.name, Outcome.SKIPPED, recipients=recipients, digest=digest)
        if digest.open == 0:
            return replace(notice, reason="nothing waiting")
        if not recipients:
            return replace(notice, reason=f"no {channel.name} contact in the sources config")
        if last is not None and last.content.get("state") == digest.state:
            sent = last.sent_at.date().isoformat() if last.sent_at else "before"
            return replace(notice, reason=f"already sent ({sent}); nothing changed since")
        fingerprint = digest.fingerprint(channel.name, last.fingerprint if last else None)
        return replace(notice, outcome=Outcome.WOULD_SEND, fingerprint=fingerprint)

    def _deliver(self, deliver: Deliver, notice: Notice) -> Notice:
        assert notice.digest is not None and notice.fingerprint is not None
        row_id = self._claim(notice)
        if row_id is None:
            return replace(notice, outcome=Outcome.SKIPPED, reason="being sent by another run")
        try:
            deliver(notice.recipients, notice.digest)
        except NotifyError as exc:
            self._finish(row_id, notice, str(exc))
            return replace(notice, outcome=Outcome.FAILED, reason=str(exc))
        self._finish(row_id, notice, None)
        logger.info(
            "%s digest of %s sent to %d", notice.channel, notice.ministry, len(notice.recipients)
        )
        return replace(notice, outcome=Outcome.SENT)

    def _fail(self, notice: Notice, error: str) -> Notice:
        row_id = self._claim(notice)
        if row_id is not None:
            self._finish(row_id, notice, error)
        return replace(notice, outcome=Outcome.FAILED, reason=error)

    def _claim(self, notice: Notice) -> int | None:
        """The digest's row, marked ``sending`` by this run; None if another run holds it or
        has sent it."""
        assert notice.digest is not None and notice.fingerprint is not None
        now = datetime.now(UTC)
        values: dict[str, Any] = {
            "status": SENDING,
            "attempted_at": now,
            "recipients": list(notice.recipients),
            "content": notice.digest.content(),
            "error": None,
        }
        try:
            with Session(self.engine) as session, session.begin():
                row = session.scalars(
                    sa.select(NotificationDigest).filter_by(
                        ministry=notice.ministry,
                        channel=notice.channel,
                        fingerprint=notice.fingerprint,
                    )
                ).one_or_none()
                if row is None:
                    row = NotificationDigest(
                        ministry=notice.ministry,
                        channel=notice.channel,
                        fingerprint=notice.fingerprint,
                        **values,
                    )
                    session.add(row)
                    session.flush()
                    return row.id
                held = row.status == SENDING and as_utc(row.attempted_at) > now - STALE_CLAIM
                if row.status == SENT or held:
                    return None
                claimed = session.connection().execute(
                    sa.update(NotificationDigest)
                    .where(
                        NotificationDigest.id == row.id,
                        NotificationDigest.status == row.status,
                        NotificationDigest.attempted_at == row.attempted_at,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                return row.id if claimed.rowcount == 1 else None
        except IntegrityError:  # another run inserted the same digest first
            return None

    def _finish(self, row_id: int, notice: Notice, error: str | None) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get_one(NotificationDigest, row_id)
            row.status, row.error = (FAILED, error) if error else (SENT, None)
            row.sent_at = None if error else datetime.now(UTC)
            audit.record(
                session,
                self.actor,
                audit.Event.NOTIFY_FAILED if error else audit.Event.NOTIFY_SENT,
                "notification_digest",
                row_id,
                ministry=notice.ministry,
                channel=notice.channel,
                recipients=len(notice.recipients),
                error=error,
            )
