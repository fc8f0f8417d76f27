"""Source → store: the control totals taken at extraction against what reached the store.

For every ministry, source account and period, to the fils: ``source = staged + quarantined +
rejected``. The source side is the current batch's control totals (counted from the raw record
as it was mapped); the store side is summed in the database (a million lines never come into
Python); the quarantined and rejected parts are read record by record, since each one is also
named in the report as what explains its cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.money import ZERO
from consolidation.core.schema import (
    ControlTotal,
    IssueStatus,
    JournalEntry,
    JournalLine,
    Money,
    OpeningBalance,
    PayrollLine,
    QuarantineRecord,
    ValidationIssue,
)
from consolidation.reconcile.model import Cell, Comparison, Explanation, Scope

NO_PERIOD = ""
"""The period of a line whose period the source does not give (its entry's is unknown too)."""


@dataclass(frozen=True)
class SourceBatch:
    """A finance or HR source with the batch its source side stands on."""

    source_system: str
    ministry: str
    batch_id: int


class Cells:
    """Cells of one comparison, made on first use."""

    def __init__(self, comparison: Comparison, tolerances: dict[str, Decimal]) -> None:
        self.comparison = comparison
        self.tolerances = tolerances
        self.cells: dict[tuple[str, str, str], Cell] = {}

    def get(self, ministry: str, account: str, period: str) -> Cell:
        key = (ministry, account, period)
        cell = self.cells.get(key)
        if cell is None:
            cell = Cell(
                self.comparison, ministry, account, period, tolerance=self.tolerances.get(account)
            )
            self.cells[key] = cell
        return cell

    def within(self, scope: Scope, *, yearly: bool = False) -> list[Cell]:
        def covered(cell: Cell) -> bool:
            if yearly:
                return not cell.period.isdigit() or scope.covers_year(int(cell.period))
            return scope.covers(cell.period or None)

        return [self.cells[key] for key in sorted(self.cells) if covered(self.cells[key])]


def _amount(value: Any) -> Decimal | None:
    """A quarantined record's amount (exact text), None when absent or unparseable."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _money_sum(column: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(column, type_=Money()), 0)


def _control_totals(
    session: Session, batches: list[SourceBatch], entity: str
) -> Iterable[tuple[SourceBatch, Any]]:
    by_batch = {batch.batch_id: batch for batch in batches}
    if not by_batch:
        return []
    rows = session.execute(
        sa.select(ControlTotal).where(
            ControlTotal.batch_id.in_(list(by_batch)), ControlTotal.entity == entity
        )
    ).scalars()
    return [(by_batch[row.batch_id], row) for row in rows]


class QuarantinedRecords:
    """The quarantined and rejected records of some sources, with the rules behind each."""

    def __init__(self, session: Session, sources: list[str], entities: tuple[str, ...]) -> None:
        self.records = list(
            session.execute(
                sa.select(QuarantineRecord).where(
                    QuarantineRecord.source_system.in_(sources),
                    QuarantineRecord.entity.in_(entities),
                    QuarantineRecord.status.in_([IssueStatus.OPEN, IssueStatus.REJECTED]),
                )
            ).scalars()
        )
        self.rules: dict[tuple[str, str, str], list[str]] = {}
        for system, entity, key, rule in session.execute(
            sa.select(
                ValidationIssue.source_system,
                ValidationIssue.entity,
                ValidationIssue.source_key,
                ValidationIssue.rule_id,
            ).where(
                ValidationIssue.source_system.in_(sources),
                ValidationIssue.status.in_([IssueStatus.OPEN, IssueStatus.REJECTED]),
            )
        ):
            self.rules.setdefault((system, entity, key), []).append(rule)
        self._lines_of_entry: dict[tuple[str, str], list[str]] | None = None

    def of(self, entity: str) -> list[QuarantineRecord]:
        return [record for record in self.records if record.entity == entity]

    def rules_of(self, record: QuarantineRecord) -> list[str]:
        """The rules that keep ``record`` out: its own, else its parent's; a line held because
        its entry is held for another line's error names that line's rules."""
        rules = list(self.rules.get((record.source_system, record.entity, record.source_key), []))
        if record.held_by and ":" in record.held_by:
            parent, _, key = record.held_by.partition(":")
            found = self.rules.get((record.source_system, parent, key), [])
            if not found and parent == "journal_entry":
                found = self._sibling_rules(record.source_system, key)
            rules += [f"{rule} (held by {record.held_by})" for rule in found]
        return sorted(dict.fromkeys(rules))

    def _sibling_rules(self, system: str, entry: str) -> list[str]:
        """The rules failed by the lines of an entry (what holds the entry and its other lines)."""
        if self._lines_of_entry is None:
            self._lines_of_entry = {}
            for record in self.of("journal_line"):
                if record.reason != "held":
                    key = (record.source_system, str(record.data.get("entry_no")))
                    self._lines_of_entry.setdefault(key, []).append(record.source_key)
        return [
            f"{rule} of line {line}"
            for line in self._lines_of_entry.get((system, entry), [])
            for rule in self.rules.get((system, "journal_line", line), [])
        ]


def _explain(
    cells: Cells,
    quarantine: QuarantinedRecords,
    record: QuarantineRecord,
    ministry: str,
    account: str,
    period: str,
    debit: Decimal | None,
    credit: Decimal | None,
    entry: str,
) -> Explanation:
    cell = cells.get(ministry, account, period)
    rejected = record.status == IssueStatus.REJECTED
    (cell.rejected if rejected else cell.quarantined).add(1, debit, credit)
    kind = "rejected" if rejected else ("held" if record.reason == "held" else "quarantined")
    return Explanation(
        cells.comparison,
        ministry,
        account,
        period,
        kind,
        record.source_system,
        record.entity,
        record.source_key,
        entry,
        debit,
        credit,
        quarantine.rules_of(record),
    )


def _entry_periods(
    session: Session, quarantine: QuarantinedRecords, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The period of each (source, entry number) that quarantined lines without a period of
    their own belong to: from the quarantined entry, else the staged one."""
    periods: dict[tuple[str, str], str] = {}
    for record in quarantine.of("journal_entry"):
        period = record.data.get("period")
        if period:
            periods[(record.source_system, record.source_key)] = str(period)
    missing = sorted(key for key in wanted if key not in periods)
    for system in sorted({system for system, _ in missing}):
        keys = [key for s, key in missing if s == system]
        for start in range(0, len(keys), 1_000):
            for key, period in session.execute(
                sa.select(JournalEntry.source_key, JournalEntry.period).where(
                    JournalEntry.source_system == system,
                    JournalEntry.source_key.in_(keys[start : start + 1_000]),
                )
            ):
                periods[(system, key)] = period
    return periods


def ledger_cells(
    session: Session,
    batches: list[SourceBatch],
    scope: Scope,
    tolerances: dict[str, Decimal],
) -> tuple[list[Cell], list[Explanation]]:
    """The ledger's source → store cells, per ministry, source account and period."""
    cells = Cells(Comparison.LEDGER_SOURCE_STORE, tolerances)
    for batch, total in _control_totals(session, batches, "journal_line"):
        cell = cells.get(batch.ministry, total.account_code or "", total.period or NO_PERIOD)
        cell.left.add(total.row_count, total.debit_amount, total.credit_amount)
    ministry_of = {batch.source_system: batch.ministry for batch in batches}
    if ministry_of:
        staged = (
            sa.select(
                JournalLine.source_system,
                JournalLine.source_account_code,
                JournalEntry.period,
                sa.func.count(),
                _money_sum(JournalLine.debit_amount),
                _money_sum(JournalLine.credit_amount),
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.source_system.in_(list(ministry_of)), JournalLine.withdrawn.is_(False)
            )
            .group_by(
                JournalLine.source_system, JournalLine.source_account_code, JournalEntry.period
            )
        )
        for system, account, period, count, debit, credit in session.execute(staged):
            cells.get(ministry_of[system], account, period or NO_PERIOD).right.add(
                count, debit, credit
            )
    quarantine = QuarantinedRecords(session, list(ministry_of), ("journal_line", "journal_entry"))
    lines = quarantine.of("journal_line")
    wanted = {
        (r.source_system, str(r.data.get("entry_no")))
        for r in lines
        if not r.data.get("period") and r.data.get("entry_no") is not None
    }
    periods = _entry_periods(session, quarantine, wanted)
    explanations = []
    for record in lines:
        data = record.data
        entry = str(data.get("entry_no") or "")
        period = str(data.get("period") or periods.get((record.source_system, entry), NO_PERIOD))
        explanations.append(
            _explain(
                cells,
                quarantine,
                record,
                ministry_of[record.source_system],
                str(data.get("account_code") or ""),
                period,
                _amount(data.get("debit")),
                _amount(data.get("credit")),
                entry,
            )
        )
    kept = cells.within(scope)
    keys = {cell.key for cell in kept}
    return kept, [
        e for e in explanations if (e.comparison.value, e.ministry, e.account, e.period) in keys
    ]


def opening_cells(
    session: Session, batches: list[SourceBatch], scope: Scope, tolerances: dict[str, Decimal]
) -> tuple[list[Cell], list[Explanation]]:
    """Opening balances, source → store, per ministry, source account and fiscal year."""
    cells = Cells(Comparison.OPENING_SOURCE_STORE, tolerances)
    for batch, total in _control_totals(session, batches, "opening_balance"):
        year = (total.period or "")[:4]
        cell = cells.get(batch.ministry, total.account_code or "", year)
        cell.left.add(total.row_count, total.debit_amount, total.credit_amount)
    ministry_of = {batch.source_system: batch.ministry for batch in batches}
    if ministry_of:
        staged = (
            sa.select(
                OpeningBalance.source_system,
                OpeningBalance.source_account_code,
                OpeningBalance.fiscal_year,
                sa.func.count(),
                _money_sum(OpeningBalance.debit_amount),
                _money_sum(OpeningBalance.credit_amount),
            )
            .where(
                OpeningBalance.source_system.in_(list(ministry_of)),
                OpeningBalance.withdrawn.is_(False),
            )
            .group_by(
                OpeningBalance.source_system,
                OpeningBalance.source_account_code,
                OpeningBalance.fiscal_year,
            )
        )
        for system, account, year, count, debit, credit in session.execute(staged):
            cells.get(ministry_of[system], account, str(year)).right.add(count, debit, credit)
    quarantine = QuarantinedRecords(session, list(ministry_of), ("opening_balance",))
    explanations = [
        _explain(
            cells,
            quarantine,
            record,
            ministry_of[record.source_system],
            str(record.data.get("account_code") or ""),
            str(record.data.get("fiscal_year") or ""),
            _amount(record.data.get("debit")),
            _amount(record.data.get("credit")),
            "",
        )
        for record in quarantine.of("opening_balance")
    ]
    kept = cells.within(scope, yearly=True)
    keys = {cell.key for cell in kept}
    return kept, [
        e for e in explanations if (e.comparison.value, e.ministry, e.account, e.period) in keys
    ]


def payroll_cells(
    session: Session, batches: list[SourceBatch], scope: Scope
) -> tuple[list[Cell], list[Explanation]]:
    """Payroll totals per ministry and month, source → store (amounts in ``debit``)."""
    cells = Cells(Comparison.PAYROLL_SOURCE_STORE, {})
    for batch, total in _control_totals(session, batches, "payroll_line"):
        cell = cells.get(batch.ministry, "", total.period or NO_PERIOD)
        cell.left.add(total.row_count, total.salary_amount, ZERO)
    ministry_of = {batch.source_system: batch.ministry for batch in batches}
    if ministry_of:
        staged = (
            sa.select(
                PayrollLine.source_system,
                PayrollLine.period,
                sa.func.count(),
                _money_sum(PayrollLine.amount),
            )
            .where(
                PayrollLine.source_system.in_(list(ministry_of)), PayrollLine.withdrawn.is_(False)
            )
            .group_by(PayrollLine.source_system, PayrollLine.period)
        )
        for system, period, count, amount in session.execute(staged):
            cells.get(ministry_of[system], "", period or NO_PERIOD).right.add(count, amount, ZERO)
    quarantine = QuarantinedRecords(session, list(ministry_of), ("payroll_line",))
    explanations = [
        _explain(
            cells,
            quarantine,
            record,
            ministry_of[record.source_system],
            "",
            str(record.data.get("period") or NO_PERIOD),
            _amount(record.data.get("amount")),
            ZERO,
            str(record.data.get("employee_no") or ""),
        )
        for record in quarantine.of("payroll_line")
    ]
    kept = cells.within(scope)
    keys = {cell.key for cell in kept}
    return kept, [
        e for e in explanations if (e.comparison.value, e.ministry, e.account, e.period) in keys
    ]
