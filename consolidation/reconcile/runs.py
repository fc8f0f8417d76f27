"""Stored runs: every run's cells and result in the store, what changed since the previous run
of the same scope, and sign-offs, which a later run reopens when a signed cell changed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.schema import ReconcileCell, ReconcileRun, ReconcileSignoff, table_of
from consolidation.reconcile.exceptions import ReconcileError
from consolidation.reconcile.model import (
    BatchPrint,
    Cell,
    CellStatus,
    Change,
    ChangeKind,
    Comparison,
    Difference,
    DifferenceKind,
    Explanation,
    Figures,
    Fingerprint,
    Headcount,
    LineDifference,
    Reconciliation,
    Scope,
    Signoff,
)

SIDES = ("left", "right", "quarantined", "rejected")


def scope_key(scope: Scope) -> str:
    return json.dumps(
        {
            "ministries": sorted(scope.ministries),
            "from": scope.period_from,
            "to": scope.period_to,
            "levels": sorted(scope.levels),
            "fresh": scope.fresh_source,
        },
        sort_keys=True,
    )


def _cell_row(run_id: int, cell: Cell) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run_id,
        "comparison": cell.comparison.value,
        "ministry": cell.ministry,
        "account": cell.account,
        "period": cell.period,
        "status": cell.status.value,
        "tolerance_amount": cell.tolerance,
        "currency": "BHD",
    }
    for side in SIDES:
        figures: Figures = getattr(cell, side)
        row[f"{side}_count"] = figures.count
        row[f"{side}_debit_amount"] = figures.debit
        row[f"{side}_credit_amount"] = figures.credit
    return row


def _cell_of(row: ReconcileCell, names: dict[str, str]) -> Cell:
    cell = Cell(
        Comparison(row.comparison),
        row.ministry,
        row.account,
        row.period,
        tolerance=row.tolerance_amount,
        account_name=names.get(row.account, ""),
    )
    for side in SIDES:
        setattr(
            cell,
            side,
            Figures(
                getattr(row, f"{side}_count"),
                getattr(row, f"{side}_debit_amount"),
                getattr(row, f"{side}_credit_amount"),
            ),
        )
    return cell


def digest(cells: list[Cell]) -> dict[str, str]:
    """Per comparison, a hash of its cells' figures (what a sign-off vouches for)."""
    parts: dict[str, list[str]] = {}
    for cell in sorted(cells, key=lambda c: c.key):
        figures = [
            f"{f.count}:{f.debit.normalize()}:{f.credit.normalize()}"
            for f in (cell.left, cell.right, cell.quarantined, cell.rejected)
        ]
        parts.setdefault(cell.comparison.value, []).append("|".join([cell.account, *figures]))
    return {
        comparison: hashlib.sha256("\n".join(lines).encode()).hexdigest()
        for comparison, lines in parts.items()
    }


def _in_period(cell: Cell, period: str) -> bool:
    """A monthly cell of ``period`` (YYYY-MM), or a yearly one (opening balances) of a year."""
    return cell.period == period or (len(cell.period) == 4 and period == cell.period)


def save(session: Session, result: Reconciliation) -> int:
    """Store the run and its cells, compare it with the previous run of its scope, and reopen
    the sign-offs whose cells changed; returns the run's id."""
    key = scope_key(result.scope)
    previous = session.scalars(
        sa.select(ReconcileRun).filter_by(scope_key=key).order_by(ReconcileRun.id.desc()).limit(1)
    ).one_or_none()
    run = ReconcileRun(
        operator=result.fingerprint.operator,
        started_at=result.fingerprint.at,
        finished_at=datetime.now(UTC),
        scope_key=key,
        scope=result.scope.as_json(),
        fingerprint=result.fingerprint.as_json(),
        outcome=result.outcome.value,
        result={},
    )
    session.add(run)
    session.flush()
    result.run_id = run.id
    if previous is not None:
        result.previous_run_id = previous.id
        result.changes.extend(_changes(session, previous.id, result.cells))
    result.changes.extend(_reopen(session, result, run.id))
    result.signoffs = signoffs(session, list(result.ministries))
    run.outcome = result.outcome.value
    document = result.as_json()
    document.pop("cells")
    run.result = document
    rows = [_cell_row(run.id, cell) for cell in result.cells]
    for start in range(0, len(rows), 5_000):
        session.execute(sa.insert(table_of(ReconcileCell)), rows[start : start + 5_000])
    return run.id


def _changes(session: Session, previous_id: int, cells: list[Cell]) -> list[Change]:
    before = {
        (row.comparison, row.ministry, row.account, row.period): row.status
        for row in session.execute(
            sa.select(
                ReconcileCell.comparison,
                ReconcileCell.ministry,
                ReconcileCell.account,
                ReconcileCell.period,
                ReconcileCell.status,
            ).filter_by(run_id=previous_id)
        )
    }
    changes = []
    for cell in cells:
        was = before.get(cell.key)
        now = cell.status.value
        if now == CellStatus.DIFFERENT and was != CellStatus.DIFFERENT:
            kind = ChangeKind.NEWLY_DIFFERENT
        elif now != CellStatus.DIFFERENT and was == CellStatus.DIFFERENT:
            kind = ChangeKind.NEWLY_RECONCILED
        else:
            continue
        changes.append(
            Change(
                kind,
                cell.ministry,
                cell.period,
                cell.comparison.value,
                cell.account,
                f"was {was or 'absent'}, now {now}",
            )
        )
    return changes


def _reopen(session: Session, result: Reconciliation, run_id: int) -> list[Change]:
    changes = []
    ministries = {cell.ministry for cell in result.cells}
    signed = session.scalars(
        sa.select(ReconcileSignoff).where(
            ReconcileSignoff.status == "signed", ReconcileSignoff.ministry.in_(ministries)
        )
    ).all()
    for signoff in signed:
        cells = [
            c
            for c in result.cells
            if c.ministry == signoff.ministry and _in_period(c, signoff.period)
        ]
        now = digest(cells)
        changed = sorted(
            comparison
            for comparison, value in signoff.digest.items()
            if comparison in now and now[comparison] != value
        )
        if not changed:
            continue
        signoff.status = "reopened"
        signoff.reopened_at = datetime.now(UTC)
        signoff.reopened_by_run = run_id
        detail = (
            f"signed off by {signoff.signed_by} on run {signoff.run_id}; "
            f"changed since: {', '.join(changed)}"
        )
        audit.record(
            session,
            result.fingerprint.operator,
            audit.Event.RECONCILE_REOPENED,
            "reconcile_signoff",
            signoff.id,
            ministry=signoff.ministry,
            period=signoff.period,
            run=run_id,
            comparisons=changed,
        )
        changes.append(
            Change(
                ChangeKind.REOPENED,
                signoff.ministry,
                signoff.period,
                ", ".join(changed),
                "",
                detail,
            )
        )
    return changes


def signoffs(session: Session, ministries: list[str]) -> list[Signoff]:
    query = sa.select(ReconcileSignoff).order_by(ReconcileSignoff.id)
    if ministries:
        query = query.where(ReconcileSignoff.ministry.in_(ministries))
    return [
        Signoff(
            s.id,
            s.ministry,
            s.period,
            s.run_id,
            s.signed_by,
            s.signed_at,
            s.note,
            s.status,
            s.reopened_by_run,
        )
        for s in session.scalars(query)
    ]


def load(session: Session, run_id: int) -> Reconciliation:
    """A stored run as it was reported."""
    run = session.get(ReconcileRun, run_id)
    if run is None:
        latest = session.scalar(sa.select(sa.func.max(ReconcileRun.id)))
        known = f"the latest is {latest}" if latest else "no reconciliation has run yet"
        raise ReconcileError(f"no reconciliation run {run_id}: {known}")
    document = run.result
    scope = run.scope
    fingerprint = run.fingerprint
    result = Reconciliation(
        scope=Scope(
            tuple(scope["ministries"]),
            scope["period_from"],
            scope["period_to"],
            tuple(scope["levels"]),
            scope["fresh_source"],
        ),
        fingerprint=Fingerprint(
            datetime.fromisoformat(fingerprint["at"]),
            fingerprint["operator"],
            fingerprint["store"],
            [
                BatchPrint(
                    b["source_system"],
                    b["batch_id"],
                    b["status"],
                    datetime.fromisoformat(b["extracted_at"]),
                    b["raw_chunks"],
                    b["raw_sha256"],
                )
                for b in fingerprint["batches"]
            ],
            fingerprint.get("central_url"),
            fingerprint.get("central_database"),
        ),
        ministries=document.get("ministries", {}),
        run_id=run.id,
        previous_run_id=document.get("previous_run_id"),
        notes=document.get("notes", []),
        central_calls=document.get("central_calls", 0),
    )
    result.cells = [
        _cell_of(row, {})
        for row in session.scalars(
            sa.select(ReconcileCell).filter_by(run_id=run_id).order_by(ReconcileCell.id)
        )
    ]
    result.explanations = [_explanation(e) for e in document.get("explanations", [])]
    result.differences = [_difference(d) for d in document.get("differences", [])]
    result.headcount = [Headcount(**_without(h, "status")) for h in document.get("headcount", [])]
    result.changes = [
        Change(
            ChangeKind(c["kind"]),
            c["ministry"],
            c["period"],
            c["comparison"],
            c["account"],
            c["detail"],
        )
        for c in document.get("changes", [])
    ]
    result.signoffs = signoffs(session, list(result.ministries))
    return result


def _without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _figures(data: dict[str, Any]) -> Figures:
    return Figures(data["count"], Decimal(data["debit"]), Decimal(data["credit"]))


def _explanation(data: dict[str, Any]) -> Explanation:
    return Explanation(
        Comparison(data["comparison"]),
        data["ministry"],
        data["account"],
        data["period"],
        data["kind"],
        data["source_system"],
        data["entity"],
        data["source_key"],
        data["entry"],
        _decimal(data["debit"]),
        _decimal(data["credit"]),
        data["rules"],
    )


def _difference(data: dict[str, Any]) -> Difference:
    return Difference(
        Comparison(data["comparison"]),
        data["ministry"],
        data["account"],
        data["period"],
        DifferenceKind(data["kind"]),
        data["entry"],
        data["source_system"],
        _figures(data["left"]),
        _figures(data["right"]),
        [
            LineDifference(
                line["key"],
                line["account"],
                _decimal(line["left_debit"]),
                _decimal(line["left_credit"]),
                _decimal(line["right_debit"]),
                _decimal(line["right_credit"]),
            )
            for line in data["lines"]
        ],
        data["detail"],
    )


def sign_off(
    session: Session, run_id: int, ministry: str, period: str, note: str, operator: str
) -> Signoff:
    """Sign a ministry-period off on a run: refused when the run differs there, or has no cell
    of it, or the run is not the latest of its scope."""
    run = session.get(ReconcileRun, run_id)
    if run is None:
        raise ReconcileError(f"no reconciliation run {run_id}")
    latest = session.scalar(
        sa.select(sa.func.max(ReconcileRun.id)).filter_by(scope_key=run.scope_key)
    )
    if latest != run_id:
        raise ReconcileError(
            f"run {run_id} is not the latest of its scope (run {latest} is): sign off that one"
        )
    if not note.strip():
        raise ReconcileError("a sign-off needs a --note saying what was checked")
    cells = [
        _cell_of(row, {})
        for row in session.scalars(
            sa.select(ReconcileCell).filter_by(run_id=run_id, ministry=ministry)
        )
    ]
    cells = [cell for cell in cells if _in_period(cell, period)]
    if not cells:
        raise ReconcileError(
            f"run {run_id} has no cell of ministry {ministry!r} in period {period!r}"
        )
    different = [cell for cell in cells if cell.status is CellStatus.DIFFERENT]
    if different:
        raise ReconcileError(
            f"{ministry} {period} does not reconcile in run {run_id}: {len(different)} "
            f"cell(s) differ (first: {different[0].comparison.value} account "
            f"{different[0].account}); it cannot be signed off"
        )
    signoff = ReconcileSignoff(
        run_id=run_id,
        ministry=ministry,
        period=period,
        signed_by=operator,
        signed_at=datetime.now(UTC),
        note=note.strip(),
        digest=digest(cells),
        status="signed",
    )
    session.add(signoff)
    session.flush()
    audit.record(
        session,
        operator,
        audit.Event.RECONCILE_SIGNED_OFF,
        "reconcile_signoff",
        signoff.id,
        ministry=ministry,
        period=period,
        run=run_id,
        note=signoff.note,
        fingerprint=run.fingerprint,
        cells=len(cells),
    )
    return Signoff(
        signoff.id, ministry, period, run_id, operator, signoff.signed_at, signoff.note, "signed"
    )
