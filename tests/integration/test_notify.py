"""Ministries' digests through a real SMTP server on loopback (aiosmtpd), on both store
backends: one bilingual mail per ministry with something waiting, counts equal to the
quarantine's, a link filtered to the ministry, no personal data; never the same digest twice, a
new one once stewards act; an unreachable server fails in one line and the next run sends;
STARTTLS and login with the password kept out of the store; the SMS gateway over HTTP."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from consolidation.core.schema import IssueStatus
from consolidation.core.settings import NotifySettings, WebSettings
from consolidation.core.sources import ContactSpec, MinistrySpec
from consolidation.notify import NotifyError, NotifyService, Outcome, SmsGatewayChannel
from consolidation.notify.channels import open_channels
from consolidation.notify.digest import Digest, RuleCount
from consolidation.quarantine import IssueFilter
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration

BASE_URL = "https://hr.consolidation.example.bh"
PERSONAL = ("national_id", "iban", "base_salary", "name_ar", "name_en", "email", "phone")
PERSONAL_TOO = ("birth_date", "amount", "debit", "credit")


def free_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given, as the client sent it."""

    mails: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.mails.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"

    def take(self) -> list[tuple[list[str], bytes]]:
        mails, self.mails = self.mails, []
        return mails


@contextmanager
def smtp_server(port: int | None = None, **smtp: Any) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped at the end."""
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> dict[str, str]:
    """The decoded text of each part, by content type."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = str(part.get_content())
    return found


def settings(port: int, **extra: Any) -> NotifySettings:
    return NotifySettings(
        smtp_port=port, smtp_timeout_seconds=5, sender="hub@shared.gov.bh", **extra
    )


def service(run: DemoRun, notify: NotifySettings, **ministries: MinistrySpec) -> NotifyService:
    pipeline = run.pipeline
    pipeline.settings = pipeline.settings.model_copy(
        update={"notify": notify, "web": WebSettings(base_url=BASE_URL + "/")}
    )
    if not ministries:
        return pipeline.notifications
    return NotifyService(
        pipeline.engine, notify, ministries, base_url=BASE_URL, actor=pipeline.settings.operator
    )


def digest_rows(run: DemoRun) -> list[dict[str, Any]]:
    with run.pipeline.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM notification_digest ORDER BY id"))
        return [dict(row._mapping) for row in rows]


def personal_values(run: DemoRun) -> set[str]:
    """Every national id, IBAN, salary, name, address and amount of the quarantined records,
    and every offending value of an issue (long enough not to be a count)."""
    values: set[str] = set()
    with run.pipeline.engine.connect() as connection:
        records = connection.execute(sa.text("SELECT data FROM quarantine_record")).scalars()
        for data in records:
            row = data if isinstance(data, dict) else json.loads(data)
            for name in (*PERSONAL, *PERSONAL_TOO):
                value = row.get(name)
                if value:
                    values.add(str(value))
            for name in ("name_ar", "name_en"):
                values.update(word for word in str(row.get(name) or "").split() if len(word) > 4)
        issue_values = connection.execute(
            sa.text("SELECT value FROM validation_issue WHERE value IS NOT NULL")
        ).scalars()
        values.update(str(value) for value in issue_values)
    return {value for value in values if len(value.strip()) >= 5}


@pytest.fixture
def demo(tmp_path: Path, store_url: str) -> DemoRun:
    run = demo_pipeline(tmp_path, store_url=store_url, employees=120, journal_lines=300)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run


def test_one_bilingual_digest_per_ministry_waiting_counts_only_never_twice(demo: DemoRun) -> None:
    quarantine = demo.pipeline.quarantine
    summary = quarantine.summary()
    waiting = {row["ministry"] for row in summary}
    idle = set(demo.pipeline.config.ministries) - waiting
    assert waiting and idle, "the demo has ministries with and without open issues"

    with smtp_server() as (inbox, port):
        notify = service(demo, settings(port))
        planned = notify.send(dry_run=True)
        assert {n.ministry for n in planned.of(Outcome.WOULD_SEND)} == waiting
        assert inbox.mails == [] and digest_rows(demo) == [], "a dry run sends and records nothing"

        result = notify.send()
        mails = inbox.take()

    assert {n.ministry for n in result.of(Outcome.SENT)} == waiting
    assert {n.ministry: n.reason for n in result.of(Outcome.SKIPPED)} == dict.fromkeys(
        idle, "nothing waiting"
    )
    by_recipient = {tuple(to): raw for to, raw in mails}
    assert len(mails) == len(waiting) == len(by_recipient), "exactly one mail per ministry"
    secrets = personal_values(demo)
    assert len(secrets) > 50
    for code in waiting:
        spec = demo.pipeline.config.ministries[code]
        raw = by_recipient[tuple(spec.contacts.mail)]
        message = parse(raw)
        assert message.get_content_type() == "multipart/alternative"
        assert message["From"] == "hub@shared.gov.bh"
        text, html = parts(message)["text/plain"], parts(message)["text/html"]
        subject = str(message["Subject"])
        for words in (text, html, subject):
            assert spec.name_ar in words and spec.name_en in words, "Arabic and English"
        assert 'dir="rtl"' in html and 'lang="ar"' in html
        link = f"{BASE_URL}/issues?ministry={code}&status=open"
        assert link in text and link.replace("&", "&amp;") in html
        expected = {r["rule_id"]: r["count"] for r in summary if r["ministry"] == code}
        [notice] = [n for n in result.notices if n.ministry == code]
        assert notice.digest is not None
        assert {r.rule_id: r.count for r in notice.digest.rules} == expected
        assert notice.digest.open == quarantine.count_issues(
            IssueFilter(ministry=code, status="open")
        )
        for rule, count in expected.items():
            assert any(
                line.startswith(f"  {rule} (") and line.endswith(f"): {count}")
                for line in text.splitlines()
            ), (rule, text)
        assert f"Open issues: {notice.digest.open}," in text
        assert notice.digest.oldest_days == 0  # the demo's issues were raised just now
        # no personal data anywhere: the raw message as sent, and every part decoded
        whole = raw.decode("utf-8", errors="replace") + text + html + subject
        leaked = sorted(value for value in secrets if value in whole)
        assert leaked == [], f"personal data in {code}'s digest: {leaked[:5]}"

    rows = digest_rows(demo)
    assert sorted(r["ministry"] for r in rows) == sorted(waiting)
    assert {r["status"] for r in rows} == {"sent"} and all(r["sent_at"] for r in rows)
    stored = json.dumps([r["content"] for r in rows], default=str)
    assert not [value for value in secrets if value in stored], "no personal data in the store"

    # the same digests are never sent twice
    with smtp_server() as (inbox, port):
        notify = service(demo, settings(port))
        again = notify.send()
        assert inbox.take() == []
        assert {n.ministry for n in again.of(Outcome.SKIPPED)} == set(
            demo.pipeline.config.ministries
        )
        assert all("already sent" in str(n.reason) for n in again.notices if n.ministry in waiting)

        # a steward waives two of one ministry's issues: that ministry gets a new digest
        code = sorted(waiting)[0]
        issues = quarantine.list_issues(IssueFilter(ministry=code, status="open"), limit=2)
        quarantine.decide([int(i["id"]) for i in issues], IssueStatus.WAIVED, actor="steward")
        third = notify.send()
        [(to, raw)] = inbox.take()
    assert to == demo.pipeline.config.ministries[code].contacts.mail
    [sent] = third.of(Outcome.SENT)
    assert sent.ministry == code and sent.digest is not None
    assert sent.digest.resolved == 2 and sent.digest.since is not None
    assert sent.digest.open == quarantine.count_issues(IssueFilter(ministry=code, status="open"))
    text = parts(parse(raw))["text/plain"]
    assert f"({sent.digest.since.date().isoformat()}): 2." in text
    assert "Resolved since the last digest" in text
    assert len(digest_rows(demo)) == len(waiting) + 1


def test_an_unreachable_server_fails_in_one_line_and_the_next_run_sends(demo: DemoRun) -> None:
    port = free_port()
    notify = service(demo, settings(port))
    with pytest.raises(NotifyError) as failure:
        notify.send()
    message = str(failure.value)
    assert "\n" not in message and f"cannot reach the SMTP server 127.0.0.1:{port}" in message
    assert "the next run retries" in message and failure.value.transient
    rows = digest_rows(demo)
    assert rows and {r["status"] for r in rows} == {"failed"}, "nothing recorded as sent"
    assert all(r["sent_at"] is None and "cannot reach" in r["error"] for r in rows)

    with smtp_server(port) as (inbox, _port):
        result = notify.send()
        mails = inbox.take()
    assert len(mails) == len(rows) == len(result.of(Outcome.SENT))
    after = digest_rows(demo)
    assert len(after) == len(rows), "the failed digests were the ones sent"
    assert {r["status"] for r in after} == {"sent"} and all(r["error"] is None for r in after)
    with demo.pipeline.engine.connect() as connection:
        events: dict[str, int] = dict(
            connection.execute(
                sa.text(
                    "SELECT action, COUNT(*) FROM audit_event "
                    "WHERE action LIKE 'notify.%' GROUP BY action"
                )
            ).all()
        )
    assert events == {"notify.failed": len(rows), "notify.sent": len(rows)}


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as a mail relay inside a ministry might have."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_starttls_and_login_keep_the_password_out_of_errors_and_the_store(
    demo: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "s3cret-relay-Passw0rd"
    cert_file, key_file = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts the relay's cert
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    logins: list[str] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        assert session.ssl is not None, "the login travels inside TLS"
        assert isinstance(auth, LoginPassword)
        logins.append(auth.login.decode())
        ok = auth.login == b"hub" and auth.password == password.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    relay: dict[str, Any] = {
        "tls_context": tls,
        "require_starttls": True,
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": authenticator,
    }
    with smtp_server(**relay) as (inbox, port):
        wrong = settings(
            port, smtp_starttls=True, smtp_user="hub", smtp_password=SecretStr("not-it")
        )
        with pytest.raises(NotifyError) as refused:
            service(demo, wrong).send()
        assert "refused the login of 'hub'" in str(refused.value)
        assert "not-it" not in str(refused.value)

        plain = settings(port, smtp_user="hub", smtp_password=SecretStr(password))
        with pytest.raises(NotifyError, match=r"offers no login \(it may after STARTTLS"):
            service(demo, plain).send()

        right = settings(
            port, smtp_starttls=True, smtp_user="hub", smtp_password=SecretStr(password)
        )
        result = service(demo, right).send()
        assert result.of(Outcome.SENT) and len(inbox.take()) == len(result.of(Outcome.SENT))
    assert logins and set(logins) == {"hub"}
    with demo.pipeline.engine.connect() as connection:
        everything = json.dumps(
            [
                [dict(r._mapping) for r in connection.execute(sa.text(f"SELECT * FROM {table}"))]
                for table in ("notification_digest", "audit_event")
            ],
            default=str,
        )
    assert password not in everything and "not-it" not in everything


class Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str | None, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def sms_gateway() -> Iterator[tuple[str, list[tuple[str | None, dict[str, Any]]]]]:
    Gateway.received = []
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/send", Gateway.received
    finally:
        server.shutdown()
        server.server_close()


def test_sms_is_off_by_default() -> None:
    assert [channel.name for channel in open_channels(NotifySettings())] == ["mail"]
    with pytest.raises(NotifyError, match="no gateway"):
        open_channels(NotifySettings(sms_enabled=True))


def test_the_sms_gateway_gets_the_text_and_the_bearer_token() -> None:
    digest = Digest(
        ministry="MOH",
        name_ar="وزارة الصحة",
        name_en="Ministry of Health",
        rules=(RuleCount("employee.iban.valid", "error", 3),),
        resolved=1,
        since=None,
        oldest_days=4,
        link=f"{BASE_URL}/issues?ministry=MOH&status=open",
        state="x",
    )
    with sms_gateway() as (url, received):
        channel = SmsGatewayChannel(url, SecretStr("gateway-token"))
        with channel.connect() as deliver:
            deliver(["+97333000001", "+97333000002"], digest)
    assert [body["to"] for _token, body in received] == ["+97333000001", "+97333000002"]
    assert {token for token, _body in received} == {"Bearer gateway-token"}
    text = received[0][1]["text"]
    assert "MOH: 3 open issues, oldest 4 days, 1 resolved." in text
    assert "مسألة مفتوحة" in text and digest.link in text

    closed = SmsGatewayChannel(f"http://127.0.0.1:{free_port()}/send", SecretStr("gateway-token"))
    with pytest.raises(NotifyError) as failure, closed.connect() as deliver:
        deliver(["+97333000001"], digest)
    assert "cannot reach the SMS gateway" in str(failure.value)
    assert "gateway-token" not in str(failure.value)


def test_the_service_sends_sms_when_enabled_and_keeps_the_token_out(demo: DemoRun) -> None:
    config = demo.pipeline.config.ministries
    code = demo.pipeline.quarantine.summary()[0]["ministry"]
    ministry = config[code].model_copy(update={"contacts": ContactSpec(sms=["+97333000009"])})
    with sms_gateway() as (url, received), smtp_server() as (inbox, port):
        notify = service(
            demo,
            settings(port, sms_enabled=True, sms_gateway_url=url, sms_token=SecretStr("tok-3")),
            **{code: ministry},
        )
        result = notify.send()
        assert inbox.take() == [], "no mail contact: no mail"
        assert notify.send().of(Outcome.SENT) == [], "and the SMS is not sent twice"
    by_channel = {n.channel: n for n in result.notices}
    assert by_channel["mail"].outcome is Outcome.SKIPPED
    assert by_channel["sms"].outcome is Outcome.SENT
    [(token, body)] = received
    assert token == "Bearer tok-3" and body["to"] == "+97333000009"
    assert f"ministry={code}" in body["text"]
    assert "tok-3" not in json.dumps(digest_rows(demo), default=str)
