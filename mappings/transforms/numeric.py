"""Steps that read numbers: ``money`` (an exact ``Decimal``) and ``int`` (a whole number)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from consolidation.core.money import AmountError, parse_amount
from consolidation.core.unified import FieldType
from mappings.transforms.base import (
    DIGITS,
    INT,
    MONEY,
    SPACES,
    ParamError,
    Step,
    StepResult,
    ValueFailure,
    object_text,
    reasons_at,
)


@dataclass(frozen=True)
class ParseMoney(Step):
    """An exact ``Decimal`` as written, through ``consolidation.core.money.parse_amount``; never
    rounded (``scale`` records the scale the source should have, for validation).

    ``empty: zero`` reads an empty cell as 0 (a ledger export's blank debit or credit side);
    by default an empty amount is missing, which a required field quarantines. A value that is
    not an amount is an issue either way, never 0."""

    name: ClassVar[str] = "money"
    params: ClassVar[tuple[str, ...]] = ("scale", "empty")
    scale: int | None = None
    empty: Literal["zero", "missing"] | None = None

    def __post_init__(self) -> None:
        if self.scale is not None and not 0 <= self.scale <= 6:
            raise ParamError("scale", f"expected a scale from 0 to 6 (got {self.scale})")

    def output(self, given: FieldType) -> FieldType:
        return MONEY

    def apply(self, values: pd.Series) -> StepResult:
        texts = values.to_numpy(dtype=object)
        present = np.asarray(pd.notna(texts), dtype=bool)
        given = texts[present].tolist()
        amounts = np.full(len(texts), None, dtype=object)
        problems: dict[tuple[str, str], np.ndarray] = {}
        try:
            amounts[present] = list(map(parse_amount, given))
        except AmountError:
            for position, text in zip(np.flatnonzero(present).tolist(), given, strict=True):
                try:
                    amounts[position] = parse_amount(text)
                except AmountError as exc:
                    kind = (exc.problem, exc.reason)
                    bad = problems.setdefault(kind, np.zeros(len(texts), dtype=bool))
                    bad[position] = True
        result = pd.Series(amounts, index=values.index, dtype=object, copy=False)
        return StepResult(
            result,
            tuple(
                ValueFailure(problem, bad, reasons_at(len(texts), bad, reason))
                for (problem, reason), bad in problems.items()
            ),
        )


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
"""A whole number as text: '2024', '-7', '2024.0'."""
_INT64_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class Int(Step):
    """A whole number ('2024', '٢٠٢٤', '2024.0') as ``Int64``."""

    name: ClassVar[str] = "int"

    def output(self, given: FieldType) -> FieldType:
        return INT

    def apply(self, values: pd.Series) -> StepResult:
        texts = object_text(values.str.translate(DIGITS).str.strip(SPACES)).tolist()
        numbers = np.zeros(len(texts), dtype=np.int64)
        missing = np.ones(len(texts), dtype=bool)
        bad = np.zeros(len(texts), dtype=bool)
        for position, text in enumerate(texts):
            if not text:
                continue
            if (
                WHOLE_NUMBER.fullmatch(text)
                and abs(number := int(text.split(".")[0])) <= _INT64_LIMIT
            ):
                numbers[position] = number
                missing[position] = False
            else:
                bad[position] = True
        result = pd.Series(pd.arrays.IntegerArray(numbers, missing), index=values.index)
        if not bad.any():
            return StepResult(result)
        reasons = reasons_at(len(texts), bad, "is not a whole number")
        return StepResult(result, (ValueFailure("unparseable_int", bad, reasons),))
