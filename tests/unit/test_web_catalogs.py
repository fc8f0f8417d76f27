"""The web app's words: every key a template asks for is in the English and the Arabic
catalogue, the two languages hold the same keys, and Arabic values are Arabic."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from consolidation.web.i18n import LANGUAGES, Translator, catalog

WEB = Path(str(resources.files("consolidation.web")))
TEMPLATES = sorted((WEB / "templates").glob("*.j2"))
CATALOGS = WEB / "catalogs"
KEY = re.compile(r"""\bt\(\s*(["'])([A-Za-z0-9_.\-]+)\1""")
DYNAMIC = re.compile(r"""\bt\(\s*(["'])([A-Za-z0-9_.\-]+)\1\s*~""")
"""``t("status." ~ i.status)``: a prefix whose completions the test lists below."""
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _literal_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        dynamic = {m.start() for m in DYNAMIC.finditer(text)}
        for match in KEY.finditer(text):
            if match.start() not in dynamic:
                keys.setdefault(match.group(2), set()).add(path.name)
    return keys


def _dynamic_prefixes() -> set[str]:
    prefixes: set[str] = set()
    for path in TEMPLATES:
        prefixes |= {m.group(2) for m in DYNAMIC.finditer(path.read_text(encoding="utf-8"))}
    return prefixes


def test_the_templates_ask_for_keys() -> None:
    assert TEMPLATES, "no templates found"
    assert len(_literal_keys()) > 20


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_key_a_template_uses_is_in_the_catalogue(language: str) -> None:
    words = catalog(language)
    missing = {key: sorted(files) for key, files in _literal_keys().items() if key not in words}
    assert not missing, f"keys missing from the {language} catalogue: {missing}"


def test_each_area_has_both_languages_with_the_same_keys() -> None:
    areas = {path.name.split(".")[0] for path in CATALOGS.glob("*.json")}
    assert "core" in areas
    for area in sorted(areas):
        en_path, ar_path = CATALOGS / f"{area}.en.json", CATALOGS / f"{area}.ar.json"
        assert en_path.exists() and ar_path.exists(), f"{area}: needs both .en and .ar"
        en = json.loads(en_path.read_text(encoding="utf-8"))
        ar = json.loads(ar_path.read_text(encoding="utf-8"))
        assert set(en) == set(ar), (
            f"{area}: only in English {sorted(set(en) - set(ar))}, "
            f"only in Arabic {sorted(set(ar) - set(en))}"
        )
    assert set(catalog("en")) == set(catalog("ar"))


def test_no_key_is_defined_by_two_areas() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for path in sorted(CATALOGS.glob("*.en.json")):
        for key in json.loads(path.read_text(encoding="utf-8")):
            if key in seen:
                clashes.append(f"{key} in {seen[key]} and {path.name}")
            seen[key] = path.name
    assert not clashes


def test_arabic_values_are_arabic_and_placeholders_agree() -> None:
    english, arabic = catalog("en"), catalog("ar")
    placeholder = re.compile(r"\{(\w+)\}")
    not_arabic, placeholders = [], []
    for key, text in arabic.items():
        if not text.strip():
            not_arabic.append(key)
        elif not ARABIC.search(text) and text == english[key] and re.search(r"[A-Za-z]{3,} ", text):
            # a code, a number or a proper name may stay as in English; a phrase may not
            not_arabic.append(key)
        if set(placeholder.findall(text)) != set(placeholder.findall(english[key])):
            placeholders.append(key)
    assert not not_arabic, f"English left in the Arabic catalogue: {not_arabic}"
    assert not placeholders, f"placeholders differ between the languages: {placeholders}"


def test_dynamic_keys_have_their_completions() -> None:
    """``t("status." ~ s)`` and the like: every value the app may pass is in both languages."""
    from consolidation.access import Role
    from consolidation.quarantine import IssueStatus
    from consolidation.quarantine.queries import SORTS

    completions = {
        "status.": [s.value for s in IssueStatus],
        "severity.": ["error", "warning"],
        "role.": [r.value for r in Role],
        "sort.": list(SORTS),
    }
    for prefix in _dynamic_prefixes():
        if prefix not in completions:
            continue  # an area's own dynamic keys are its own tests' business
        for value in completions[prefix]:
            for language in LANGUAGES:
                assert prefix + value in catalog(language), f"{prefix}{value} ({language})"


def test_the_translator_falls_back_and_formats() -> None:
    assert Translator("ar").direction == "rtl"
    assert Translator("xx").language == "en"
    assert Translator("en")("no.such.key") == "no.such.key"
