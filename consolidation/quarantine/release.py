"""Release: re-check quarantined records after stewards corrected or waived their issues, and
let the ones that now pass flow on into the unified store.

A record is checked with its steward's corrections applied (unless they went stale), against
what the store knows of its source (grades, org units, jobs, employees, entries, the
crosswalk, open periods). Waived issues no longer block. Dependants move together: an entry
flows with all its lines or not at all, and a payroll line only once its employee is in the
store. Staging the released records is the caller's (``stage``): the quarantine does not
depend on the staging stage, the pipeline wires them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa

from consolidation.core import audit
from consolidation.core.reference import ReferenceData
from consolidation.core.schema import (
    BatchEntity,
    Grade,
    IssueStatus,
    QuarantineRecord,
    Severity,
    SourceSystem,
    ValidationIssue,
    table_of,
)
from consolidation.core.sources import SourceSpec
from consolidation.core.types import SOURCE_KEY, NoProgress, ProgressSink
from consolidation.core.unified import ENTITY_ORDER
from consolidation.quarantine.issues import record_new_issues
from consolidation.quarantine.records import records_frame
from consolidation.quarantine.settings import QuarantineSettings
from validation import EntityValidator, ValidationContext

log = logging.getLogger(__name__)


class StageRecords(Protocol):
    """Stages released records of one source's batch into the unified store."""

    def __call__(
        self,
        connection: sa.Connection,
        *,
        source: str,
        ministry_id: int,
        batch_id: int,
        entity: str,
        frame: pd.DataFrame,
    ) -> None: ...


@dataclass
class ReleaseResult:
    checked: int = 0
    released: dict[str, int] = field(default_factory=dict)
    still_quarantined: int = 0
    new_issues: int = 0


def _context(
    connection: sa.Connection,
    source: str,
    spec_domain: str,
    ministry: str,
    reference: ReferenceData,
    settings: QuarantineSettings,
    quarantined: dict[str, list[dict[str, Any]]],
) -> ValidationContext:
    def codes(sql: str) -> set[str]:
        return {row[0] for row in connection.execute(sa.text(sql), {"s": source}) if row[0]}

    ledger = reference.ledger(ministry) if spec_domain == "finance" else None
    context = ValidationContext(
        reference_date=settings.reference_date,
        min_age_at_hire=settings.min_age_at_hire,
        crosswalk=ledger.crosswalk if ledger else None,
        open_periods=ledger.open_periods if ledger else None,
    )
    grades = table_of(Grade)  # typed: money comes back as Decimal through the Money type
    for code, low, high in connection.execute(
        sa.select(grades.c.code, grades.c.min_salary_amount, grades.c.max_salary_amount).where(
            grades.c.source_system == source, grades.c.withdrawn.is_(False)
        )
    ):
        if low is not None and high is not None:
            context.grade_bands[code] = (low, high)
    context.org_units = codes(
        "SELECT code FROM org_unit WHERE source_system = :s AND NOT withdrawn"
    )
    context.jobs = codes("SELECT code FROM job WHERE source_system = :s AND NOT withdrawn")
    context.employees = codes(
        "SELECT employee_no FROM employment WHERE source_system = :s AND NOT withdrawn"
    )
    context.employees |= {
        str(r["employee_no"]) for r in quarantined.get("employee", []) if r.get("employee_no")
    }
    if ledger is not None:
        entries = codes(
            "SELECT source_key FROM journal_entry WHERE source_system = :s AND NOT withdrawn"
        )
        entries |= {r[SOURCE_KEY] for r in quarantined.get("journal_entry", [])}
        context.entries = entries if entries or "journal_entry" in quarantined else None
    return context


def release(
    engine: sa.Engine,
    settings: QuarantineSettings,
    sources: Mapping[str, SourceSpec],
    reference: ReferenceData,
    *,
    actor: str,
    stage: StageRecords,
    verify: Callable[[sa.Connection, str], None] | None = None,
    progress: ProgressSink | None = None,
) -> ReleaseResult:
    """Re-check every open quarantined record of these sources and release what passes, one
    transaction per source; ``verify`` checks the store's integrity before each commits;
    ``progress`` counts the sources done."""
    result = ReleaseResult()
    sink = progress or NoProgress()
    sink.start("revalidate", len(sources))
    for name, spec in sources.items():
        with engine.begin() as connection:
            _release_source(connection, settings, name, spec, reference, actor, stage, result)
            if verify is not None:
                verify(connection, name)
        sink.advance(1)
    sink.finish()
    return result


def _release_source(
    connection: sa.Connection,
    settings: QuarantineSettings,
    source: str,
    spec: SourceSpec,
    reference: ReferenceData,
    actor: str,
    stage: StageRecords,
    result: ReleaseResult,
) -> None:
    qtable, itable = table_of(QuarantineRecord), table_of(ValidationIssue)
    rows = connection.execute(
        sa.select(qtable).where(
            qtable.c.source_system == source, qtable.c.status == IssueStatus.OPEN
        )
    ).all()
    if not rows:
        return
    waived = {
        (r.entity, r.source_key, r.rule_id, r.field)
        for r in connection.execute(
            sa.select(itable).where(
                itable.c.source_system == source, itable.c.status == IssueStatus.WAIVED
            )
        )
    }
    rows = _touched(list(rows), waived)
    if not rows:
        return
    by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    record_rows: dict[tuple[str, str], Any] = {}
    for row in rows:
        # a stale correction was made to a version the source no longer has: not applied
        data = {**row.data, **({} if row.correction_stale else row.corrected or {})}
        by_entity[row.entity].append(data)
        record_rows[(row.entity, row.source_key)] = row
    result.checked += len(rows)
    context = _context(
        connection, source, spec.domain, spec.ministry, reference, settings, by_entity
    )
    blocked: dict[str, set[str]] = defaultdict(set)
    found: list[pd.DataFrame] = []
    for entity, records in by_entity.items():
        validator = EntityValidator(entity, context)
        frame = records_frame(entity, records)
        issues = pd.concat([validator.check_chunk(frame), validator.finish()], ignore_index=True)
        issues["entity"] = issues["rule_id"].str.split(".").str[0]
        keep = [
            (e, k, r, f or "") not in waived
            for e, k, r, f in zip(
                issues["entity"],
                issues[SOURCE_KEY],
                issues["rule_id"],
                issues["field"],
                strict=True,
            )
        ]
        issues = issues.loc[keep]
        found.append(issues)
        for target, key in issues.loc[
            issues["severity"] == Severity.ERROR.value, ["entity", SOURCE_KEY]
        ].itertuples(index=False):
            blocked[str(target)].add(str(key))
    # Rules across records (duplicates) cannot be re-checked on a few records: their open
    # issues keep blocking until a steward waives them or rejects the record.
    for row in connection.execute(
        sa.select(itable.c.entity, itable.c.source_key, itable.c.rule_id).where(
            itable.c.source_system == source,
            itable.c.status == IssueStatus.OPEN,
            itable.c.severity == Severity.ERROR,
            itable.c.rule_id.like("%.unique"),
        )
    ):
        if (row.entity, row.source_key) in record_rows:
            blocked[row.entity].add(row.source_key)
    _hold(by_entity, blocked, connection, source)
    system = connection.execute(
        sa.select(table_of(SourceSystem)).where(table_of(SourceSystem).c.code == source)
    ).one()
    now = datetime.now(UTC)
    for entity in sorted(by_entity, key=ENTITY_ORDER.index):
        passing = [r for r in by_entity[entity] if r[SOURCE_KEY] not in blocked[entity]]
        if not passing:
            continue
        for batch_id, group in _by_batch(passing, record_rows, entity).items():
            stage(
                connection,
                source=source,
                ministry_id=system.ministry_id,
                batch_id=batch_id,
                entity=entity,
                frame=records_frame(entity, group),
            )
            connection.execute(
                sa.update(table_of(BatchEntity))
                .where(
                    table_of(BatchEntity).c.batch_id == batch_id,
                    table_of(BatchEntity).c.entity == entity,
                )
                .values(
                    rows_staged=table_of(BatchEntity).c.rows_staged + len(group),
                    rows_quarantined=table_of(BatchEntity).c.rows_quarantined - len(group),
                )
            )
        keys = [r[SOURCE_KEY] for r in passing]
        connection.execute(
            sa.update(qtable)
            .where(
                qtable.c.source_system == source,
                qtable.c.entity == entity,
                qtable.c.source_key.in_(keys),
            )
            .values(
                status=IssueStatus.FIXED,
                updated_by=actor,
                updated_at=now,
                version=qtable.c.version + 1,
            )
        )
        connection.execute(
            sa.update(itable)
            .where(
                itable.c.source_system == source,
                itable.c.entity == entity,
                itable.c.source_key.in_(keys),
                itable.c.status == IssueStatus.OPEN,
            )
            .values(
                status=IssueStatus.FIXED,
                updated_by=actor,
                updated_at=now,
                note="corrected by a steward; passed revalidation",
                version=itable.c.version + 1,
            )
        )
        audit.record_many(
            connection,
            actor,
            audit.Event.RECORD_RELEASED,
            (
                (
                    entity,
                    f"{source}|{key}",
                    {"corrected": bool(record_rows[(entity, key)].corrected)},
                )
                for key in keys
            ),
        )
        result.released[entity] = result.released.get(entity, 0) + len(keys)
    result.still_quarantined += sum(len(keys) for keys in blocked.values())
    result.new_issues += record_new_issues(connection, source, found, record_rows, now)


def _touched(rows: list[Any], waived: set[tuple[str, str, str, str]]) -> list[Any]:
    """The records a steward acted on (corrected, or waived an issue of), with the records
    that move with them: the whole entry of a line, an employee's payroll."""
    acted = {(r.entity, r.source_key) for r in rows if r.corrected and not r.correction_stale}
    acted |= {(entity, key) for entity, key, _rule, _field in waived}
    entries = {key for entity, key in acted if entity == "journal_entry"}
    entries |= {
        str(r.data.get("entry_no"))
        for r in rows
        if r.entity == "journal_line" and (r.entity, r.source_key) in acted
    }
    people = {key for entity, key in acted if entity == "employee"}
    return [
        r
        for r in rows
        if (r.entity, r.source_key) in acted
        or (r.entity == "journal_entry" and r.source_key in entries)
        or (r.entity == "journal_line" and str(r.data.get("entry_no")) in entries)
        or (r.entity == "payroll_line" and str(r.data.get("employee_no")) in people)
    ]


def _hold(
    by_entity: dict[str, list[dict[str, Any]]],
    blocked: dict[str, set[str]],
    connection: sa.Connection,
    source: str,
) -> None:
    """Keep dependants back with what they depend on."""
    lines = by_entity.get("journal_line", [])
    stuck_entries = set(blocked.get("journal_entry", set()))
    stuck_entries |= {
        str(r["entry_no"])
        for r in lines
        if r[SOURCE_KEY] in blocked["journal_line"] and r.get("entry_no")
    }
    for record in lines:
        if record.get("entry_no") in stuck_entries:
            blocked["journal_line"].add(record[SOURCE_KEY])
    blocked["journal_entry"] |= {
        r[SOURCE_KEY] for r in by_entity.get("journal_entry", []) if r[SOURCE_KEY] in stuck_entries
    }
    staged_entries = {
        row[0]
        for row in connection.execute(
            sa.text(
                "SELECT source_key FROM journal_entry WHERE source_system = :s AND NOT withdrawn"
            ),
            {"s": source},
        )
    }
    released_entries = {r[SOURCE_KEY] for r in by_entity.get("journal_entry", [])} - stuck_entries
    for record in lines:
        if record.get("entry_no") not in staged_entries | released_entries:
            blocked["journal_line"].add(record[SOURCE_KEY])
    staged_people = {
        row[0]
        for row in connection.execute(
            sa.text("SELECT source_key FROM employment WHERE source_system = :s AND NOT withdrawn"),
            {"s": source},
        )
    }
    released_people = {r[SOURCE_KEY] for r in by_entity.get("employee", [])} - blocked["employee"]
    for record in by_entity.get("payroll_line", []):
        if record.get("employee_no") not in staged_people | released_people:
            blocked["payroll_line"].add(record[SOURCE_KEY])


def _by_batch(
    records: list[dict[str, Any]], rows: dict[tuple[str, str], Any], entity: str
) -> dict[int, list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[int(rows[(entity, record[SOURCE_KEY])].batch_id)].append(record)
    return groups
