"""Rules every entity with such fields has, declared per entity: a money field is a whole number
of fils, and Arabic text is not mojibake."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from consolidation.core.schema import Severity
from consolidation.core.unified import ENTITIES, FieldType
from validation.columns import BoolArray, fils, matches, passing, present, text
from validation.messages import a, label, noun
from validation.rules import rule

if TYPE_CHECKING:
    from validation.context import ValidationContext


def decimals_rules(entity: str) -> None:
    """``<entity>.<money field>.max_three_decimals`` for each money field of ``entity``."""
    for name in ENTITIES[entity].of_type(FieldType.MONEY):

        def check(frame: pd.DataFrame, context: ValidationContext, name: str = name) -> pd.Series:
            return passing(frame, ~present(frame, name) | np.asarray(fils(frame, name).notna()))

        check.__doc__ = (
            f"{a(noun(entity)).capitalize()}'s {label(name)} is a whole number of fils: BHD has "
            "three decimals, and an amount finer than that cannot be posted without rounding it."
        )
        rule(
            f"{entity}.{name}.max_three_decimals",
            severity=Severity.ERROR,
            field=name,
            message="{label} {value} has more than 3 decimals (BHD is kept to the fils)",
        )(check)


ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_MOJIBAKE_LEAD = "[طظعغ]"
"""UTF-8 lead bytes 0xD8–0xDB of Arabic letters read as cp1256: every mis-decoded Arabic letter
starts with one of these, so only values containing one need the exact test."""


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def repaired(value: str) -> str | None:
    """The text ``value`` should be if some of it is Arabic UTF-8 mis-decoded as cp1256, else
    None. ASCII reads the same either way, so each run of non-ASCII characters is tried on its
    own: a name joined from parts of which one was garbled ('محمد ط§ظ„ط¨ظ†ط¹ظ„ظٹ') is caught
    as surely as one garbled whole."""
    garbled = False

    def fix(run: re.Match[str]) -> str:
        nonlocal garbled
        try:
            fixed = run.group().encode("cp1256").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run.group()
        if fixed != run.group() and ARABIC_LETTER.search(fixed):
            garbled = True
            return fixed
        return run.group()

    result = _NON_ASCII.sub(fix, value)
    return result if garbled else None


def mojibake_free(frame: pd.DataFrame, field: str) -> BoolArray:
    values = text(frame, field)
    suspects = matches(values, _MOJIBAKE_LEAD)
    ok = np.ones(len(frame), dtype=bool)
    if suspects.any():
        candidates = values[suspects]
        codes, uniques = pd.factorize(candidates)
        garbled = np.array([repaired(str(u)) is not None for u in uniques], dtype=bool)
        ok[np.flatnonzero(suspects)] = ~garbled[codes]
    return ok


def mojibake_rules(entity: str, fields: Sequence[str], severity: Severity) -> None:
    """``<entity>.<field>.not_mojibake`` for each of ``fields``."""
    for name in fields:

        def check(frame: pd.DataFrame, context: ValidationContext, name: str = name) -> pd.Series:
            return passing(frame, mojibake_free(frame, name))

        def message(rows: pd.DataFrame, context: ValidationContext, name: str = name) -> list[str]:
            return [
                f"{label(name)} '{v}' is garbled Arabic (UTF-8 read as Windows-1256); "
                f"it should read '{repaired(v)}'"
                for v in rows[name].tolist()
            ]

        check.__doc__ = (
            f"{a(noun(entity)).capitalize()}'s {label(name)} is readable text, not Arabic whose "
            "UTF-8 bytes were decoded as Windows-1256 (mojibake such as 'ظ…ط­ظ…ط¯' for 'محمد'), "
            "in whole or in part."
        )
        rule(f"{entity}.{name}.not_mojibake", severity=severity, field=name, message=message)(check)
