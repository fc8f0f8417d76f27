"""A reconciliation as plain data: cells, what explains them, what differs, and the run's
fingerprint. Nothing here reads a store or talks to Odoo, and nothing renders; the service fills
it and the renderers (terminal, HTML, XLSX, JSON) read it.

One cohesive table of declarations, each with its JSON form beside it (what a stored run is
read back from), which is why this module is long; it holds no logic beyond a cell's status
and the run's outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from consolidation.core.money import ZERO


class Comparison(enum.StrEnum):
    """What a cell compares: left side against right side."""

    LEDGER_SOURCE_STORE = "ledger.source-store"
    """The source's control totals at extraction against the store (staged + quarantined +
    rejected), per ministry, source account and period."""
    LEDGER_SOURCE_FRESH = "ledger.source-fresh"
    """The source read again now (left) against the raw record taken at extraction (right)."""
    LEDGER_STORE_CENTRAL = "ledger.store-central"
    """Staged ledger against posted items in the central Odoo, per unified account and month."""
    OPENING_SOURCE_STORE = "opening.source-store"
    OPENING_STORE_CENTRAL = "opening.store-central"
    PAYROLL_SOURCE_STORE = "payroll.source-store"
    """Payroll totals per ministry and month; Odoo 17 Community has no payroll, so this part
    stops at the store."""

    @property
    def sides(self) -> tuple[str, str]:
        if self is Comparison.LEDGER_SOURCE_FRESH:
            return "now", "extracted"
        left, _, right = self.value.partition(".")[2].partition("-")
        return left, right

    @property
    def title(self) -> str:  # type: ignore[override]  # a heading, not str.title
        subject = {"ledger": "Ledger", "opening": "Opening balances", "payroll": "Payroll"}
        kind, _, _ = self.value.partition(".")
        left, right = self.sides
        if self is Comparison.LEDGER_SOURCE_FRESH:
            return "Ledger: source now against the extraction"
        return f"{subject[kind]}: {left} against {right}"

    @property
    def explains(self) -> bool:
        """Whether the quarantine and rejections explain a part of this comparison."""
        return self in (
            Comparison.LEDGER_SOURCE_STORE,
            Comparison.OPENING_SOURCE_STORE,
            Comparison.PAYROLL_SOURCE_STORE,
        )


class CellStatus(enum.StrEnum):
    RECONCILED = "reconciled"
    """Both sides agree to the fils, and nothing was needed to explain it."""
    EXPLAINED = "explained"
    """They agree once the quarantined and rejected parts are counted."""
    TOLERATED = "tolerated"
    """A difference within the tolerance configured for the account."""
    DIFFERENT = "different"
    """An unexplained difference: an error."""


class Outcome(enum.StrEnum):
    RECONCILED = "reconciled"
    EXPLAINED = "explained"
    UNEXPLAINED = "unexplained"


@dataclass
class Figures:
    """A count of lines with the exact sums of their debits and credits (payroll: amounts in
    ``debit``)."""

    count: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    def add(self, count: int, debit: Decimal | None, credit: Decimal | None) -> None:
        self.count += count
        self.debit += debit or ZERO
        self.credit += credit or ZERO

    def plus(self, other: Figures) -> Figures:
        return Figures(
            self.count + other.count, self.debit + other.debit, self.credit + other.credit
        )

    def minus(self, other: Figures) -> Figures:
        return Figures(
            self.count - other.count, self.debit - other.debit, self.credit - other.credit
        )

    @property
    def is_zero(self) -> bool:
        return self.count == 0 and self.debit == 0 and self.credit == 0

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "debit": str(self.debit), "credit": str(self.credit)}


@dataclass
class Cell:
    """One ministry, account and period of one comparison."""

    comparison: Comparison
    ministry: str
    account: str
    period: str
    left: Figures = field(default_factory=Figures)
    right: Figures = field(default_factory=Figures)
    quarantined: Figures = field(default_factory=Figures)
    rejected: Figures = field(default_factory=Figures)
    tolerance: Decimal | None = None
    """The configured tolerance of the account, when one is; named in every report."""
    account_name: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.comparison.value, self.ministry, self.account, self.period)

    @property
    def explained(self) -> Figures:
        return self.quarantined.plus(self.rejected)

    @property
    def residual(self) -> Figures:
        """What neither side nor any explanation accounts for: left - right - explained."""
        return self.left.minus(self.right).minus(self.explained)

    @property
    def status(self) -> CellStatus:
        residual = self.residual
        if residual.is_zero:
            return CellStatus.RECONCILED if self.explained.is_zero else CellStatus.EXPLAINED
        if (
            self.tolerance is not None
            and abs(residual.debit) <= self.tolerance
            and abs(residual.credit) <= self.tolerance
        ):
            return CellStatus.TOLERATED
        return CellStatus.DIFFERENT

    def as_json(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison.value,
            "ministry": self.ministry,
            "account": self.account,
            "account_name": self.account_name,
            "period": self.period,
            "status": self.status.value,
            self.comparison.sides[0]: self.left.as_json(),
            self.comparison.sides[1]: self.right.as_json(),
            "quarantined": self.quarantined.as_json(),
            "rejected": self.rejected.as_json(),
            "residual": self.residual.as_json(),
            "tolerance": None if self.tolerance is None else str(self.tolerance),
        }


@dataclass
class Explanation:
    """A quarantined or rejected source line that explains part of a cell."""

    comparison: Comparison
    ministry: str
    account: str
    period: str
    kind: str
    """quarantined (an issue of its own), held (its entry or parent has one) or rejected."""
    source_system: str
    entity: str
    source_key: str
    entry: str
    debit: Decimal | None
    credit: Decimal | None
    rules: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison.value,
            "ministry": self.ministry,
            "account": self.account,
            "period": self.period,
            "kind": self.kind,
            "source_system": self.source_system,
            "entity": self.entity,
            "source_key": self.source_key,
            "entry": self.entry,
            "debit": None if self.debit is None else str(self.debit),
            "credit": None if self.credit is None else str(self.credit),
            "rules": self.rules,
        }


class DifferenceKind(enum.StrEnum):
    MISSING_IN_CENTRAL = "missing in central"
    CENTRAL_ONLY = "in central only"
    DIFFERENT = "different"
    REDATED = "date or period differs"
    NOT_POSTED = "not posted"
    """A draft or cancelled entry in Odoo, reported apart, never summed in."""
    CHANGED_AT_SOURCE = "changed at source"
    ADDED_AT_SOURCE = "added at source"
    REMOVED_AT_SOURCE = "removed at source"
    UNACCOUNTED = "unaccounted"
    """A source line neither staged, quarantined nor rejected (or the other way round)."""


@dataclass
class LineDifference:
    """One line of a differing entry, with its amounts on both sides (None: absent there)."""

    key: str
    account: str
    left_debit: Decimal | None
    left_credit: Decimal | None
    right_debit: Decimal | None
    right_credit: Decimal | None

    def as_json(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "key": self.key,
            "account": self.account,
            "left_debit": text(self.left_debit),
            "left_credit": text(self.left_credit),
            "right_debit": text(self.right_debit),
            "right_credit": text(self.right_credit),
        }


@dataclass
class Difference:
    """An entry (or source line) found by drilling down into a differing cell."""

    comparison: Comparison
    ministry: str
    account: str
    period: str
    kind: DifferenceKind
    entry: str
    """The entry's reference: its source key, or Odoo's name for an entry only Odoo has."""
    source_system: str = ""
    left: Figures = field(default_factory=Figures)
    right: Figures = field(default_factory=Figures)
    lines: list[LineDifference] = field(default_factory=list)
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison.value,
            "ministry": self.ministry,
            "account": self.account,
            "period": self.period,
            "kind": self.kind.value,
            "entry": self.entry,
            "source_system": self.source_system,
            "left": self.left.as_json(),
            "right": self.right.as_json(),
            "lines": [line.as_json() for line in self.lines],
            "detail": self.detail,
        }


@dataclass
class Headcount:
    """Employees of one ministry and org unit at each level."""

    ministry: str
    org_unit: str
    source: int = 0
    staged: int = 0
    persons: int = 0
    quarantined: int = 0
    rejected: int = 0
    expected_active: int = 0
    """Staged employments that Odoo should hold as active employees (not terminated)."""
    central_active: int | None = None
    """Active ``hr.employee`` in Odoo; None when the central level was not compared."""

    @property
    def source_residual(self) -> int:
        return self.source - self.staged - self.quarantined - self.rejected

    @property
    def central_residual(self) -> int:
        return 0 if self.central_active is None else self.expected_active - self.central_active

    @property
    def status(self) -> CellStatus:
        if self.source_residual or self.central_residual:
            return CellStatus.DIFFERENT
        return CellStatus.EXPLAINED if self.quarantined or self.rejected else CellStatus.RECONCILED

    def as_json(self) -> dict[str, Any]:
        return {
            "ministry": self.ministry,
            "org_unit": self.org_unit,
            "source": self.source,
            "staged": self.staged,
            "persons": self.persons,
            "quarantined": self.quarantined,
            "rejected": self.rejected,
            "expected_active": self.expected_active,
            "central_active": self.central_active,
            "status": self.status.value,
        }


@dataclass
class BatchPrint:
    """A batch the source side stands on, and the checksum of its raw record."""

    source_system: str
    batch_id: int
    status: str
    extracted_at: datetime
    raw_chunks: int
    raw_sha256: str
    """SHA-256 over the batch's chunk checksums, in order: one value names the raw record."""

    def as_json(self) -> dict[str, Any]:
        return {
            "source_system": self.source_system,
            "batch_id": self.batch_id,
            "status": self.status,
            "extracted_at": self.extracted_at.isoformat(),
            "raw_chunks": self.raw_chunks,
            "raw_sha256": self.raw_sha256,
        }


@dataclass
class Fingerprint:
    """What was compared, so that a signed-off report can be tied to its inputs."""

    at: datetime
    operator: str
    store: str
    batches: list[BatchPrint] = field(default_factory=list)
    central_url: str | None = None
    central_database: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "operator": self.operator,
            "store": self.store,
            "batches": [batch.as_json() for batch in self.batches],
            "central_url": self.central_url,
            "central_database": self.central_database,
        }


@dataclass(frozen=True)
class Scope:
    """What a run covers: ministries (all when empty), periods from..to, comparisons."""

    ministries: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None
    levels: tuple[str, ...] = ("source", "store", "central")
    fresh_source: bool = False

    def covers(self, period: str | None) -> bool:
        if period is None:
            return self.period_from is None and self.period_to is None
        if self.period_from is not None and period < self.period_from:
            return False
        return not (self.period_to is not None and period > self.period_to)

    def covers_year(self, year: int) -> bool:
        """Whether any period of ``year`` is in the scope (opening balances are per year)."""
        first, last = f"{year:04d}-01", f"{year:04d}-12"
        if self.period_from is not None and last < self.period_from:
            return False
        return not (self.period_to is not None and first > self.period_to)

    def compares(self, left: str, right: str) -> bool:
        return left in self.levels and right in self.levels

    def as_json(self) -> dict[str, Any]:
        return {
            "ministries": list(self.ministries),
            "period_from": self.period_from,
            "period_to": self.period_to,
            "levels": list(self.levels),
            "fresh_source": self.fresh_source,
        }


class ChangeKind(enum.StrEnum):
    NEWLY_RECONCILED = "newly reconciled"
    NEWLY_DIFFERENT = "newly different"
    REOPENED = "reopened"


@dataclass
class Change:
    """What changed since the previous run of the same scope, or a signed-off period reopened."""

    kind: ChangeKind
    ministry: str
    period: str
    comparison: str = ""
    account: str = ""
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "ministry": self.ministry,
            "period": self.period,
            "comparison": self.comparison,
            "account": self.account,
            "detail": self.detail,
        }


@dataclass
class Signoff:
    id: int
    ministry: str
    period: str
    run_id: int
    signed_by: str
    signed_at: datetime
    note: str
    status: str
    """signed, or reopened when a later run found a signed cell changed."""
    reopened_by_run: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ministry": self.ministry,
            "period": self.period,
            "run_id": self.run_id,
            "signed_by": self.signed_by,
            "signed_at": self.signed_at.isoformat(),
            "note": self.note,
            "status": self.status,
            "reopened_by_run": self.reopened_by_run,
        }


@dataclass
class Reconciliation:
    """One run's whole result."""

    scope: Scope
    fingerprint: Fingerprint
    ministries: dict[str, str] = field(default_factory=dict)
    """Code → name of every ministry in the scope (Arabic and English, as the store has them)."""
    cells: list[Cell] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    headcount: list[Headcount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)
    run_id: int | None = None
    previous_run_id: int | None = None
    central_calls: int = 0
    """XML-RPC calls the central level made (bounded per ministry: grouped reads)."""

    def comparisons(self) -> list[Comparison]:
        present = {cell.comparison for cell in self.cells}
        return [comparison for comparison in Comparison if comparison in present]

    def cells_of(self, comparison: Comparison, ministry: str | None = None) -> list[Cell]:
        return [
            cell
            for cell in self.cells
            if cell.comparison is comparison and (ministry is None or cell.ministry == ministry)
        ]

    def differing(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.status is CellStatus.DIFFERENT]

    @property
    def reopened(self) -> list[Change]:
        return [change for change in self.changes if change.kind is ChangeKind.REOPENED]

    @property
    def outcome(self) -> Outcome:
        if (
            self.differing()
            or any(row.status is CellStatus.DIFFERENT for row in self.headcount)
            or any(d.kind is not DifferenceKind.NOT_POSTED for d in self.differences)
        ):
            return Outcome.UNEXPLAINED
        explained = any(cell.status is not CellStatus.RECONCILED for cell in self.cells) or any(
            row.status is CellStatus.EXPLAINED for row in self.headcount
        )
        return Outcome.EXPLAINED if explained or self.differences else Outcome.RECONCILED

    @property
    def exit_code(self) -> int:
        """As diff's: 0 when everything reconciles or is explained, 1 when anything is not."""
        return 1 if self.outcome is Outcome.UNEXPLAINED else 0

    def summary(self) -> list[dict[str, Any]]:
        """Per ministry and comparison: cells, differing cells and the totals of both sides."""
        rows: dict[tuple[str, Comparison], dict[str, Any]] = {}
        for cell in self.cells:
            row = rows.setdefault(
                (cell.ministry, cell.comparison),
                {
                    "ministry": cell.ministry,
                    "comparison": cell.comparison,
                    "cells": 0,
                    "different": 0,
                    "left": Figures(),
                    "right": Figures(),
                    "explained": Figures(),
                    "residual": Figures(),
                },
            )
            row["cells"] += 1
            row["different"] += cell.status is CellStatus.DIFFERENT
            for name, figures in (
                ("left", cell.left),
                ("right", cell.right),
                ("explained", cell.explained),
                ("residual", cell.residual),
            ):
                row[name] = row[name].plus(figures)
        order = {comparison: rank for rank, comparison in enumerate(Comparison)}
        return [rows[key] for key in sorted(rows, key=lambda k: (k[0], order[k[1]]))]

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "previous_run_id": self.previous_run_id,
            "outcome": self.outcome.value,
            "scope": self.scope.as_json(),
            "fingerprint": self.fingerprint.as_json(),
            "ministries": self.ministries,
            "summary": [
                {
                    "ministry": row["ministry"],
                    "comparison": row["comparison"].value,
                    "cells": row["cells"],
                    "different": row["different"],
                    row["comparison"].sides[0]: row["left"].as_json(),
                    row["comparison"].sides[1]: row["right"].as_json(),
                    "explained": row["explained"].as_json(),
                    "residual": row["residual"].as_json(),
                }
                for row in self.summary()
            ],
            "cells": [cell.as_json() for cell in self.cells],
            "explanations": [item.as_json() for item in self.explanations],
            "differences": [item.as_json() for item in self.differences],
            "headcount": [row.as_json() for row in self.headcount],
            "changes": [change.as_json() for change in self.changes],
            "signoffs": [signoff.as_json() for signoff in self.signoffs],
            "notes": self.notes,
            "central_calls": self.central_calls,
        }
