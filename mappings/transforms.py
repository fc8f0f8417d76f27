"""The transforms a mapping file chains to turn a raw text column into a unified value.

Each transform is a ``Step``: a frozen dataclass built once when the mapping is loaded (its
parameters checked then) and applied to a whole ``pd.Series`` at a time. The engine applies a
field's steps to the *distinct* values of its source column and spreads the result back to the
rows, so a step sees each distinct text once; steps are vectorized anyway, for the columns whose
values hardly repeat (line numbers, names).

A step never turns a bad value into a silent null: a non-blank value it cannot convert is
returned as missing *and* reported as a ``ValueFailure`` (a problem name such as
``unparseable_date`` and a plain-language reason), which the engine turns into an issue row.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from hijridate import Hijri

from consolidation.core.money import AmountError, parse_amount
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

NS_FIRST_DAY = np.datetime64("1677-09-22", "D")
NS_LAST_DAY = np.datetime64("2262-04-11", "D")
"""The whole days that ``datetime64[ns]`` can hold."""

_NAT = np.iinfo(np.int64).min

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


def _text(values: pd.Series) -> pd.Series:
    """Object dtype of ``str`` or ``None``: NaN from pandas string ops becomes ``None``."""
    values = values.astype(object)
    missing = values.isna()
    if missing.any():
        values = values.where(~missing, None)
    return values


def _present(values: pd.Series) -> BoolArray:
    """Values that are there and not empty text."""
    return np.asarray(values.notna() & (values != ""), dtype=bool)


def _reasons(size: int, mask: BoolArray, reason: str) -> ObjectArray:
    out = np.full(size, None, dtype=object)
    out[mask] = reason
    return out


def _listing(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" … ({len(values)} in all)" if len(values) > limit else "")


@dataclass(frozen=True)
class Trim(Step):
    """Remove white space and invisible direction marks from both ends."""

    name: ClassVar[str] = "trim"

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(_text(values.str.strip(SPACES)))


@dataclass(frozen=True)
class CollapseSpaces(Step):
    """Turn every run of white space into one space."""

    name: ClassVar[str] = "collapse_spaces"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(_text(values.str.replace(r"\s+", " ", regex=True)))


@dataclass(frozen=True)
class Digits(Step):
    """Arabic-Indic and Persian digits to ASCII; ٫ to '.', ٬ removed. Other characters stay."""

    name: ClassVar[str] = "digits"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(_text(values.str.translate(DIGITS)))


@dataclass(frozen=True)
class DigitsOnly(Step):
    """Like ``digits``, then drop every character that is not a digit (CPR, phone numbers)."""

    name: ClassVar[str] = "digits_only"

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(
            _text(values.str.translate(DIGITS).str.replace(r"[^0-9]", "", regex=True))
        )


@dataclass(frozen=True)
class Upper(Step):
    name: ClassVar[str] = "upper"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(_text(values.str.upper()))


@dataclass(frozen=True)
class Lower(Step):
    name: ClassVar[str] = "lower"
    trims: ClassVar[bool | None] = None

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(_text(values.str.lower()))


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
        return StepResult(_text(padded.where(_present(values), values)))


def human_format(fmt: str) -> str:
    """A strptime format as a data steward reads it: '%d/%m/%Y' → 'dd/mm/yyyy'."""
    words = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%H": "HH", "%M": "MM"}
    words |= {"%S": "SS", "%b": "Mon", "%B": "Month", "%j": "ddd", "%%": "%"}
    return re.sub(r"%.", lambda match: words.get(match.group(0), match.group(0)), fmt)


def _in_formats(formats: tuple[str, ...]) -> str:
    human = [human_format(fmt) for fmt in formats]
    return f"the format {human[0]}" if len(human) == 1 else f"any of the formats {', '.join(human)}"


def _spoken_day(day: int) -> str:
    stamp = pd.Timestamp(np.datetime64(day, "D"))
    return f"{stamp.day} {stamp:%B %Y}"


def _check_formats(formats: tuple[str, ...] | None, what: str) -> tuple[str, ...]:
    if not formats:
        raise ParamError(
            "formats",
            f"'{what}' needs 'formats', the layouts of the source text, e.g. ['%d/%m/%Y']",
        )
    for fmt in formats:
        if "%" not in fmt:
            raise ParamError("formats", f"{fmt!r} is not a strptime format such as '%d/%m/%Y'")
    return formats


_HIJRI_PARTS = {"%d": r"(?P<d>[0-9]{1,2})", "%m": r"(?P<m>[0-9]{1,2})", "%Y": r"(?P<Y>[0-9]{4})"}


def _hijri_regex(fmt: str) -> re.Pattern[str]:
    pattern = ""
    for piece in re.split(r"(%.)", fmt):
        if piece == "%%":
            pattern += "%"
        elif piece.startswith("%") and len(piece) == 2:
            if piece not in _HIJRI_PARTS:
                raise ParamError(
                    "formats", f"a Hijri format may use only %d, %m and %Y (got {piece} in {fmt!r})"
                )
            pattern += _HIJRI_PARTS[piece]
        else:
            pattern += re.escape(piece)
    if any(part not in fmt for part in _HIJRI_PARTS):
        raise ParamError("formats", f"a Hijri format needs %d, %m and %Y (got {fmt!r})")
    return re.compile(pattern)


def _hijri_days(
    values: pd.Series, regex: re.Pattern[str]
) -> tuple[npt.NDArray[np.int64], ObjectArray]:
    """Day numbers (days since 1970-01-01, or the NaT sentinel) and conversion errors."""
    parts = values.str.fullmatch(regex.pattern)
    days = np.full(len(values), _NAT, dtype=np.int64)
    errors = np.full(len(values), None, dtype=object)
    matched = np.flatnonzero(parts.fillna(False).to_numpy(dtype=bool))
    if not len(matched):
        return days, errors
    fields = values.iloc[matched].str.extract(regex.pattern).astype(int)
    epoch = date(1970, 1, 1)
    cache: dict[tuple[int, int, int], int | str] = {}
    for position, year, month, day in zip(
        matched, fields["Y"].tolist(), fields["m"].tolist(), fields["d"].tolist(), strict=True
    ):
        key = (year, month, day)
        if key not in cache:
            try:
                gregorian = Hijri(year, month, day).to_gregorian()
                cache[key] = (date(gregorian.year, gregorian.month, gregorian.day) - epoch).days
            except (ValueError, OverflowError) as exc:
                cache[key] = str(exc)
        found = cache[key]
        if isinstance(found, int):
            days[position] = found
        else:
            errors[position] = found
    return days, errors


def _gregorian_days(values: pd.Series, fmt: str) -> npt.NDArray[np.int64]:
    """Day numbers of the values that parse under ``fmt`` (time of day dropped), else NaT."""
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    return np.asarray(parsed.to_numpy().astype("datetime64[D]").view(np.int64), dtype=np.int64)


def _real_date(text: str, formats: tuple[str, ...]) -> bool:
    """Whether ``text`` is a calendar date under one of the formats (pandas gives NaT for dates
    outside its range on some versions; this tells those apart from nonsense)."""
    for fmt in formats:
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return True
    return False


@dataclass(frozen=True)
class _DateParser:
    """Parse text dates under several explicit formats, reporting ambiguity instead of guessing."""

    formats: tuple[str, ...]
    calendar: Literal["gregorian", "hijri"]
    noun: str = "date"

    def parse(self, values: pd.Series) -> tuple[npt.NDArray[np.int64], tuple[ValueFailure, ...]]:
        texts = _text(values.str.translate(DIGITS).str.strip(SPACES))
        present = _present(texts)
        size = len(texts)
        hijri_errors = np.full(size, None, dtype=object)
        per_format = []
        for fmt in self.formats:
            if self.calendar == "hijri":
                days, errors = _hijri_days(texts, _hijri_regex(fmt))
                hijri_errors = np.where(pd.isna(hijri_errors), errors, hijri_errors)
            else:
                days = _gregorian_days(texts, fmt)
            per_format.append(days)
        stack = np.vstack(per_format)
        parsed = stack != _NAT
        first = stack[parsed.argmax(axis=0), np.arange(size)]
        any_parsed = parsed.any(axis=0)
        ambiguous = (parsed & (stack != first)).any(axis=0)
        dates = first.view("datetime64[D]")
        out_of_range = any_parsed & ~ambiguous & ((dates < NS_FIRST_DAY) | (dates > NS_LAST_DAY))
        unparsed = present & ~any_parsed
        failures = []
        if ambiguous.any():
            reasons = np.full(size, None, dtype=object)
            for position in np.flatnonzero(ambiguous):
                readings = [
                    f"{_spoken_day(int(day))} ({human_format(fmt)})"
                    for fmt, day in zip(self.formats, stack[:, position], strict=True)
                    if day != _NAT
                ]
                reasons[position] = (
                    f"is ambiguous: it reads as {' or as '.join(readings)}, "
                    "and the mapping cannot tell which is meant"
                )
            failures.append(ValueFailure("ambiguous_date", ambiguous, reasons))
        if unparsed.any() or out_of_range.any():
            calendar = "Hijri (Umm al-Qura) " if self.calendar == "hijri" else ""
            reasons = _reasons(
                size, unparsed, f"is not a {calendar}{self.noun} in {_in_formats(self.formats)}"
            )
            if self.calendar == "hijri":
                known = unparsed & pd.notna(hijri_errors)
                reasons[known] = [
                    f"is not a Hijri (Umm al-Qura) {self.noun}: {error}"
                    for error in hijri_errors[known]
                ]
            elif self.noun == "date":
                texts_array = texts.to_numpy(dtype=object)
                for position in np.flatnonzero(unparsed):
                    if _real_date(str(texts_array[position]), self.formats):
                        reasons[position] = None
                        out_of_range[position] = True
                        unparsed[position] = False
            reasons[out_of_range] = (
                f"is outside the dates the system can hold ({NS_FIRST_DAY} to {NS_LAST_DAY})"
            )
            failures.append(ValueFailure("unparseable_date", unparsed | out_of_range, reasons))
        days = np.where(any_parsed & ~ambiguous & ~out_of_range, first, _NAT)
        return days, tuple(failures)


@dataclass(frozen=True)
class Date(Step):
    """Parse text under explicit ``formats`` (tried in order) into ``datetime64[ns]``, time of
    day dropped. ``calendar: hijri`` reads Umm al-Qura Hijri dates (formats of %d %m %Y)."""

    name: ClassVar[str] = "date"
    params: ClassVar[tuple[str, ...]] = ("formats", "calendar")
    formats: tuple[str, ...] | None
    calendar: Literal["gregorian", "hijri"] = "gregorian"
    parser: _DateParser = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        formats = _check_formats(self.formats, self.name)
        if self.calendar == "hijri":
            for fmt in formats:
                _hijri_regex(fmt)
        object.__setattr__(self, "parser", _DateParser(formats, self.calendar))

    def output(self, given: FieldType) -> FieldType:
        return DATE

    def apply(self, values: pd.Series) -> StepResult:
        days, failures = self.parser.parse(values)
        dates = days.view("datetime64[D]").astype("datetime64[ns]")
        return StepResult(pd.Series(dates, index=values.index, dtype="datetime64[ns]"), failures)


def _months_text(dates: npt.NDArray[np.datetime64]) -> ObjectArray:
    """'YYYY-MM' of each date (None for NaT), formatting each distinct month once."""
    months = dates.astype("datetime64[M]").view(np.int64)
    codes, distinct = pd.factorize(months)
    labels = [
        None if month == _NAT else f"{1970 + month // 12:04d}-{month % 12 + 1:02d}"
        for month in distinct.tolist()
    ]
    return np.asarray([*labels, None], dtype=object)[codes]


@dataclass(frozen=True)
class Period(Step):
    """A date to its month 'YYYY-MM'; or a text month (e.g. '202403', '03/2024') read under
    ``formats`` and written 'YYYY-MM'."""

    name: ClassVar[str] = "period"
    params: ClassVar[tuple[str, ...]] = ("formats",)
    accepts: ClassVar[frozenset[FieldType]] = frozenset({TEXT, DATE})
    formats: tuple[str, ...] | None = None
    parser: _DateParser | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.formats is not None:
            parser = _DateParser(_check_formats(self.formats, self.name), "gregorian", "month")
            object.__setattr__(self, "parser", parser)

    def check_input(self, given: FieldType) -> None:
        """A text period needs its formats; a date's period needs none."""
        if given is TEXT and self.parser is None:
            raise ParamError(
                "formats",
                "'period' of a text needs 'formats', e.g. ['%Y%m'] or ['%m/%Y'] "
                "(or put 'date' before it)",
            )

    def apply(self, values: pd.Series) -> StepResult:
        if pd.api.types.is_datetime64_dtype(values.dtype):
            dates = values.to_numpy(dtype="datetime64[ns]")
            return StepResult(pd.Series(_months_text(dates), index=values.index, dtype=object))
        assert self.parser is not None
        days, failures = self.parser.parse(values)
        text = _months_text(days.view("datetime64[D]"))
        return StepResult(pd.Series(text, index=values.index, dtype=object), failures)


@dataclass(frozen=True)
class ParseMoney(Step):
    """An exact ``Decimal`` as written, through ``consolidation.core.money.parse_amount``; never
    rounded (``scale`` records the scale the source should have, for validation)."""

    name: ClassVar[str] = "money"
    params: ClassVar[tuple[str, ...]] = ("scale",)
    scale: int | None = None

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
        bad = np.zeros(len(texts), dtype=bool)
        try:
            amounts[present] = list(map(parse_amount, given))
        except AmountError:
            for position, text in zip(np.flatnonzero(present).tolist(), given, strict=True):
                try:
                    amounts[position] = parse_amount(text)
                except AmountError:
                    bad[position] = True
        result = pd.Series(amounts, index=values.index, dtype=object, copy=False)
        if not bad.any():
            return StepResult(result)
        reasons = _reasons(len(texts), bad, "is not an amount")
        return StepResult(result, (ValueFailure("unparseable_amount", bad, reasons),))


_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_INT64_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class Int(Step):
    """A whole number ('2024', '٢٠٢٤', '2024.0') as ``Int64``."""

    name: ClassVar[str] = "int"

    def output(self, given: FieldType) -> FieldType:
        return INT

    def apply(self, values: pd.Series) -> StepResult:
        texts = _text(values.str.translate(DIGITS).str.strip(SPACES)).tolist()
        numbers = np.zeros(len(texts), dtype=np.int64)
        missing = np.ones(len(texts), dtype=bool)
        bad = np.zeros(len(texts), dtype=bool)
        for position, text in enumerate(texts):
            if not text:
                continue
            if _WHOLE.fullmatch(text) and abs(number := int(text.split(".")[0])) <= _INT64_LIMIT:
                numbers[position] = number
                missing[position] = False
            else:
                bad[position] = True
        result = pd.Series(pd.arrays.IntegerArray(numbers, missing), index=values.index)
        if not bad.any():
            return StepResult(result)
        reasons = _reasons(len(texts), bad, "is not a whole number")
        return StepResult(result, (ValueFailure("unparseable_int", bad, reasons),))


@dataclass(frozen=True)
class _Translate(Step):
    """Replace each value by its entry in ``table`` (keys trimmed); a value that is not a key is a
    failure. An entry may map to None (blank) on purpose."""

    table: Mapping[str, str | None]
    ignore_case: bool

    @abstractmethod
    def missing(self, size: int, mask: BoolArray) -> ValueFailure: ...

    def apply(self, values: pd.Series) -> StepResult:
        keys = _text(values.str.strip(SPACES))
        if self.ignore_case:
            keys = _text(keys.str.casefold())
        known = np.asarray(keys.isin(list(self.table)), dtype=bool)
        mapped = keys.map(self.table).where(known, None)
        result = _text(mapped)
        bad = _present(keys) & ~known
        if not bad.any():
            return StepResult(result)
        return StepResult(result, (self.missing(len(keys), bad),))


def _keyed(table: Mapping[str, str | None], ignore_case: bool, param: str) -> dict[str, str | None]:
    keyed: dict[str, str | None] = {}
    for key, value in table.items():
        clean = key.strip(SPACES)
        if ignore_case:
            clean = clean.casefold()
        value = value.strip(SPACES) or None if value is not None else None
        if clean in keyed and keyed[clean] != value:
            raise ParamError(
                param, f"key {key!r} appears twice (after trimming/case) with different values"
            )
        keyed[clean] = value
    return keyed


@dataclass(frozen=True)
class Code(_Translate):
    """Translate source codes by ``map`` (keys matched after trim; exactly, or ignoring case with
    ``ignore_case: true``). An unmapped non-blank code is an ``unmapped_code`` issue."""

    name: ClassVar[str] = "code"
    params: ClassVar[tuple[str, ...]] = ("map", "ignore_case")

    @classmethod
    def build(cls, table: Mapping[str, str | None] | None, ignore_case: bool = False) -> Code:
        if not table:
            raise ParamError("map", "'code' needs 'map', e.g. {M: male, F: female}")
        return cls(MappingProxyType(_keyed(table, ignore_case, "map")), ignore_case)

    def missing(self, size: int, mask: BoolArray) -> ValueFailure:
        known = _listing(sorted(self.table))
        reason = f"is not one of the codes the mapping knows ({known})"
        return ValueFailure("unmapped_code", mask, _reasons(size, mask, reason))


@lru_cache(maxsize=64)
def _read_table(path: Path, stamp: tuple[int, int]) -> pd.DataFrame:
    """A lookup CSV as text; cached per file version (``stamp`` is its mtime and size)."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False
    )


def read_lookup(path: Path, key: str, value: str) -> dict[str, str | None]:
    """The ``key`` → ``value`` pairs of a lookup CSV (UTF-8, header row), read once per version."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ParamError("table", f"lookup table {path} does not exist") from None
    try:
        frame = _read_table(path.resolve(), (stat.st_mtime_ns, stat.st_size))
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = " ".join(str(exc).split())
        raise ParamError("table", f"lookup table {path} is not a UTF-8 CSV: {message}") from None
    for param, column in (("key", key), ("value", value)):
        if column not in frame.columns:
            raise ParamError(
                param,
                f"lookup table {path.name} has no column {column!r}; "
                f"it has: {', '.join(map(str, frame.columns))}",
            )
    pairs: dict[str, str | None] = {}
    for line, (k, v) in enumerate(zip(frame[key], frame[value], strict=True), start=2):
        k, v = k.strip(SPACES), v.strip(SPACES)
        if k in pairs and pairs[k] != (v or None):
            raise ParamError(
                "table",
                f"lookup table {path.name} line {line}: key {k!r} appears again with another value",
            )
        pairs[k] = v or None
    return pairs


@dataclass(frozen=True)
class Lookup(_Translate):
    """Translate through a CSV table beside the mapping file (``table``, ``key`` and ``value``
    columns). A non-blank value absent from the table is a ``lookup_missing`` issue."""

    name: ClassVar[str] = "lookup"
    params: ClassVar[tuple[str, ...]] = ("table", "key", "value", "ignore_case")
    source: str = ""
    key_column: str = ""

    @classmethod
    def build(
        cls,
        base_dir: Path,
        table: str | None,
        key: str | None,
        value: str | None,
        ignore_case: bool = False,
    ) -> Lookup:
        for param, given in (("table", table), ("key", key), ("value", value)):
            if not given:
                raise ParamError(
                    param, f"'lookup' needs 'table', 'key' and 'value'; '{param}' is missing"
                )
        assert table and key and value
        pairs = read_lookup(base_dir / table, key, value)
        return cls(MappingProxyType(_keyed(pairs, ignore_case, "table")), ignore_case, table, key)

    def missing(self, size: int, mask: BoolArray) -> ValueFailure:
        reason = f"is not in the lookup table {self.source} (column {self.key_column})"
        return ValueFailure("lookup_missing", mask, _reasons(size, mask, reason))


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
            return StepResult(_text(values.str.extract(_SPLIT_PARTS[self.part], expand=False)))
        assert self.index is not None
        return StepResult(_text(values.str.split().str[self.index]))


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
            part = _text(column.str.strip(SPACES)).to_numpy(dtype=object)
            blank = np.asarray(pd.isna(part) | (part == ""), dtype=bool)
            part = np.where(blank, "", part)
            glued = np.where(empty, part, joined + self.sep + part)
            joined = np.where(blank, joined, glued)
            empty &= blank
        joined[empty] = None
        return pd.Series(joined, index=columns[0].index, dtype="object")

    def apply(self, values: pd.Series) -> StepResult:
        return StepResult(values)


TRANSFORMS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        Trim,
        CollapseSpaces,
        Digits,
        DigitsOnly,
        Upper,
        Lower,
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
        values = _text(values)
        blank = values == ""
        if not trimmed:
            blank |= values.str.isspace().fillna(False).astype(bool)
        if blank.any():
            values = values.where(~blank, None)
    return Evaluated(values.reset_index(drop=True), failed, problems, reasons)


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
        if not _WHOLE.fullmatch(text.strip()):
            raise ParamError("default", f"expected a whole number (got {text!r})")
        return int(text.strip().split(".")[0])
    return text
