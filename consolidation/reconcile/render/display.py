"""How the renderers show values: amounts to the fils, Arabic text and times, the same in
every format."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from consolidation.core.money import quantize

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def amount(value: Decimal | None) -> str:
    """An amount to the fils with thousands separators ('74,000,000.000'); blank when absent.
    Decimal all the way: formatting never goes through a float."""
    if value is None:
        return ""
    return f"{quantize(value):,.3f}"


def has_arabic(text: object) -> bool:
    return isinstance(text, str) and _ARABIC.search(text) is not None


def utc(moment: datetime) -> datetime:
    """The moment in UTC without its zone (a naive time is the store's, which keeps UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def timestamp(moment: datetime) -> str:
    return f"{utc(moment).isoformat(sep=' ', timespec='seconds')} UTC"


def short_sha(digest: str) -> str:
    return digest[:12] + "…" if len(digest) > 12 else digest


def account_class(account: str) -> str:
    """The class of an account is the first character of its code (1 assets, 2 liabilities...)."""
    return account[:1] or "?"
