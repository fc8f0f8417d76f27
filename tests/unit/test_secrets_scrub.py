"""Every message that shows a URL masks its credentials, whatever the driver's text holds."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from connectors.base import ConnectorError
from consolidation.core.errors import ConsolidationError
from consolidation.core.secrets import MASK, ScrubbingFilter, reveal, scrub


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("could not connect to postgresql://hr:Xq9-secret@db.moh.bh:5432/hr", "Xq9-secret"),
        ("mysql+pymysql://root:p%40ss@10.0.0.1/fin timed out", "p%40ss"),
        ("odbc DSN=hr;UID=sa;PWD=Tr0ub4dor&3;Server=x", "Tr0ub4dor"),
        ("bad option: host=db password='hunter22' dbname=hr", "hunter22"),
        ('{"url": "https://odoo.mys.bh", "token": "eyJhbGciOi.abc"}', "eyJhbGciOi.abc"),
        ("GET /api?user=x&api_key=AKIA12345 refused", "AKIA12345"),
        ("passwd: ChangeMe1 rejected", "ChangeMe1"),
    ],
)
def test_credentials_in_a_message_are_masked(text: str, secret: str) -> None:
    cleaned = scrub(text)
    assert secret not in cleaned
    assert MASK in cleaned


def test_text_without_credentials_is_left_as_it_is() -> None:
    text = (
        'connection to server at "127.0.0.1", port 5432 failed: FATAL: password '
        'authentication failed for user "hr"; see postgresql://hr@db/hr'
    )
    assert scrub(text) == text


def test_a_revealed_secret_is_masked_wherever_a_driver_quotes_it() -> None:
    value = reveal(SecretStr("Zebra-Quartz-8812"))
    assert value == "Zebra-Quartz-8812"
    message = "server said: authentication with 'Zebra-Quartz-8812' for user hr failed"
    assert "Zebra-Quartz-8812" not in scrub(message)
    # the product's errors scrub their message when built, whatever class raised them
    for error in (ConsolidationError(message), ConnectorError(message)):
        assert "Zebra-Quartz-8812" not in str(error)


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    secret = reveal(SecretStr("Log-Secret-4471"))
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "connect %s failed", ("pg://u:Log-Secret-4471@h/db",), None
    )
    try:
        raise RuntimeError(f"driver said {secret}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert ScrubbingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert secret not in formatted
    assert "connect pg://u:***@h/db failed" in formatted
