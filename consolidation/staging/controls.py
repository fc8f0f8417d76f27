"""Control totals as a batch maps them: per entity, source account and period, the row count
and the exact sums of debits, credits and salaries, the base every reconciliation stands on."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from consolidation.core.money import ZERO
from consolidation.core.schema import ControlTotal, table_of
from validation import KeyIndex


def none_if_missing(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


class ControlTotals:
    """The batch's control totals, gathered chunk by chunk."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str | None, str | None], list[Any]] = {}

    def observe(self, target: str, frame: pd.DataFrame, entries: Any) -> None:
        """Count a mapped chunk of ``target``; ``entries`` gives a line without a period its
        entry's (a ``KeyIndex`` of the batch's entries, when it has any)."""
        if target == "employee":
            self._add(frame, "employee", None, None, salary="base_salary")
        elif target == "payroll_line":
            self._add(frame, "payroll_line", None, "period", salary="amount")
        elif target == "journal_line":
            periods = frame["period"]
            if isinstance(entries, KeyIndex):
                periods = periods.where(periods.notna(), entries.labels(frame["entry_no"]))
            self._add(
                frame.assign(period=periods),
                "journal_line",
                "account_code",
                "period",
                debit="debit",
                credit="credit",
            )
        elif target == "opening_balance":
            years = (
                frame["fiscal_year"].astype(object).map(lambda y: None if pd.isna(y) else f"{y}-01")
            )
            self._add(
                frame.assign(period=years),
                "opening_balance",
                "account_code",
                "period",
                debit="debit",
                credit="credit",
            )

    def _add(
        self,
        frame: pd.DataFrame,
        entity: str,
        account: str | None,
        period: str | None,
        **amounts: str,
    ) -> None:
        keys = [
            frame[account]
            if account
            else pd.Series([None] * len(frame), index=frame.index, dtype=object),
            frame[period]
            if period
            else pd.Series([None] * len(frame), index=frame.index, dtype=object),
        ]
        roles = ("debit", "credit", "salary")
        grouped = pd.DataFrame(
            {
                "account": keys[0].astype(object),
                "period": keys[1].astype(object),
                **{role: frame[amounts[role]] if role in amounts else None for role in roles},
            }
        )
        for (account_code, period_value), group in grouped.groupby(
            ["account", "period"], dropna=False, sort=False
        ):
            key = (entity, none_if_missing(account_code), none_if_missing(period_value))
            totals = self.totals.setdefault(key, [0, ZERO, ZERO, ZERO])
            totals[0] += len(group)
            for position, role in enumerate(roles, start=1):
                if role in amounts:
                    totals[position] += sum((v for v in group[role] if v is not None), ZERO)

    def write(
        self, connection: sa.Connection, *, batch_id: int, source: str, ministry_id: int
    ) -> None:
        rows = [
            {
                "batch_id": batch_id,
                "ministry_id": ministry_id,
                "source_system": source,
                "entity": entity,
                "account_code": account,
                "period": period,
                "row_count": count,
                "debit_amount": debit,
                "credit_amount": credit,
                "salary_amount": salary,
                "currency": "BHD",
            }
            for (entity, account, period), (count, debit, credit, salary) in sorted(
                self.totals.items(), key=lambda item: tuple(str(p) for p in item[0])
            )
        ]
        if rows:
            connection.execute(sa.insert(table_of(ControlTotal)), rows)
