"""What a column's sample values look like: dates and their formats, periods, amounts, whole
numbers, CPRs, IBANs, e-mails, phones, Arabic or Latin text, codes with few distinct values —
and the writing a mapping must cope with (Arabic-Indic digits, the Arabic decimal and thousands
separators, thousands commas, a decimal comma).

Dates are read under explicit candidate formats, never guessed: ``DateReading`` says which
formats cover the sample and whether day and month could be the other way round.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mappings.scaffold.vocabulary import tokens
from mappings.transforms import DIGITS, SPACES

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d-%b-%y",
    "%Y%m%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)
"""The layouts a date column is tried under, day before month first (the order Bahrain writes)."""

SWAPPED = {
    "%d/%m/%Y": "%m/%d/%Y",
    "%d-%m-%Y": "%m-%d-%Y",
    "%d/%m/%y": "%m/%d/%y",
    "%d/%m/%Y %H:%M:%S": "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M",
}
SWAPPED |= {swapped: plain for plain, swapped in list(SWAPPED.items())}
"""Each format with day and month the other way round."""

PERIOD_FORMATS = ("%Y%m", "%Y-%m", "%Y/%m", "%m/%Y", "%m-%Y", "%b %Y", "%b-%Y", "%B %Y")
_HIJRI_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y")
_DATE_TOKENS = frozenset({"date", "birth", "hire", "join", "appointment", "end", "day", "dob"})

_INT = re.compile(r"[+-]?[0-9]+")
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+|[0-9]+,[0-9]{1,2})")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"(?:\+|00)?[0-9][0-9 ()-]{6,17}")
_ARABIC_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_ARABIC_SEPARATOR = re.compile("[\u066b\u066c]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class DateReading:
    """How a column's sample reads as dates (or months, for a period)."""

    formats: tuple[str, ...]
    """The formats that together read the sample, most values first."""
    calendar: Literal["gregorian", "hijri"]
    share: float
    """The part of the non-blank sample values some format reads."""
    unread: tuple[str, ...] = ()
    """Some values no format reads."""
    order_unknown: bool = False
    """dd/mm against mm/dd stays open: no sample has a day over 12."""
    both_orders: bool = False
    """Some samples read only as dd/mm, others only as mm/dd."""


@dataclass(frozen=True)
class ColumnProfile:
    """A column's name (as tokens) and what its sample values are."""

    name: str
    tokens: tuple[str, ...]
    count: int
    """Non-blank sample values."""
    counts: Counter[str] = field(repr=False)
    """Each distinct trimmed value and how often it occurs."""
    shares: dict[str, float]
    """The part of the non-blank values of each kind: int, amount, decimal, cpr, vat (15
    digits), cr (a commercial registration, 12345-1), iban, email, phone, arabic, latin,
    spaces."""
    arabic_digits: int = 0
    arabic_separators: int = 0
    thousands: int = 0
    decimal_comma: int = 0
    decimals: int = 0
    """The most decimals an amount of the sample is written with."""
    blanks: int = 0
    """Blank sample values (empty, white space or missing)."""
    date: DateReading | None = None
    period: DateReading | None = None

    @property
    def distinct(self) -> int:
        return len(self.counts)

    @property
    def empty(self) -> bool:
        return self.count == 0

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)

    @property
    def is_date(self) -> bool:
        return self.date is not None and self.date.share >= 0.8

    @property
    def is_period(self) -> bool:
        return self.period is not None and self.period.share >= 0.8

    @property
    def few_values(self) -> bool:
        """A code column: few distinct values, each repeated (status, gender, component)."""
        return self.count >= 8 and self.distinct <= min(15, self.count // 3)

    def values(self) -> list[str]:
        """The distinct values, most frequent first (then as first seen)."""
        return [value for value, _ in self.counts.most_common()]


def profile(name: str, values: Iterable[str | None]) -> ColumnProfile:
    """The profile of one column from its sample values (text or None)."""
    counts: Counter[str] = Counter()
    blanks = 0
    for value in values:
        text = "" if value is None else str(value).strip(SPACES)
        if text:
            counts[text] += 1
        else:
            blanks += 1
    total = sum(counts.values())
    words = tokens(name)
    if not total:
        return ColumnProfile(name, words, 0, counts, {}, blanks=blanks)
    weight: Counter[str] = Counter()
    decimals = 0
    for text, times in counts.items():
        plain = text.translate(DIGITS)
        compact = re.sub(r"[\s-]", "", plain)
        comma = bool(_DECIMAL_COMMA.fullmatch(plain)) and not _THOUSANDS.fullmatch(plain)
        kinds = {
            "int": bool(_INT.fullmatch(plain)),
            "amount": bool(_AMOUNT.fullmatch(plain)) or comma,
            "decimal": "." in plain and bool(_AMOUNT.fullmatch(plain)),
            "cpr": bool(re.fullmatch(r"[0-9]{9}", compact)),
            "vat": bool(re.fullmatch(r"[0-9]{15}", compact)),
            "cr": bool(re.fullmatch(r"[0-9]{2,6}-[0-9]{1,2}", plain)),
            "iban": bool(_IBAN.fullmatch(compact.upper())),
            "email": bool(_EMAIL.fullmatch(text)),
            "phone": bool(_PHONE.fullmatch(plain)) and 8 <= len(re.sub(r"\D", "", plain)) <= 15,
            "arabic": bool(_ARABIC_LETTER.search(text)),
            "latin": bool(_LATIN_LETTER.search(text)),
            "spaces": " " in text,
            "arabic_digits": bool(_ARABIC_DIGIT.search(text)),
            "arabic_separators": bool(_ARABIC_SEPARATOR.search(text)),
            "thousands": bool(_THOUSANDS.fullmatch(plain)),
            "decimal_comma": comma,
        }
        for kind, present in kinds.items():
            if present:
                weight[kind] += times
        if kinds["amount"] and "." in plain:
            decimals = max(decimals, len(plain.rsplit(".", 1)[1]))
    numeric_name = bool(_DATE_TOKENS & set(words))
    return ColumnProfile(
        name=name,
        tokens=words,
        count=total,
        counts=counts,
        shares={kind: weight[kind] / total for kind in weight},
        arabic_digits=weight["arabic_digits"],
        arabic_separators=weight["arabic_separators"],
        thousands=weight["thousands"],
        decimal_comma=weight["decimal_comma"],
        decimals=decimals,
        blanks=blanks,
        date=read_dates(counts, numeric_formats=numeric_name),
        period=read_periods(counts),
    )


def _gregorian(text: str, fmt: str) -> datetime | None:
    try:
        moment = datetime.strptime(text, fmt)
    except ValueError:
        return None
    return moment if 1850 <= moment.year <= 2200 else None


_HIJRI_PART = {"%d": r"(?P<d>[0-9]{1,2})", "%m": r"(?P<m>[0-9]{1,2})", "%Y": r"(?P<Y>[0-9]{4})"}


def _hijri_pattern(fmt: str) -> re.Pattern[str]:
    pieces = re.split(r"(%.)", fmt)
    return re.compile("".join(_HIJRI_PART.get(piece, re.escape(piece)) for piece in pieces))


def _hijri(text: str, fmt: str) -> tuple[int, int, int] | None:
    found = _hijri_pattern(fmt).fullmatch(text)
    if found is None:
        return None
    year, month, day = int(found["Y"]), int(found["m"]), int(found["d"])
    if 1300 <= year <= 1500 and 1 <= month <= 12 and 1 <= day <= 30:
        return year, month, day
    return None


def read_dates(counts: Counter[str], *, numeric_formats: bool = True) -> DateReading | None:
    """The formats that read the sample as dates, or None if hardly any value is a date.
    A format without separators (``%Y%m%d``) is tried only for a column named like a date."""
    texts = _dated(counts, 6, 26)
    candidates = [f for f in DATE_FORMATS if numeric_formats or re.search(r"[^%A-Za-z]", f)]
    gregorian = {
        fmt: {text for text, plain in texts.items() if _gregorian(plain, fmt) is not None}
        for fmt in candidates
    }
    hijri = {
        fmt: {text for text, plain in texts.items() if _hijri(plain, fmt) is not None}
        for fmt in _HIJRI_FORMATS
    }
    best_gregorian = _cover(gregorian, counts)
    best_hijri = _cover(hijri, counts)
    calendar: Literal["gregorian", "hijri"] = "gregorian"
    chosen, readers = best_gregorian, gregorian
    if _weight(best_hijri, hijri, counts) > _weight(best_gregorian, gregorian, counts):
        calendar, chosen, readers = "hijri", best_hijri, hijri
    if not chosen:
        return None
    read = set().union(*(readers[fmt] for fmt in chosen))
    total = sum(counts.values())
    share = sum(counts[text] for text in read) / total
    order_unknown = False
    both = False
    for fmt in chosen:
        other = SWAPPED.get(fmt)
        if other is None:
            continue
        if other in chosen:
            both = True
        elif readers.get(other, set()) >= readers[fmt] and any(
            _day_and_month_differ(texts[text], fmt) for text in readers[fmt]
        ):
            order_unknown = True
    unread = tuple(text for text in counts if text not in read)[:3]
    return DateReading(chosen, calendar, share, unread, order_unknown, both)


def _dated(counts: Counter[str], shortest: int, longest: int) -> dict[str, str]:
    """The values that may be dates (a digit, a plausible length), with ASCII digits."""
    plain = {text: text.translate(DIGITS) for text in counts}
    return {
        text: ascii_text
        for text, ascii_text in plain.items()
        if shortest <= len(ascii_text) <= longest and any(c.isdigit() for c in ascii_text)
    }


def _day_and_month_differ(text: str, fmt: str) -> bool:
    moment = _gregorian(text, fmt)
    return moment is not None and moment.day != moment.month


def read_periods(counts: Counter[str]) -> DateReading | None:
    """The formats that read the sample as months ('202406', '06/2024', '2024-06')."""
    texts = _dated(counts, 6, 14)
    readers = {
        fmt: {text for text, plain in texts.items() if _gregorian(plain, fmt) is not None}
        for fmt in PERIOD_FORMATS
    }
    chosen = _cover(readers, counts)
    if not chosen:
        return None
    read = set().union(*(readers[fmt] for fmt in chosen))
    share = sum(counts[text] for text in read) / sum(counts.values())
    unread = tuple(text for text in counts if text not in read)[:3]
    return DateReading(chosen, "gregorian", share, unread)


def _weight(chosen: Sequence[str], readers: dict[str, set[str]], counts: Counter[str]) -> int:
    read = set().union(*(readers[fmt] for fmt in chosen)) if chosen else set()
    return sum(counts[text] for text in read)


def _cover(readers: dict[str, set[str]], counts: Counter[str], most: int = 3) -> tuple[str, ...]:
    """Formats chosen greedily, each reading the most values the earlier ones left unread
    (ties to the earlier candidate); one that adds under 1% of the sample is not worth it."""
    total = sum(counts.values())
    left = set(counts)
    chosen: list[str] = []
    while left and len(chosen) < most:
        gains = {fmt: sum(counts[text] for text in read & left) for fmt, read in readers.items()}
        best = max(gains, key=lambda fmt: gains[fmt], default=None)
        if best is None or gains[best] == 0:
            break
        if chosen and gains[best] < max(1, total // 100):
            break
        chosen.append(best)
        left -= readers[best]
    return tuple(chosen)
