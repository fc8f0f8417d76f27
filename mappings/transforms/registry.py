"""What a mapping file may write: every transform by name, building one from the parameters
written beside it, and reading a ``default`` as a value of its field's kind."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from consolidation.core.money import AmountError, parse_amount
from consolidation.core.unified import FieldType
from mappings.transforms.base import DATE, INT, MONEY, ParamError, Step
from mappings.transforms.codes import Code, Lookup
from mappings.transforms.dates import Date, Period
from mappings.transforms.numeric import WHOLE_NUMBER, Int, ParseMoney
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
)

TRANSFORMS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        Trim,
        CollapseSpaces,
        Digits,
        DigitsOnly,
        Upper,
        Lower,
        Iban,
        Pad,
        Date,
        Period,
        ParseMoney,
        Int,
        Code,
        Lookup,
        Join,
        Split,
    )
}
"""Every transform a mapping file may name, by name."""

PARAMS: frozenset[str] = frozenset(param for cls in TRANSFORMS.values() for param in cls.params)
"""Every parameter some transform reads."""


def make_step(name: str, params: Mapping[str, Any], base_dir: Path) -> Step:
    """Build the transform ``name`` from the parameters written beside it (``None`` = absent).

    Raises ``KeyError`` for an unknown name and ``ParamError`` for a wrong or missing parameter.
    """
    cls = TRANSFORMS[name]
    given = {param: params[param] for param in cls.params if params.get(param) is not None}
    if cls is Code:
        return Code.build(given.get("map"), bool(given.get("ignore_case", False)))
    if cls is Lookup:
        return Lookup.build(
            base_dir,
            given.get("table"),
            given.get("key"),
            given.get("value"),
            bool(given.get("ignore_case", False)),
        )
    if cls is Pad and "pad" not in given:
        raise ParamError("pad", "'pad' needs 'pad', the width to pad to, e.g. pad: 9")
    if cls is Date and "formats" not in given:
        given["formats"] = None
    if "formats" in given and given["formats"] is not None:
        given["formats"] = tuple(given["formats"])
    return cls(**given)


def parse_const(text: str, kind: FieldType) -> Any:
    """A ``default`` written in the mapping file, as a value of the field's kind."""
    if kind is MONEY:
        try:
            return parse_amount(text)
        except AmountError as exc:
            raise ParamError("default", f"expected an amount such as '0.000' ({exc})") from None
    if kind is DATE:
        try:
            return np.datetime64(datetime.strptime(text, "%Y-%m-%d"), "ns")
        except ValueError:
            raise ParamError("default", f"expected a date as YYYY-MM-DD (got {text!r})") from None
    if kind is INT:
        if not WHOLE_NUMBER.fullmatch(text.strip()):
            raise ParamError("default", f"expected a whole number (got {text!r})")
        return int(text.strip().split(".")[0])
    return text
