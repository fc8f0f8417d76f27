"""Holds: records kept out with a record they depend on (an entry's lines, an employee's
payroll, the employees of a broken org unit or job)."""

from __future__ import annotations

import pyarrow as pa

from consolidation.core.types import SOURCE_KEY
from consolidation.staging.work import EntityWork


def decide_holds(errors: dict[str, set[str]], works: list[EntityWork]) -> dict[str, dict[str, str]]:
    """Held keys per entity, with what holds them: the lines of an entry with an error (or a
    line with one), the employees of an org unit or job with one, a held employee's payroll."""
    held: dict[str, dict[str, str]] = {}
    by_target = {w.mapping.target: w for w in works if not w.mapping.distinct}
    lines = by_target.get("journal_line")
    if lines is not None or "journal_entry" in errors:
        blocked = set(errors.get("journal_entry", set()))
        line_errors = errors.get("journal_line", set())
        if lines is not None and line_errors:
            wrong = pa.array(sorted(line_errors), type=pa.string())
            for frame in lines.frames(["entry_no", SOURCE_KEY], keys=wrong):
                blocked.update(e for e in frame["entry_no"] if e is not None)
        held["journal_entry"] = {
            k: f"journal_line of entry {k}" for k in blocked - errors.get("journal_entry", set())
        }
        holds: dict[str, str] = {}
        if lines is not None and blocked:  # nothing blocked: the lines need no second read
            entries = pa.array(sorted(blocked), type=pa.string())
            for frame in lines.frames(
                ["entry_no", SOURCE_KEY], keys=entries, key_column="entry_no"
            ):
                stuck = frame[~frame[SOURCE_KEY].isin(line_errors)]
                holds.update(
                    (k, f"journal_entry:{e}")
                    for k, e in zip(stuck[SOURCE_KEY], stuck["entry_no"], strict=True)
                )
        held["journal_line"] = holds
    employees = by_target.get("employee")
    if employees is not None:
        bad_units, bad_jobs = errors.get("org_unit", set()), errors.get("job", set())
        holds = {}
        if bad_units or bad_jobs:
            for frame in employees.frames(["org_unit_code", "job_code", SOURCE_KEY]):
                stuck = frame[
                    frame["org_unit_code"].isin(bad_units) | frame["job_code"].isin(bad_jobs)
                ]
                holds.update((k, "org_unit or job in quarantine") for k in stuck[SOURCE_KEY])
        held["employee"] = holds
        blocked_people = errors.get("employee", set()) | set(holds)
        payroll = by_target.get("payroll_line")
        if payroll is not None and blocked_people:
            holds = {}
            for frame in payroll.frames(["employee_no", SOURCE_KEY]):
                stuck = frame[frame["employee_no"].isin(blocked_people)]
                holds.update(
                    (k, f"employee:{e}")
                    for k, e in zip(stuck[SOURCE_KEY], stuck["employee_no"], strict=True)
                )
            held["payroll_line"] = holds
    return held
