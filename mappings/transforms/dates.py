"""Steps that read dates: ``date`` (Gregorian or Umm al-Qura Hijri, under explicit formats, never
guessing) and ``period`` (a month written 'YYYY-MM')."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from hijridate import Hijri

from consolidation.core.unified import FieldType
from mappings.transforms.base import (
    DATE,
    DIGITS,
    SPACES,
    TEXT,
    ObjectArray,
    ParamError,
    Step,
    StepResult,
    ValueFailure,
    non_blank,
    object_text,
    reasons_at,
)

NS_FIRST_DAY = np.datetime64("1677-09-22", "D")
NS_LAST_DAY = np.datetime64("2262-04-11", "D")
"""The whole days that ``datetime64[ns]`` can hold."""

_NAT = np.iinfo(np.int64).min


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
        texts = object_text(values.str.translate(DIGITS).str.strip(SPACES))
        present = non_blank(texts)
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
            reasons = reasons_at(
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
