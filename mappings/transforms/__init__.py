"""The transforms a mapping file chains to turn a raw text column into a unified value.

Each transform is a ``Step`` (``base``): a frozen dataclass built once when the mapping is loaded
(its parameters checked then) and applied to a whole ``pd.Series`` at a time. The steps live by
what they read: ``text``, ``dates``, ``numeric`` and ``codes``; ``registry`` names them for the
mapping file and ``chain`` runs a field's steps. The engine applies a field's steps to the
*distinct* values of its source column and spreads the result back to the rows, so a step sees
each distinct text once; steps are vectorized anyway, for the columns whose values hardly repeat
(line numbers, names).

A step never turns a bad value into a silent null: a non-blank value it cannot convert is
returned as missing *and* reported as a ``ValueFailure`` (a problem name such as
``unparseable_date`` and a plain-language reason), which the engine turns into an issue row.
"""

from mappings.transforms.base import (
    DIGITS,
    SPACES,
    ParamError,
    Step,
    StepResult,
    ValueFailure,
)
from mappings.transforms.chain import Evaluated, blank_out, run_steps
from mappings.transforms.codes import Code, Lookup, read_lookup
from mappings.transforms.dates import Date, Period, human_format
from mappings.transforms.numeric import Int, ParseMoney
from mappings.transforms.registry import PARAMS, TRANSFORMS, make_step, parse_const
from mappings.transforms.text import (
    CollapseSpaces,
    Digits,
    DigitsOnly,
    Iban,
    Join,
    Lower,
    Pad,
    Split,
    Trim,
    Upper,
    compact_iban,
)

__all__ = [
    "DIGITS",
    "PARAMS",
    "SPACES",
    "TRANSFORMS",
    "Code",
    "CollapseSpaces",
    "Date",
    "Digits",
    "DigitsOnly",
    "Evaluated",
    "Iban",
    "Int",
    "Join",
    "Lookup",
    "Lower",
    "Pad",
    "ParamError",
    "ParseMoney",
    "Period",
    "Split",
    "Step",
    "StepResult",
    "Trim",
    "Upper",
    "ValueFailure",
    "blank_out",
    "compact_iban",
    "human_format",
    "make_step",
    "parse_const",
    "read_lookup",
    "run_steps",
]
