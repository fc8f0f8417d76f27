"""The digest's words in Arabic and English (one catalogue), and the digest rendered from them:
the mail's subject, plain text and HTML (the Arabic part right to left), and the SMS text."""

from __future__ import annotations

from html import escape
from typing import Literal

from consolidation.notify.digest import Digest

Language = Literal["ar", "en"]
LANGUAGES: tuple[Language, ...] = ("ar", "en")

CATALOGUE: dict[str, dict[Language, str]] = {
    "subject": {
        "ar": "{open} مسألة بيانات بانتظار {name}",
        "en": "{open} data issues wait for the {name}",
    },
    "greeting": {
        "ar": "إلى مسؤولي البيانات في {name}،",
        "en": "To the data contacts of the {name},",
    },
    "open": {
        "ar": "المسائل المفتوحة: {open}، منها {blocking} تمنع تحميل سجلاتها.",
        "en": "Open issues: {open}, of which {blocking} keep their records from loading.",
    },
    "oldest": {
        "ar": "أقدمها مفتوحة منذ {days} يوم.",
        "en": "The oldest has been open for {days} days.",
    },
    "resolved_since": {
        "ar": "ما حُلَّ منذ الملخص السابق ({since}): {resolved}.",
        "en": "Resolved since the last digest ({since}): {resolved}.",
    },
    "resolved_ever": {
        "ar": "ما حُلَّ حتى الآن: {resolved}.",
        "en": "Resolved so far: {resolved}.",
    },
    "by_rule": {"ar": "المسائل المفتوحة حسب القاعدة", "en": "Open issues by rule"},
    "rule": {"ar": "القاعدة", "en": "Rule"},
    "severity": {"ar": "الخطورة", "en": "Severity"},
    "count": {"ar": "العدد", "en": "Count"},
    "error": {"ar": "تمنع التحميل", "en": "blocks loading"},
    "warning": {"ar": "تنبيه", "en": "warning"},
    "link": {"ar": "راجعوها في التطبيق:", "en": "Review them in the app:"},
    "footer": {
        "ar": "يتضمن هذا الملخص أعدادًا فقط، دون أي بيانات شخصية، ويُرسَل عند تغيّر ما ينتظركم.",
        "en": "This digest holds counts only, no personal data; it is sent when what waits "
        "for you changes.",
    },
    "sms": {
        "ar": "{code}: {open} مسألة مفتوحة، أقدمها منذ {days} يوم، وحُلَّ {resolved}.",
        "en": "{code}: {open} open issues, oldest {days} days, {resolved} resolved.",
    },
}


def say(key: str, language: Language, **values: object) -> str:
    return CATALOGUE[key][language].format(**values)


def _name(digest: Digest, language: Language) -> str:
    return digest.name_ar if language == "ar" else digest.name_en


def subject(digest: Digest) -> str:
    return " | ".join(
        say("subject", lang, open=digest.open, name=_name(digest, lang)) for lang in LANGUAGES
    )


def _summary(digest: Digest, language: Language) -> list[str]:
    lines = [
        say("greeting", language, name=_name(digest, language)),
        say("open", language, open=digest.open, blocking=digest.blocking),
    ]
    if digest.oldest_days is not None:
        lines.append(say("oldest", language, days=digest.oldest_days))
    if digest.since is not None:
        since = digest.since.date().isoformat()
        lines.append(say("resolved_since", language, since=since, resolved=digest.resolved))
    else:
        lines.append(say("resolved_ever", language, resolved=digest.resolved))
    return lines


def plain_text(digest: Digest) -> str:
    """Arabic, then English; rule ids are the same in both."""
    parts = []
    for lang in LANGUAGES:
        lines = _summary(digest, lang)
        lines += ["", say("by_rule", lang) + ":"]
        lines += [
            f"  {rule.rule_id} ({say(rule.severity, lang)}): {rule.count}" for rule in digest.rules
        ]
        lines += ["", f"{say('link', lang)} {digest.link}", "", say("footer", lang)]
        parts.append("\n".join(lines))
    return ("\n\n" + "-" * 40 + "\n\n").join(parts) + "\n"


def html(digest: Digest) -> str:
    """One page, an Arabic section right to left, then an English one."""
    sections = []
    for lang in LANGUAGES:
        direction = "rtl" if lang == "ar" else "ltr"
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in _summary(digest, lang))
        rows = "".join(
            f'<tr><td dir="ltr">{escape(rule.rule_id)}</td>'
            f"<td>{escape(say(rule.severity, lang))}</td><td>{rule.count}</td></tr>"
            for rule in digest.rules
        )
        head = "".join(
            f"<th>{escape(say(key, lang))}</th>" for key in ("rule", "severity", "count")
        )
        sections.append(
            f'<section lang="{lang}" dir="{direction}">{paragraphs}'
            f"<h3>{escape(say('by_rule', lang))}</h3>"
            f'<table border="1" cellpadding="4"><tr>{head}</tr>{rows}</table>'
            f'<p>{escape(say("link", lang))} <a href="{escape(digest.link)}">'
            f"{escape(digest.link)}</a></p>"
            f"<p><small>{escape(say('footer', lang))}</small></p></section>"
        )
    return (
        f'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8">'
        f"<title>{escape(subject(digest))}</title></head><body>"
        + "<hr>".join(sections)
        + "</body></html>"
    )


def sms_text(digest: Digest) -> str:
    """Both languages in one short text, and the link."""
    days = digest.oldest_days if digest.oldest_days is not None else 0
    said = [
        say(
            "sms", lang, code=digest.ministry, open=digest.open, days=days, resolved=digest.resolved
        )
        for lang in LANGUAGES
    ]
    return "\n".join([*said, digest.link])
