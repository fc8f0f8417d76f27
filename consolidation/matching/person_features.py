"""What person scoring reads, per record: normalized names and their parts, birth date, gender
and the blocking codes; and CPR numbers as matching trusts them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.matching.blocking import BoolArray, IntArray, codes_of, combine_codes
from consolidation.matching.normalize import (
    latin_skeleton,
    normalize_arabic_series,
    normalize_latin_series,
    on_unique,
)

_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)


_GENDERS = {
    "m": "male",
    "male": "male",
    "ذكر": "male",
    "f": "female",
    "female": "female",
    "انثى": "female",
    "أنثى": "female",
    "انثي": "female",
}


def valid_national_ids(values: pd.Series) -> pd.Series:
    """CPR numbers as 9 ASCII digits (Arabic-Indic digits read, separators dropped); ``None``
    where missing, of another length, or one digit repeated (a placeholder like 000000000)."""
    text = values.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    digits = text.str.translate(_DIGITS).str.replace(r"\D", "", regex=True)
    ok = (digits.str.len() == 9) & ~digits.str.fullmatch(r"(\d)\1{8}").fillna(True).astype(bool)
    return digits.where(ok.fillna(False).astype(bool), None).astype(object)


def _gender(text: str | None) -> str | None:
    return _GENDERS.get(str(text).strip().lower()) if text is not None else None


@dataclass(frozen=True)
class PersonFeatures:
    """Per-record arrays that scoring reads by position."""

    ar: npt.NDArray[np.object_]
    en: npt.NDArray[np.object_]
    ar_short: npt.NDArray[np.object_]
    en_short: npt.NDArray[np.object_]
    ar_tokens: IntArray
    en_tokens: IntArray
    ar_first: npt.NDArray[np.object_]
    ar_first_length: IntArray
    en_first: npt.NDArray[np.object_]
    en_first_key: IntArray
    birth: IntArray
    has_birth: BoolArray
    year: IntArray
    month: IntArray
    day: IntArray
    gender: IntArray
    blocks: tuple[IntArray, ...]
    name_parts: tuple[IntArray, ...]


def person_features(frame: pd.DataFrame) -> PersonFeatures:
    ar = normalize_arabic_series(frame["name_ar"])
    en = normalize_latin_series(frame["name_en"])
    ar_split = ar.str.split()
    en_split = en.str.split()
    ar_first = ar_split.str[0]
    ar_second = ar_split.str[1]
    ar_last = ar_split.str[-1]
    en_first = en_split.str[0]
    en_skeleton = on_unique(en_first, lambda t: latin_skeleton(t) if t else None)
    en_last_skeleton = on_unique(en_split.str[-1], lambda t: latin_skeleton(t) if t else None)
    birth = pd.to_datetime(frame["birth_date"], errors="coerce")
    has_birth = birth.notna().to_numpy()
    days = np.where(has_birth, birth.to_numpy(dtype="datetime64[D]").astype(np.int64), -1)
    year = np.where(has_birth, birth.dt.year.fillna(-1).to_numpy(dtype=np.int64), -1)
    month = np.where(has_birth, birth.dt.month.fillna(-1).to_numpy(dtype=np.int64), -1)
    day = np.where(has_birth, birth.dt.day.fillna(-1).to_numpy(dtype=np.int64), -1)
    gender = (
        on_unique(frame["gender"], _gender)
        if "gender" in frame
        else pd.Series([None] * len(frame), dtype=object)
    )
    birth_code = np.where(has_birth, days, -1).astype(np.int64)
    year_code = np.where(has_birth, year, -1).astype(np.int64)
    ar_first_code, ar_second_code = codes_of(ar_first), codes_of(ar_second)
    ar_last_code = codes_of(ar_last)
    en_first_code, en_last_code = codes_of(en_skeleton), codes_of(en_last_skeleton)
    blocks = (
        birth_code,
        combine_codes(year_code, ar_first_code, ar_last_code),
        combine_codes(ar_first_code, ar_second_code, ar_last_code),
        combine_codes(year_code, en_first_code, en_last_code),
    )
    return PersonFeatures(
        ar=ar.fillna("").to_numpy(dtype=object),
        en=en.fillna("").to_numpy(dtype=object),
        ar_short=_short_form(ar_split),
        en_short=_short_form(en_split),
        ar_tokens=_token_counts(ar_split),
        en_tokens=_token_counts(en_split),
        ar_first=ar_first.fillna("").to_numpy(dtype=object),
        ar_first_length=np.array(
            [len(t) if isinstance(t, str) else 0 for t in ar_first], dtype=np.int64
        ),
        en_first=en_first.fillna("").to_numpy(dtype=object),
        en_first_key=en_first_code,
        birth=days.astype(np.int64),
        has_birth=has_birth,
        year=year,
        month=month,
        day=day,
        gender=codes_of(gender),
        blocks=blocks,
        name_parts=(ar_first_code, ar_last_code, en_first_code, en_last_code),
    )


def _token_counts(tokens: pd.Series) -> IntArray:
    return np.array([len(t) if isinstance(t, list) else 0 for t in tokens], dtype=np.int64)


def _short_form(tokens: pd.Series) -> npt.NDArray[np.object_]:
    """First, father and last name of names of four or more tokens; others as they are."""
    short = tokens.map(
        lambda t: " ".join((t[0], t[1], t[-1])) if isinstance(t, list) and len(t) > 3 else None
    )
    full = tokens.map(lambda t: " ".join(t) if isinstance(t, list) else "")
    return short.fillna(full).to_numpy(dtype=object)
