"""What every transform is: a ``Step`` over a whole column, its result and the values it could not
read (``ValueFailure``), with the text helpers the steps share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.core.unified import FieldType

TEXT, DATE, MONEY, INT = FieldType.TEXT, FieldType.DATE, FieldType.MONEY, FieldType.INT

SPACES = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    # Invisible marks that Arabic text editors leave at the ends of values.
    "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff"
)
"""What ``trim`` removes from both ends: Unicode white space and invisible direction marks."""

DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic ٠-٩
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended Arabic-Indic (Persian) ۰-۹
        "\u066b": ".",  # ARABIC DECIMAL SEPARATOR ٫
        "\u066c": "",  # ARABIC THOUSANDS SEPARATOR ٬
    }
)

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]


class ParamError(ValueError):
    """A transform's parameter is wrong; ``param`` names it so the loader can point at its line."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ValueFailure:
    """Values a step could not convert: ``mask`` marks them, ``reasons`` says why (aligned)."""

    problem: str
    mask: BoolArray
    reasons: ObjectArray


@dataclass(frozen=True)
class StepResult:
    values: pd.Series
    failures: tuple[ValueFailure, ...] = ()


class Step(ABC):
    """One transform. Subclasses are frozen dataclasses whose fields are the YAML parameters."""

    name: ClassVar[str]
    params: ClassVar[tuple[str, ...]] = ()
    accepts: ClassVar[frozenset[FieldType]] = frozenset({TEXT})
    trims: ClassVar[bool | None] = True
    """Whether the output never has white space at its ends (None: as trimmed as its input)."""

    def output(self, given: FieldType) -> FieldType:
        """The kind of value the step produces from a value of kind ``given``."""
        return TEXT

    def check_input(self, given: FieldType) -> None:  # noqa: B027 - most steps need no check
        """Raise ``ParamError`` if the step's parameters do not suit input of kind ``given``."""

    @abstractmethod
    def apply(self, values: pd.Series) -> StepResult:
        """Transform a Series (RangeIndex) of the accepted kind; missing stays missing."""


def object_text(values: pd.Series) -> pd.Series:
    """Object dtype of ``str`` or ``None``: NaN from pandas string ops becomes ``None``."""
    values = values.astype(object)
    missing = values.isna()
    if missing.any():
        values = values.where(~missing, None)
    return values


def non_blank(values: pd.Series) -> BoolArray:
    """Values that are there and not empty text."""
    return np.asarray(values.notna() & (values != ""), dtype=bool)


def reasons_at(size: int, mask: BoolArray, reason: str) -> ObjectArray:
    """``reason`` where ``mask`` is set, None elsewhere: the reasons of a ``ValueFailure``."""
    out = np.full(size, None, dtype=object)
    out[mask] = reason
    return out
