"""How a digest reaches a ministry: mail over SMTP (``smtplib``), and an SMS gateway over HTTP,
off unless it is enabled and its URL set. Secrets are unwrapped only where the connection opens
and never enter an error message."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

from consolidation.core.secrets import reveal
from consolidation.core.settings import NotifySettings
from consolidation.core.sources import ContactSpec
from consolidation.notify.digest import Digest
from consolidation.notify.exceptions import NotifyError
from consolidation.notify.messages import html, plain_text, sms_text, subject

logger = logging.getLogger(__name__)

Deliver = Callable[[Sequence[str], Digest], None]
"""Sends one digest to its recipients; raises ``NotifyError`` if it was not sent."""

SMS_TIMEOUT_SECONDS = 30.0


class Channel(Protocol):
    @property
    def name(self) -> str:
        """``mail`` or ``sms``: how the store names the channel."""

    def recipients(self, contacts: ContactSpec) -> list[str]: ...

    def connect(self) -> AbstractContextManager[Deliver]:
        """Opens the channel; raises a transient ``NotifyError`` if it cannot be reached."""
        ...


def open_channels(settings: NotifySettings) -> list[Channel]:
    """Mail always; SMS when it is enabled (it needs a gateway URL then)."""
    channels: list[Channel] = [SmtpChannel(settings)]
    if settings.sms_enabled:
        if not settings.sms_gateway_url:
            raise NotifyError(
                "SMS is enabled but no gateway is set: set CONSOLIDATION_NOTIFY__SMS_GATEWAY_URL "
                "or CONSOLIDATION_NOTIFY__SMS_ENABLED=false"
            )
        channels.append(SmsGatewayChannel(settings.sms_gateway_url, settings.sms_token))
    return channels


def mail_message(digest: Digest, *, sender: str, to: Sequence[str]) -> EmailMessage:
    """A multipart/alternative mail: the plain text, and the HTML with its Arabic part RTL."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "ar, en"
    message.set_content(plain_text(digest))
    message.add_alternative(html(digest), subtype="html")
    return message


@dataclass(frozen=True)
class SmtpChannel:
    settings: NotifySettings
    name: ClassVar[str] = "mail"

    def recipients(self, contacts: ContactSpec) -> list[str]:
        return list(contacts.mail)

    @property
    def _where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    @contextmanager
    def connect(self) -> Iterator[Deliver]:
        settings = self.settings
        try:
            smtp = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
            )
        except OSError as exc:
            raise NotifyError(
                f"cannot reach the SMTP server {self._where}: {_reason(exc)}", transient=True
            ) from exc
        with smtp:
            self._open(smtp)
            yield lambda to, digest: self._send(smtp, to, digest)

    def _open(self, smtp: smtplib.SMTP) -> None:
        settings, where = self.settings, self._where
        try:
            smtp.ehlo()
            if settings.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise NotifyError(f"the SMTP server {where} does not offer STARTTLS")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                if not smtp.has_extn("auth"):
                    hint = (
                        "" if settings.smtp_starttls else " (it may after STARTTLS: smtp_starttls)"
                    )
                    raise NotifyError(f"the SMTP server {where} offers no login{hint}")
                password = settings.smtp_password
                smtp.login(settings.smtp_user, reveal(password) if password else "")
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyError(
                f"the SMTP server {where} refused the login of {settings.smtp_user!r}: "
                f"{_reason(exc)}"
            ) from None  # the login's frames hold the password
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(
                f"the SMTP server {where} failed while opening: {_reason(exc)}", transient=True
            ) from None

    def _send(self, smtp: smtplib.SMTP, to: Sequence[str], digest: Digest) -> None:
        message = mail_message(digest, sender=self.settings.sender, to=to)
        try:
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyError(
                f"the SMTP server {self._where} refused every recipient "
                f"({', '.join(sorted(exc.recipients))})"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifyError(
                f"the SMTP server {self._where} did not take the mail: {_reason(exc)}",
                transient=True,
            ) from exc
        if refused:
            logger.warning(
                "SMTP server %s refused %s of %s's digest",
                self._where,
                sorted(refused),
                digest.ministry,
            )


@dataclass(frozen=True)
class SmsGatewayChannel:
    """Posts ``{"to": number, "text": text}`` as JSON, one number at a time, with the token as
    a bearer token."""

    url: str
    token: SecretStr | None = None
    timeout_seconds: float = SMS_TIMEOUT_SECONDS
    name: ClassVar[str] = "sms"

    def __post_init__(self) -> None:
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise NotifyError(f"the SMS gateway URL must be http or https, not {self._where}")

    @property
    def _where(self) -> str:
        """The gateway without any credentials or query the URL may carry."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"

    def recipients(self, contacts: ContactSpec) -> list[str]:
        return list(contacts.sms)

    @contextmanager
    def connect(self) -> Iterator[Deliver]:
        yield self._send

    def _send(self, to: Sequence[str], digest: Digest) -> None:
        text = sms_text(digest)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {reveal(self.token)}"
        for number in to:
            body = json.dumps({"to": number, "text": text}, ensure_ascii=False).encode()
            request = urllib.request.Request(  # noqa: S310 - http(s) only, checked on creation
                self.url, data=body, headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as answer:  # noqa: S310
                    answer.read()
            except urllib.error.HTTPError as exc:
                raise NotifyError(
                    f"the SMS gateway {self._where} answered {exc.code} {exc.reason}",
                    transient=exc.code >= 500 or exc.code == 429,
                ) from None
            except (urllib.error.URLError, OSError) as exc:
                raise NotifyError(
                    f"cannot reach the SMS gateway {self._where}: {_reason(exc)}", transient=True
                ) from None


def _reason(exc: BaseException) -> str:
    """An exception as a short phrase: an SMTP reply's code and text, or the OS's words."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, OSError | str):
        return _reason(exc.reason) if isinstance(exc.reason, OSError) else exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
