"""Secrets out of every message: a URL's credentials and any secret this process has revealed.

A driver's error text is not ours: it may quote the URL it was given, a DSN with ``PWD=``, or the
password itself. So every message a user or a log may see passes through :func:`scrub`:

- the password of a URL's userinfo (``postgresql://user:s3cret@host`` → ``user:***@host``);
- the value of a password-like key (``password=``, ``pwd=``, ``passwd=``, ``pass=``,
  ``secret=``, ``token=``, ``api_key=``), in a query string, a DSN or a ``key: value`` text;
- every secret value this process has unwrapped through :func:`reveal`, wherever it appears.

``ConsolidationError`` scrubs its message, the batch message and the audit log keep scrubbed
lines, and the CLI installs :class:`ScrubbingFilter` on the root logger.
"""

from __future__ import annotations

import logging
import re
import threading

from pydantic import SecretStr

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; they are refused as weak anyway

_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s/@:?#]*):(?P<secret>[^\s/@?#]*)@")
_KEY_VALUE = re.compile(
    r"(?i)(?P<head>\b(?:password|passwd|pwd|pass|secret|token|api[_-]?key)\b['\"]?\s*[=:]\s*)"
    r"(?P<quote>['\"]?)(?P<secret>[^\s;&'\",)]+)"
)

_lock = threading.Lock()
_revealed: set[str] = set()


def reveal(secret: SecretStr) -> str:
    """The secret's value, remembered so that no message shows it afterwards."""
    value = secret.get_secret_value()
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _revealed.add(value)
    return value


def forget_revealed() -> None:
    """Forget every secret revealed so far: each test starts as a fresh process would, so
    that one test's password ('admin') does not mask another's messages."""
    with _lock:
        _revealed.clear()


def scrub(text: str) -> str:
    """``text`` with every credential masked (see the module's docstring)."""
    if not text:
        return text
    with _lock:
        known = sorted(_revealed, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _KEY_VALUE.sub(_masked_value, text)


def _masked_value(found: re.Match[str]) -> str:
    if found["secret"].strip("…*") == "":  # already a placeholder: "password=…"
        return found[0]
    return f"{found['head']}{found['quote']}{MASK}"


class ScrubbingFilter(logging.Filter):
    """Masks credentials in a log record's final message (its arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # formatted here once and kept: a handler's formatter prints exc_text as it is
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_filter() -> None:
    """Scrub every record that reaches the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubbingFilter) for f in handler.filters):
            handler.addFilter(ScrubbingFilter())
