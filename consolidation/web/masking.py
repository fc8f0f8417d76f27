"""What a reader may see of personal data: national ids, IBANs and salaries masked
(``*****1234``) unless the reader may reveal them and has, with one audited click."""

from __future__ import annotations

import re
from typing import Any

from consolidation.core.unified import PERSONAL_FIELDS

_RUN = re.compile(r"[0-9A-Za-z]{3,}")
_AMOUNT = re.compile(r"^[-+]?[\d,٠-٩٬]*[.٫]\d*$")


def mask(value: object) -> str:
    """``*****`` and the last four characters of an identifier (a national id, an IBAN);
    nothing at all of an amount or of anything shorter than a national id, whose last
    characters would give too much away (a salary's fils)."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if len(text) < 9 or _AMOUNT.match(text):
        return "*****"
    return "*****" + text[-4:]


def is_personal(entity: str, field: str | None) -> bool:
    return field is not None and field in PERSONAL_FIELDS.get(entity, frozenset())


def masked_record(entity: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """A record's values with its personal fields masked."""
    return {
        name: (mask(value) if value not in (None, "") and is_personal(entity, name) else value)
        for name, value in (data or {}).items()
    }


def masked_issue(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue with a personal value masked, in its ``value`` and inside its message."""
    if not is_personal(issue["entity"], issue.get("field")) or issue.get("value") in (None, ""):
        return issue
    value = str(issue["value"])
    message = (issue.get("message") or "").replace(value, mask(value))
    # a part of the value quoted on its own ("starts with 8112") goes too
    message = _RUN.sub(lambda m: "*" * len(m[0]) if m[0] in value else m[0], message)
    return {**issue, "value": mask(value), "message": message}
