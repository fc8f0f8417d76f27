"""The interface's words in English and Arabic, from JSON message catalogues: one pair per area
of the app, ``catalogs/<area>.<language>.json``, merged. A key missing in Arabic falls back to
English; a key missing in both is shown as the key, and a test checks that the two languages
hold the same keys."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = {"en": "ltr", "ar": "rtl"}


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files("consolidation.web").joinpath("catalogs")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(f".{language}.json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


class Translator:
    """``t("issues.title")`` or ``t("issues.count", n=3)`` in one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "en"
        self.direction = LANGUAGES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = catalog(self.language).get(key) or catalog("en").get(key) or key
        return text.format(**values) if values else text
