"""Reference data the pipeline stands on: the unified chart, the crosswalk, the fiscal calendar.

They are lookup tables in ``mappings/reference/`` (CSV and YAML, reviewed like code):
``unified_chart.csv`` (code, name_ar, name_en, account_type, parent_code),
``account_crosswalk.csv`` (ministry, source_code, unified_code) and ``calendar.yaml``
(which fiscal years and periods are open).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from consolidation.core.config_file import load_model
from consolidation.core.errors import ConfigError
from consolidation.core.schema import Account, AccountCrosswalk, Ministry

CHART_COLUMNS = ("code", "name_ar", "name_en", "account_type", "parent_code")
CROSSWALK_COLUMNS = ("ministry", "source_code", "unified_code")


class FiscalCalendar(BaseModel):
    """Open fiscal years (all twelve periods) and periods closed within them."""

    model_config = ConfigDict(extra="forbid")

    open_years: list[int] = Field(min_length=1)
    closed_periods: list[str] = Field(default_factory=list)

    def open_periods(self) -> set[str]:
        periods = {f"{year}-{month:02d}" for year in self.open_years for month in range(1, 13)}
        return periods - set(self.closed_periods)


@dataclass
class ReferenceData:
    crosswalk: dict[str, set[str]] = field(default_factory=dict)
    open_periods: set[str] = field(default_factory=set)
    accounts: int = 0


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(
                    f"{path}:1: header lacks column {missing[0]!r}; expected {', '.join(columns)}"
                )
            return [{k: (v or "").strip() for k, v in row.items()} for row in reader]
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None


def load_reference(session: Session, directory: Path) -> ReferenceData:
    """Upsert the unified chart and the crosswalk; return the crosswalk and open periods."""
    chart = _read_csv(directory / "unified_chart.csv", CHART_COLUMNS)
    crosswalk = _read_csv(directory / "account_crosswalk.csv", CROSSWALK_COLUMNS)
    calendar = load_model(directory / "calendar.yaml", FiscalCalendar)

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
    for line, row in enumerate(chart, start=2):
        parent = row["parent_code"]
        if parent and parent not in accounts:
            where = f"{directory / 'unified_chart.csv'}:{line}"
            raise ConfigError(f"{where}: parent_code {parent!r} is not in the chart")
        accounts[row["code"]].parent_id = accounts[parent].id if parent else None

    ministries = {m.code: m.id for m in session.scalars(sa.select(Ministry))}
    existing = {
        (c.ministry_id, c.source_code): c for c in session.scalars(sa.select(AccountCrosswalk))
    }
    data = ReferenceData(open_periods=calendar.open_periods(), accounts=len(accounts))
    for line, row in enumerate(crosswalk, start=2):
        where = f"{directory / 'account_crosswalk.csv'}:{line}"
        if row["unified_code"] not in accounts:
            raise ConfigError(f"{where}: unified_code {row['unified_code']!r} is not in the chart")
        data.crosswalk.setdefault(row["ministry"], set()).add(row["source_code"])
        ministry_id = ministries.get(row["ministry"])
        if ministry_id is None:
            continue  # a ministry not declared in this sources config
        link = existing.get((ministry_id, row["source_code"]))
        if link is None:
            link = AccountCrosswalk(ministry_id=ministry_id, source_code=row["source_code"])
            session.add(link)
        link.account_id = accounts[row["unified_code"]].id
    session.flush()
    return data
