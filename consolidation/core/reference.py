"""Reference data the pipeline stands on: the unified chart, the crosswalks, the fiscal calendar.

They are lookup tables reviewed like code:

- ``mappings/reference/unified_chart.csv`` (code, name_ar, name_en, account_type, parent_code):
  the central chart, owned by the central body; an addition to it is a reviewed change there.
- ``mappings/<ministry>/crosswalk.csv`` (source_code, unified_code): a ministry's account codes
  onto the central chart, kept with its mapping files (``<ministry>`` is the ministry's code in
  lower case). The older single file ``mappings/reference/account_crosswalk.csv`` (ministry,
  source_code, unified_code) is still read.
- ``mappings/reference/calendar.yaml``: the fiscal years, each ``open``, ``closed`` or
  ``migration`` (a past year opened explicitly so that its ledger migrates as history), and the
  periods closed within open years. A ministry may add or override years in
  ``mappings/<ministry>/calendar.yaml``.

A problem in one ministry's files is that ministry's: it is reported against the finance sources
of that ministry, and every other source still runs. A problem in the central chart or calendar
stops the finance sources only; HR sources use none of these.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from consolidation.core.config_file import load_model
from consolidation.core.errors import ConfigError
from consolidation.core.schema import Account, AccountCrosswalk, Ministry

CHART_COLUMNS = ("code", "name_ar", "name_en", "account_type", "parent_code")
CROSSWALK_COLUMNS = ("source_code", "unified_code")
LEGACY_CROSSWALK_COLUMNS = ("ministry", "source_code", "unified_code")
CROSSWALK_FILE = "crosswalk.csv"
CALENDAR_FILE = "calendar.yaml"

YearStatus = Literal["open", "closed", "migration"]


class FiscalCalendar(BaseModel):
    """Fiscal years by status, and periods closed within open years.

    ``open_years: [2025]`` (the older form) declares each year open."""

    model_config = ConfigDict(extra="forbid")

    fiscal_years: dict[int, YearStatus] = Field(default_factory=dict)
    open_years: list[int] = Field(default_factory=list)
    closed_periods: list[str] = Field(default_factory=list)

    @field_validator("closed_periods")
    @classmethod
    def _periods(cls, periods: list[str]) -> list[str]:
        for period in periods:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
                raise ValueError(f"{period!r} is not a period; expected YYYY-MM")
        return periods

    @model_validator(mode="after")
    def _no_year_twice(self) -> FiscalCalendar:
        twice = sorted(set(self.open_years) & set(self.fiscal_years))
        if twice:
            raise ValueError(f"year {twice[0]} is in both open_years and fiscal_years; keep one")
        return self

    def years(self) -> dict[int, YearStatus]:
        return {**dict.fromkeys(self.open_years, "open"), **self.fiscal_years}

    def over(self, central: FiscalCalendar) -> FiscalCalendar:
        """This (a ministry's) calendar laid over the central one: its years win."""
        years = {**central.years(), **self.years()}
        return FiscalCalendar(
            fiscal_years=years,
            closed_periods=sorted({*central.closed_periods, *self.closed_periods}),
        )

    def open_periods(self) -> set[str]:
        """Periods an entry may post to: every month of an open or migration year, but those
        closed."""
        periods = {
            f"{year}-{month:02d}"
            for year, status in self.years().items()
            if status != "closed"
            for month in range(1, 13)
        }
        return periods - set(self.closed_periods)


@dataclass(frozen=True)
class LedgerReference:
    """What a ministry's finance sources are checked against."""

    crosswalk: set[str]
    """Source account codes the ministry's crosswalk maps to the central chart."""
    open_periods: set[str]
    declared_years: set[int]
    calendar_file: Path
    """Where the ministry declares a year of its own."""
    links: dict[str, str] = field(default_factory=dict)
    """Source account code → unified account code."""


@dataclass
class ReferenceData:
    ledgers: dict[str, LedgerReference] = field(default_factory=dict)
    """Per ministry code."""
    problems: dict[str, str] = field(default_factory=dict)
    """Per ministry code: why its reference data cannot be used (one line)."""
    central_problem: str | None = None
    """Why no ministry's can (the unified chart or the central calendar is wrong)."""
    accounts: int = 0
    chart: list[dict[str, str]] = field(default_factory=list)
    """The unified chart's rows as read."""

    def ledger(self, ministry: str) -> LedgerReference:
        """The ministry's reference data, or its problem as a ConfigError."""
        if self.central_problem is not None:
            raise ConfigError(self.central_problem)
        problem = self.problems.get(ministry)
        if problem is not None:
            raise ConfigError(problem)
        return self.ledgers[ministry]

    def problem(self, ministry: str) -> str | None:
        return self.central_problem or self.problems.get(ministry)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(
                    f"{path}:1: header lacks column {missing[0]!r}; expected {', '.join(columns)}"
                )
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def read_reference(directory: Path, ministries: list[str]) -> ReferenceData:
    """Each ministry's crosswalk, open periods and declared years, and what is wrong where,
    from the files alone (``sources check`` reads them so, without a store). ``directory`` is
    the mappings folder's ``reference/``; ministries' files are beside it."""
    data = ReferenceData()
    try:
        data.chart = _read_chart(directory / "unified_chart.csv")
        central = load_model(directory / CALENDAR_FILE, FiscalCalendar)
        if not central.years():
            raise ConfigError(f"{directory / CALENDAR_FILE}: declares no fiscal year")
        codes = {row["code"] for row in data.chart}
        legacy = _legacy_crosswalk(directory / "account_crosswalk.csv", codes, data.problems)
    except ConfigError as exc:
        data.central_problem = str(exc)
        return data
    data.accounts = len(codes)
    for ministry in ministries:
        folder = directory.parent / ministry.lower()
        if ministry in data.problems:
            continue
        try:
            rows = dict(legacy.get(ministry, {}))
            if (folder / CROSSWALK_FILE).is_file():
                rows.update(_ministry_crosswalk(folder / CROSSWALK_FILE, codes))
            calendar = central
            if (folder / CALENDAR_FILE).is_file():
                calendar = load_model(folder / CALENDAR_FILE, FiscalCalendar).over(central)
        except ConfigError as exc:
            data.problems[ministry] = str(exc)
            continue
        data.ledgers[ministry] = LedgerReference(
            crosswalk=set(rows),
            open_periods=calendar.open_periods(),
            declared_years=set(calendar.years()),
            calendar_file=folder / CALENDAR_FILE,
            links=rows,
        )
    return data


def load_reference(
    session: Session, directory: Path, ministries: list[str] | None = None
) -> ReferenceData:
    """``read_reference``, then the unified chart and every good crosswalk upserted into the
    store. ``ministries`` are the ministry codes of the sources config (those in the store
    when None)."""
    known = {m.code: m.id for m in session.scalars(sa.select(Ministry))}
    data = read_reference(directory, ministries if ministries is not None else sorted(known))
    if data.central_problem is not None:
        return data
    accounts = _upsert_chart(session, data.chart)
    existing = {
        (c.ministry_id, c.source_code): c for c in session.scalars(sa.select(AccountCrosswalk))
    }
    for ministry, ledger in data.ledgers.items():
        ministry_id = known.get(ministry)
        if ministry_id is None:
            continue  # not registered yet: its crosswalk reaches the store on the next run
        for source_code, unified_code in ledger.links.items():
            link = existing.get((ministry_id, source_code))
            if link is None:
                link = AccountCrosswalk(ministry_id=ministry_id, source_code=source_code)
                session.add(link)
            link.account_id = accounts[unified_code].id
    session.flush()
    return data


def _read_chart(path: Path) -> list[dict[str, str]]:
    chart = _read_csv(path, CHART_COLUMNS)
    codes: set[str] = set()
    for line, row in enumerate(chart, start=2):
        if not row["code"]:
            raise ConfigError(f"{path}:{line}: code is empty")
        if row["code"] in codes:
            raise ConfigError(f"{path}:{line}: code {row['code']!r} is listed twice")
        codes.add(row["code"])
    for line, row in enumerate(chart, start=2):
        parent = row["parent_code"]
        if parent and parent not in codes:
            raise ConfigError(f"{path}:{line}: parent_code {parent!r} is not in the chart")
    return chart


def _upsert_chart(session: Session, chart: list[dict[str, str]]) -> dict[str, Account]:
    accounts = {a.code: a for a in session.scalars(sa.select(Account))}
    for row in chart:
        account = accounts.get(row["code"])
        if account is None:
            account = accounts[row["code"]] = Account(code=row["code"])
            session.add(account)
        account.name_ar = row["name_ar"] or None
        account.name_en = row["name_en"] or None
        account.account_type = row["account_type"]
    session.flush()
    for row in chart:
        parent = row["parent_code"]
        accounts[row["code"]].parent_id = accounts[parent].id if parent else None
    return accounts


def _ministry_crosswalk(path: Path, accounts: Collection[str]) -> dict[str, str]:
    rows: dict[str, str] = {}
    for line, row in enumerate(_read_csv(path, CROSSWALK_COLUMNS), start=2):
        _check_row(path, line, row, accounts, rows)
        rows[row["source_code"]] = row["unified_code"]
    return rows


def _legacy_crosswalk(
    path: Path, accounts: Collection[str], problems: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The older single crosswalk, per ministry; a wrong row is its ministry's problem (its
    first one), a wrong header every ministry's."""
    if not path.is_file():
        return {}
    found: dict[str, dict[str, str]] = {}
    for line, row in enumerate(_read_csv(path, LEGACY_CROSSWALK_COLUMNS), start=2):
        rows = found.setdefault(row["ministry"], {})
        try:
            _check_row(path, line, row, accounts, rows)
        except ConfigError as exc:
            problems.setdefault(row["ministry"], str(exc))
            continue
        rows[row["source_code"]] = row["unified_code"]
    return found


def _check_row(
    path: Path, line: int, row: dict[str, str], accounts: Collection[str], rows: dict[str, str]
) -> None:
    where = f"{path}:{line}"
    if not row["source_code"]:
        raise ConfigError(f"{where}: source_code is empty")
    if row["unified_code"] not in accounts:
        raise ConfigError(
            f"{where}: unified_code {row['unified_code']!r} is not in the central chart "
            "(mappings/reference/unified_chart.csv); an addition there is a reviewed change"
        )
    earlier = rows.get(row["source_code"])
    if earlier is not None and earlier != row["unified_code"]:
        raise ConfigError(
            f"{where}: source_code {row['source_code']!r} maps to {row['unified_code']!r} here "
            f"and to {earlier!r} above; keep one"
        )
