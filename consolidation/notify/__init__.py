"""Ministries' notifications: digests of what waits for each ministry, by mail (SMTP) and SMS.

Its public face:

* ``NotifyService`` — ``send`` each ministry's contacts (from the sources config) a digest of
  its open issues by rule, what was resolved since the last digest, the age of the oldest open
  issue and a link to the app: counts only, no personal data, in Arabic and English. A ministry
  with nothing waiting gets nothing; the same digest is never sent twice (every one is recorded
  in ``notification_digest``); a failed one is retried by the next run. ``NotifyResult`` lists
  what became of each ministry's digest per channel (``Notice``, ``Outcome``).
* ``Digest`` and ``compute_digest`` — the digest as plain data, read from the store.
* ``Channel`` — how a digest travels: ``SmtpChannel`` (``smtplib``, STARTTLS and login when
  configured) and ``SmsGatewayChannel`` (JSON over HTTP, off by default).
* ``NotifyError``.
"""

from consolidation.notify.channels import Channel, SmsGatewayChannel, SmtpChannel, mail_message
from consolidation.notify.digest import Digest, RuleCount, compute_digest
from consolidation.notify.exceptions import NotifyError
from consolidation.notify.service import Notice, NotifyResult, NotifyService, Outcome

__all__ = [
    "Channel",
    "Digest",
    "Notice",
    "NotifyError",
    "NotifyResult",
    "NotifyService",
    "Outcome",
    "RuleCount",
    "SmsGatewayChannel",
    "SmtpChannel",
    "compute_digest",
    "mail_message",
]
