"""Running a field's chain of steps over a column: typed values, and the first failure of each
value with its reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mappings.transforms.base import (
    SPACES,
    TEXT,
    BoolArray,
    ObjectArray,
    Step,
    object_text,
)


@dataclass(frozen=True)
class Evaluated:
    """A column run through a field's steps: typed values, and what failed and why (``problems``
    and ``reasons`` are None when nothing failed)."""

    values: pd.Series
    failed: BoolArray
    problems: ObjectArray | None
    reasons: ObjectArray | None


def blank_out(values: pd.Series, blank: frozenset[str]) -> pd.Series:
    """Texts declared to mean 'no value' (e.g. '00/00/0000'), compared trimmed, become None."""
    if not blank:
        return values
    return values.where(~values.str.strip(SPACES).isin(list(blank)), None)


def run_steps(values: pd.Series, steps: tuple[Step, ...], *, trimmed: bool = False) -> Evaluated:
    """Apply ``steps`` in order to text ``values``; the first failure of a value is kept.

    A text result that is blank (empty, or only white space) becomes None; ``trimmed`` says the
    input has no white space at its ends (so only empty texts need looking for).
    """
    size = len(values)
    failed = np.zeros(size, dtype=bool)
    problems: ObjectArray | None = None
    reasons: ObjectArray | None = None
    kind = TEXT
    for step in steps:
        result = step.apply(values)
        for failure in result.failures:
            if problems is None or reasons is None:
                problems = np.full(size, None, dtype=object)
                reasons = np.full(size, None, dtype=object)
            new = failure.mask & ~failed
            failed |= new
            problems[new] = failure.problem
            reasons[new] = failure.reasons[new]
        kind = step.output(kind)
        trimmed = trimmed if step.trims is None else step.trims
        values = result.values
    if kind is TEXT:
        values = object_text(values)
        blank = values == ""
        if not trimmed:
            blank |= values.str.isspace().fillna(False).astype(bool)
        if blank.any():
            values = values.where(~blank, None)
    return Evaluated(values.reset_index(drop=True), failed, problems, reasons)
