"""Every conversion of money goes through this module: ``Decimal`` end to end, never ``float``.

BHD has three decimals (fils). Amounts arrive as text from every connector; they are parsed
exactly, and an amount that cannot be parsed is reported, never defaulted to 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CURRENCY = "BHD"
SCALE = 3
FILS = Decimal(1).scaleb(-SCALE)
ZERO = Decimal("0.000")

# Arabic-Indic and Extended (Persian) digits, the Arabic decimal separator and thousands
# separators. Python's Decimal already accepts Unicode digits, but the separators need mapping.
_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
        "\u066c": "",  # ARABIC THOUSANDS SEPARATOR
        ",": "",
        "\u00a0": "",
        " ": "",
    }
)


_PLAIN = r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$"
"""An amount Decimal reads as written and that fits an int64 in millionths."""


MAX_AMOUNT = Decimal(10) ** 15
"""The store holds amounts as NUMERIC(18, 3) (integer fils on SQLite): under 10^15 exactly."""


class AmountError(ValueError):
    """A text that is not an amount; ``problem`` names the way (a quarantine rule's last part)."""

    problem = "unparseable_amount"
    reason = "is not an amount"


class AmountNotationError(AmountError):
    """An amount in scientific notation (``1e3``): an export's or a spreadsheet's rendering,
    never how a ledger writes money; read as an issue for a person, not guessed."""

    problem = "scientific_notation"
    reason = "is in scientific notation; the amount must be written out"


class AmountRangeError(AmountError):
    """An amount the store cannot hold exactly."""

    problem = "amount_out_of_range"
    reason = "is beyond what the store holds exactly (NUMERIC(18,3): under 10^15)"


def parse_amount(text: str | None) -> Decimal | None:
    """Parse a source amount exactly; ``None`` or blank is ``None``; anything else raises.

    Accepts ASCII, Arabic-Indic and Persian digits, the Arabic decimal separator and thousands
    separators. Refuses NaN, infinities, any text that is not a number (``AmountError``),
    scientific notation (``AmountNotationError``) and amounts of 10^15 or more
    (``AmountRangeError``).
    """
    if text is None:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        cleaned = str(text).translate(_DIGITS).strip()
        if not cleaned:
            return None
        try:
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError) as exc:
            raise AmountError(f"{text!r} is not an amount") from exc
    if not value.is_finite():
        raise AmountError(f"{text!r} is not a finite amount")
    if "e" in str(text).lower():
        raise AmountNotationError(f"{str(text)[:40]!r} is in scientific notation")
    if abs(value) >= MAX_AMOUNT:
        raise AmountRangeError(f"{str(text)[:40]!r} is too large for the store")
    return value


def decimal_places(value: Decimal) -> int:
    """How many significant decimals an amount carries: '1.2345' has 4, '1387.4460' has 3.

    Trailing zeros are not precision: a legacy ledger keeping four decimals writes 12.5000.
    """
    if value.is_zero():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def quantize(value: Decimal) -> Decimal:
    """Round to fils, half up, as Odoo rounds BHD."""
    return value.quantize(FILS, rounding=ROUND_HALF_UP)


def from_float(value: float) -> Decimal:
    """A float that a foreign system returned (Odoo over XML-RPC), made exact at fils."""
    return quantize(Decimal(str(value)))


def control_text(value: Decimal) -> str:
    """A control total as text: at fils when it is exact at fils, else every decimal it has."""
    at_fils = value.quantize(FILS)
    return str(at_fils) if at_fils == value else f"{value.normalize():f}"


def to_fils(value: Decimal) -> int:
    """An amount of at most three decimals as an integer number of fils."""
    fils = value.scaleb(SCALE)
    if fils != fils.to_integral_value():
        raise AmountError(f"{value} has more than {SCALE} decimals")
    return int(fils)


def from_fils(fils: int) -> Decimal:
    return Decimal(fils).scaleb(-SCALE)


@dataclass
class AmountSum:
    """An exact running sum of text amounts, counting what could not be parsed."""

    total: Decimal = ZERO
    parsed: int = 0
    blank: int = 0
    unparseable: int = 0

    def add_texts(self, texts: Iterable[str | None]) -> None:
        total = self.total
        for text in texts:
            if text is None or text != text:  # None or NaN from pandas
                self.blank += 1
                continue
            try:
                value = parse_amount(text)
            except AmountError:
                self.unparseable += 1
                continue
            if value is None:
                self.blank += 1
            else:
                total += value
                self.parsed += 1
        self.total = total

    def add_array(self, values: pa.Array | pa.ChunkedArray) -> None:
        """``add_texts`` over an Arrow text column: plain amounts (``-1234.500``: ASCII digits,
        at most 12 before the point and 6 after) are summed exactly as integers in C; every
        other text goes through ``parse_amount`` one by one, as in ``add_texts``."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        self.blank += values.null_count
        plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN), False)
        amounts = values.filter(plain)
        if len(amounts):
            negative = pc.starts_with(amounts, "-").to_numpy(zero_copy_only=False)
            unsigned = pc.utf8_ltrim(amounts, "-")
            point = pc.find_substring(unsigned, ".").to_numpy()
            length = pc.utf8_length(unsigned).to_numpy()
            places = np.where(point < 0, 0, length - point - 1)
            widest = int(places.max())
            digits = pc.cast(pc.replace_substring(unsigned, ".", ""), pa.int64()).to_numpy()
            units = digits * np.power(10, widest - places, dtype=np.int64)
            units = np.where(negative, -units, units)
            # A Python int sum cannot overflow; the Decimal keeps the widest decimals seen.
            self.total += Decimal(sum(units.tolist())).scaleb(-widest)
            self.parsed += len(amounts)
        others = values.filter(pc.and_(pc.invert(plain), pc.is_valid(values)))
        if len(others):
            self.add_texts(others.to_pylist())

    def merge(self, other: AmountSum) -> None:
        self.total += other.total
        self.parsed += other.parsed
        self.blank += other.blank
        self.unparseable += other.unparseable
