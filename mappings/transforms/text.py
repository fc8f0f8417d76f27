"""Steps that clean or reshape text: trimming, spaces, digits, case, padding, splitting, joining."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from mappings.transforms.base import (
    DIGITS,
    SPACES,
    BoolArray,
    ObjectArray,
    ParamError,
    Step,
    StepResult,
    non_blank,
    object_text,
)


@dataclass(frozen=True)
class Trim(Step):
    """Remove white space and invisible direction marks from both ends."""

    name: ClassVar[str] = "trim"

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(object_text(values.str.strip(SPACES)))


@dataclass(frozen=True)
class CollapseSpaces(Step):
    """Turn every run of white space into one space."""

    name: ClassVar[str] = "collapse_spaces"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(object_text(values.str.replace(r"\s+", " ", regex=True)))


@dataclass(frozen=True)
class Digits(Step):
    """Arabic-Indic and Persian digits to ASCII; ٫ to '.', ٬ removed. Other characters stay."""

    name: ClassVar[str] = "digits"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(object_text(values.str.translate(DIGITS)))


@dataclass(frozen=True)
class DigitsOnly(Step):
    """Like ``digits``, then drop every character that is not a digit (CPR, phone numbers)."""

    name: ClassVar[str] = "digits_only"

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(
            object_text(values.str.translate(DIGITS).str.replace(r"[^0-9]", "", regex=True))
        )


@dataclass(frozen=True)
class Iban(Step):
    """An IBAN in its compact form (ISO 13616's electronic format): white space, invisible
    marks and dashes removed, Arabic-Indic digits to ASCII, upper case —
    'bh67 bmag-0000 1299 1234 56' → 'BH67BMAG00001299123456'. The unified store keeps IBANs
    compact, so the mapping engine compacts every ``iban`` field after its transforms too."""

    name: ClassVar[str] = "iban"

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(compact_iban(values))


def compact_iban(values: pd.Series) -> pd.Series:
    """``values`` (text or None) as compact IBANs; see ``Iban``."""
    cleaned = values.str.translate(DIGITS).str.replace(_IBAN_SEPARATORS, "", regex=True)
    return object_text(cleaned.str.upper())


_IBAN_SEPARATORS = r"[\s\-\u200e\u200f\u200b\u2066-\u2069\u202a-\u202e\ufeff]+"


@dataclass(frozen=True)
class Upper(Step):
    name: ClassVar[str] = "upper"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(object_text(values.str.upper()))


@dataclass(frozen=True)
class Lower(Step):
    name: ClassVar[str] = "lower"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(object_text(values.str.lower()))


@dataclass(frozen=True)
class Pad(Step):
    """Left-pad with zeros to ``pad`` characters; longer values and blanks are left alone."""

    name: ClassVar[str] = "pad"
    trims: ClassVar[bool | None] = None
    params: ClassVar[tuple[str, ...]] = ("pad",)
    pad: int

    def __post_init__(self) -> None:
        if self.pad < 1:
            raise ParamError("pad", f"expected a width of at least 1 (got {self.pad})")

    def apply(self, values: pd.Series) -> StepResult:
        padded = values.str.pad(self.pad, side="left", fillchar="0")
        return StepResult(object_text(padded.where(non_blank(values), values)))


_SPLIT_PARTS: dict[str, str] = {
    "first": r"^\s*(\S+)",
    "last": r"(\S+)\s*$",
    "rest": r"^\s*\S+\s+(.*?)\s*$",
}


@dataclass(frozen=True)
class Split(Step):
    """One part of a name split on white space: ``part: first | last | rest`` (rest = all but
    the first word) or ``index: N`` (0-based; negative counts from the end). A part the name
    does not have is blank."""

    name: ClassVar[str] = "split"
    params: ClassVar[tuple[str, ...]] = ("part", "index")
    part: Literal["first", "last", "rest"] | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if (self.part is None) == (self.index is None):
            raise ParamError(
                "part", "'split' needs exactly one of 'part' (first, last, rest) or 'index'"
            )

    def apply(self, values: pd.Series) -> StepResult:
        if self.part is not None:
            return StepResult(
                object_text(values.str.extract(_SPLIT_PARTS[self.part], expand=False))
            )
        assert self.index is not None
        return StepResult(object_text(values.str.split().str[self.index]))


@dataclass(frozen=True)
class Join(Step):
    """Several source columns joined by ``sep`` (default one space); each part is trimmed and
    blank parts are skipped. Only as the first transform of a field with several columns."""

    name: ClassVar[str] = "join"
    params: ClassVar[tuple[str, ...]] = ("sep",)
    sep: str = " "

    def combine(self, columns: list[pd.Series]) -> pd.Series:
        size = len(columns[0])
        joined: ObjectArray = np.full(size, "", dtype=object)
        empty: BoolArray = np.ones(size, dtype=bool)
        for column in columns:
            part = object_text(column.str.strip(SPACES)).to_numpy(dtype=object)
            blank = np.asarray(pd.isna(part) | (part == ""), dtype=bool)
            part = np.where(blank, "", part)
            glued = np.where(empty, part, joined + self.sep + part)
            joined = np.where(blank, joined, glued)
            empty &= blank
        joined[empty] = None
        return pd.Series(joined, index=columns[0].index, dtype="object")

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(values)
