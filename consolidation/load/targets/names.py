"""How the targets name things in Odoo: external ids, display names, a record's company."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from consolidation.load.settings import CentralConfig

_UNSAFE = re.compile(r"[^a-z0-9_]+")
_SAFE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
"""A name that the rules below leave as it is."""


def external_name(*parts: object) -> str:
    """An external id's name from its parts: lower-case, [a-z0-9_] only, with a short hash of
    the original when anything had to be replaced, so two keys never share a name."""
    raw = "_".join(map(str, parts))
    if _SAFE.fullmatch(raw):
        return raw
    safe = _UNSAFE.sub("_", raw.lower()).strip("_")
    if safe != raw:
        safe = f"{safe}_{hashlib.sha1(raw.encode()).hexdigest()[:6]}"  # noqa: S324 - a name, not a secret
    return safe


def amount_text(amount: Decimal | None) -> str:
    return "0" if amount is None else format(amount, "f")


def display_name(config: CentralConfig, english: str | None, arabic: str | None) -> str:
    """A name in the configured language, the other one when it is missing."""
    first, second = (english, arabic) if config.name_language == "en" else (arabic, english)
    return (first or second or "").strip()


def company_field(config: CentralConfig, ministry_code: str) -> dict[str, str]:
    """A record's company field: the ministry's company in the multi-company mode (Odoo would
    otherwise put it in the user's main company), none in the single-company mode."""
    if not config.per_ministry:
        return {}
    return {"company_id/id": config.xid(external_name("ministry_company", ministry_code))}


def opening_journal_xid(config: CentralConfig, ministry_code: str) -> str:
    if config.per_ministry:
        return config.xid(external_name("opening_journal", ministry_code))
    return config.xid("opening_journal")
