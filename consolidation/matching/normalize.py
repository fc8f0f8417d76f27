"""Name normalization for matching only: the stored display value stays as the source wrote it.

Arabic names are folded over the spellings a clerk may type for the same name: hamza forms of
alef (أ إ آ → ا), taa marbuta and haa (ة → ه), alef maqsura and yaa (ى → ي), hamza on a seat
(ؤ → و, ئ → ي), tatweel and diacritics removed, 'عبد الله' joined, a leading 'ال' dropped.
Latin transliterations are folded the same way: 'Al-'/'Al ' prefixes, 'Abdul'/'Abdel'/'Abd Al'
compounds, doubled letters, and the vowel spellings of one Arabic sound (Hussain/Hussein,
Yousif/Yousef, Fatima/Fatimah). Text garbled as UTF-8 read through Windows-1256 (mojibake) is
repaired first. The ``*_series`` forms work on the unique values of a Series, then spread back.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

import pandas as pd

TATWEEL = "\u0640"

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_SPACES = re.compile(r"\s+")

_ARABIC_FOLD = str.maketrans(
    {
        **{chr(c): None for c in range(0x0610, 0x061B)},  # Quranic honorifics and marks
        **{chr(c): None for c in range(0x064B, 0x0660)},  # harakat: fatha, damma, kasra, ...
        **{chr(c): None for c in range(0x06D6, 0x06EE)},  # Quranic annotation marks
        "\u0670": None,  # superscript alef
        TATWEEL: None,
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u061c": None,  # Arabic letter mark
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ۀ": "ه",
        "ھ": "ه",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ء": None,
        "ک": "ك",
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "،": " ",
        "؛": " ",
        "-": " ",
        "_": " ",
        ".": " ",
        ",": " ",
        "/": " ",
        "(": " ",
        ")": " ",
        "'": None,
        '"': None,
        "`": None,
    }
)

_ARABIC_CONNECTORS = frozenset({"بن", "بنت", "ابن"})
_ARABIC_JOIN_NEXT = frozenset({"عبد", "ال", "ابو"})
_ARABIC_ARTICLE = "ال"

_LATIN_CONNECTORS = frozenset({"bin", "bint", "ibn", "binti"})
_LATIN_ARTICLES = frozenset({"al", "el"})
# 'Abd', 'Abdul', 'Abdel', ... followed by a separate word: one compound.
_LATIN_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdu", "abdil"})
# The sun-letter assimilated article: 'As-Sayed', 'Ar-Rumaihi', 'An-Nuaimi', 'Ad-Dosari'.
_SUN_ARTICLES = frozenset({"as", "ad", "ar", "an", "at", "az", "ash", "ath", "adh"})

_NON_LETTER = re.compile(r"[^a-z]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['`’‘ʼʻ]")
_ABD_PREFIX = re.compile(r"^abd(?:ul|el|al|ol|il)")
_LATIN_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(.)\1+", r"\1"),  # doubled letters: Hussain/Husain, Nasser/Naser
        (r"ph", "f"),
        (r"ck", "k"),
        (r"q", "k"),  # Tariq/Tarik
        (r"(?<=[aeiou])h$", ""),  # a final silent h: Abdullah/Abdulla, Fatimah/Fatima
        (r"ou|oo|o", "u"),  # Yousif/Yusif, Mahmood/Mahmud, Omar/Umar
        (r"ee|ei|ai|ay|ey|ie|iy|ea", "i"),  # Hussein/Hussain, Faisal/Faysal, Zainab/Zeinab
        (r"e", "i"),  # Khaled/Khalid, Ebrahim/Ibrahim
        (r"(.)\1+", r"\1"),
    )
)
_SKELETON_DROP = re.compile(r"[aeiouyhw]")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1256 or -1252 ('Ù…Ø­Ù…Ø¯' → 'محمد'); other text is unchanged.

    A real Arabic or Latin name practically never re-encodes into valid multi-byte UTF-8, so a
    successful round trip that changes the text is taken as proof of mojibake.
    """
    if text.isascii():
        return text
    whole = _repair_word(text)
    if whole != text or " " not in text:
        return whole
    # One part garbled (a family name column read wrongly, then joined): repair word by word.
    return " ".join(_repair_word(word) for word in text.split(" "))


def _repair_word(text: str) -> str:
    if text.isascii():
        return text
    for codec in ("cp1256", "cp1252"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != text:
            return repaired
    return text


def _is_missing(text: object) -> bool:
    return text is None or (isinstance(text, float) and text != text) or text is pd.NA


def _arabic_tokens(folded: str) -> list[str]:
    """Tokens of folded Arabic text: connectors dropped, compounds joined, the article off."""
    tokens = [token for token in folded.split() if token not in _ARABIC_CONNECTORS]
    joined: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _ARABIC_JOIN_NEXT and i + 1 < len(tokens):
            token += tokens[i + 1]
            i += 1
        joined.append(token)
        i += 1
    # 'الكوهجي' and 'كوهجي' are one family name; 'الله' (too short) keeps its article.
    return [t[2:] if t.startswith(_ARABIC_ARTICLE) and len(t) >= 5 else t for t in joined]


def _fold_arabic(text: str) -> str:
    folded = unicodedata.normalize("NFKC", repair_mojibake(text))
    return folded.translate(_ARABIC_FOLD).lower()


def normalize_arabic(text: str | None) -> str | None:
    """The Arabic name folded for matching; ``None`` when it holds no Arabic letter."""
    if _is_missing(text):
        return None
    result = " ".join(_arabic_tokens(_fold_arabic(str(text))))
    return result if _ARABIC_LETTER.search(result) else None


def _latin_plain(text: str, *, keep_digits: bool = False) -> str:
    """Lower-case ASCII words: accents stripped, apostrophes dropped, anything else a space."""
    plain = text.lower()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", repair_mojibake(text).lower())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    pattern = _NON_ALNUM if keep_digits else _NON_LETTER
    return pattern.sub(" ", _APOSTROPHES.sub("", plain)).strip()


@functools.lru_cache(maxsize=65_536)
def _latin_token(token: str) -> str:
    token = _ABD_PREFIX.sub("abdul", token)
    if token[:2] in _LATIN_ARTICLES and len(token) >= 6:
        token = token[2:]
    for pattern, replacement in _LATIN_FOLDS:
        token = pattern.sub(replacement, token)
    return token


def _fold_latin_words(words: str) -> str:
    tokens = [token for token in words.split() if token not in _LATIN_CONNECTORS]
    joined: list[str] = []
    i = 0
    while i < len(tokens):
        token, rest = tokens[i], tokens[i + 1 :]
        if rest and token in _LATIN_ABD:
            # 'Abd Al Rahman', 'Abdul Rahman', 'Abdel Rahman': one compound, 'abdulrahman'.
            if rest[0] in _LATIN_ARTICLES | {"ul", "il"} and len(rest) > 1:
                i += 1
            joined.append("abdul" + tokens[i + 1])
            i += 2
            continue
        if rest and (token in _LATIN_ARTICLES or (token in _SUN_ARTICLES and len(rest[0]) > 2)):
            # A separate article is dropped, the same as one written joined ('Al-Ansari').
            i += 1
            continue
        joined.append(token)
        i += 1
    return " ".join(_latin_token(token) for token in joined)


def normalize_latin(text: str | None) -> str | None:
    """The transliterated name folded for matching; ``None`` when it holds no Latin letter."""
    if _is_missing(text):
        return None
    return _fold_latin_words(_latin_plain(str(text))) or None


def latin_skeleton(token: str) -> str:
    """A coarse phonetic key of one folded Latin token, for blocking: its first letter, then
    its consonants without h, w, y ('muhamid' and 'mahmud' both give 'mmd')."""
    if not token:
        return ""
    rest = _SKELETON_DROP.sub("", token[1:])
    return re.sub(r"(.)\1+", r"\1", token[0] + rest)


def on_unique(values: pd.Series, function: Callable[[str | None], str | None]) -> pd.Series:
    """Apply a text function once per distinct value and spread the results back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [function(value) for value in uniques]
    result = pd.Series([None] * len(values), index=values.index, dtype=object)
    present = codes >= 0
    if present.any():
        lookup = pd.Series(mapped, dtype=object).to_numpy()
        result.iloc[present.nonzero()[0]] = lookup[codes[present]]
    return result


def normalize_arabic_series(values: pd.Series) -> pd.Series:
    """``normalize_arabic`` over a Series (object dtype, ``None`` where there is no name)."""
    return on_unique(values, normalize_arabic)


def normalize_latin_series(values: pd.Series) -> pd.Series:
    """``normalize_latin`` over a Series (object dtype, ``None`` where there is no name)."""
    return on_unique(values, normalize_latin)


_LEGAL_FORMS_LATIN = (
    "w l l",
    "wll",
    "b s c c",
    "b s c closed",
    "bsc c",
    "bsc closed",
    "b s c",
    "bsc",
    "s p c",
    "spc",
    "l l c",
    "llc",
    "s a r l",
    "company limited",
    "company",
    "co",
    "corporation",
    "corp",
    "incorporated",
    "inc",
    "limited",
    "ltd",
    "establishment",
    "est",
    "the",
    "and",
)
_LEGAL_FORMS_ARABIC = (
    "ذات مسووليه محدوده",
    "ذات مسوليه محدوده",
    "مساهمه بحرينيه مقفله",
    "مساهمه بحرينيه",
    "شخص واحد",
    "ذ م م",
    "ش م ب م",
    "ش م ب",
    "ش ش و",
    "شركه",
    "موسسه",
    "مسسه",
    "المحدوده",
    "محدوده",
    "مقفله",
    "و",
)


def _without_forms(words: str, forms: tuple[str, ...]) -> str:
    """The words with every legal form removed wherever it stands as whole words."""
    padded = f" {words} "
    for form in forms:
        while f" {form} " in padded:
            padded = padded.replace(f" {form} ", " ")
    return _SPACES.sub(" ", padded).strip()


def normalize_company(text: str | None) -> str | None:
    """A company name folded for matching: legal forms (W.L.L., B.S.C., Co., شركة, ذ.م.م, ...)
    and punctuation dropped, letters folded as in person names; ``None`` when nothing is left."""
    if _is_missing(text):
        return None
    raw = str(text).replace("&", " and ")
    if _ARABIC_LETTER.search(_fold_arabic(raw)):
        folded = _fold_arabic(raw.replace(" and ", " و "))
        words = _without_forms(_SPACES.sub(" ", folded).strip(), _LEGAL_FORMS_ARABIC)
        words = _without_forms(words, _LEGAL_FORMS_LATIN)
        return " ".join(_arabic_tokens(words)) or None
    words = _without_forms(_latin_plain(raw, keep_digits=True), _LEGAL_FORMS_LATIN)
    return _fold_latin_words(words) or None


def normalize_company_series(values: pd.Series) -> pd.Series:
    """``normalize_company`` over a Series."""
    return on_unique(values, normalize_company)
