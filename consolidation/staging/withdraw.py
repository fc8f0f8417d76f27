"""Taking staged rows back: what a first load's pass 1 staged and the whole batch then kept out
(deleted: no earlier version existed), and rows an earlier batch staged whose source record's
new version this batch kept out (withdrawn: kept, but no longer current)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from consolidation.core import audit
from consolidation.core.bulk import insert_rows
from consolidation.core.spill import KeySet
from consolidation.staging.lane import DatabaseLane
from consolidation.staging.results import EntityOutcome
from consolidation.staging.specs import SPECS
from consolidation.staging.work import EntityWork

log = logging.getLogger(__name__)

KEYS = sa.table("_stage_withdraw", sa.column("source_key", sa.Text))
CHILDREN = {
    "journal_entry": ("journal_line", "entry_id"),
    "employment": ("payroll_line", "employment_id"),
}
"""A withdrawn row's dependants in the store, withdrawn with it: (table, its reference)."""


def key_table(connection: sa.Connection, keys: set[str]) -> None:
    """The temporary table ``_stage_withdraw``, holding ``keys``."""
    connection.execute(sa.text("DROP TABLE IF EXISTS _stage_withdraw"))
    connection.execute(sa.text("CREATE TEMPORARY TABLE _stage_withdraw (source_key TEXT)"))
    insert_rows(connection, KEYS, [{"source_key": k} for k in sorted(keys)])


def take_back_early(
    connection: sa.Connection,
    lane: DatabaseLane,
    source: str,
    works: list[EntityWork],
    errors: dict[str, set[str]],
    held: dict[str, dict[str, str]],
    early_out: dict[str, KeySet],
) -> dict[int, int]:
    """Take back what pass 1 staged and the whole batch has since kept out (a duplicate, an
    unbalanced entry and its lines, the payroll of a held employee): dependants first.
    Returns the rows withdrawn from each work's counted table."""
    withdrawn: dict[int, int] = {}
    done: set[str] = set()
    for work in reversed(works):
        target = work.mapping.target
        if not work.early or target in done:
            continue
        done.add(target)
        late = (errors.get(target, set()) | held.get(target, {}).keys()) - early_out[target].as_set
        if not late:
            continue

        def delete(late: set[str] = late, target: str = target) -> int:
            key_table(connection, late)
            removed = 0
            for spec in SPECS[target]:
                removed = connection.execute(
                    sa.text(
                        f"DELETE FROM {spec.table} WHERE source_system = :s AND source_key "
                        "IN (SELECT source_key FROM _stage_withdraw)"
                    ),
                    {"s": source},
                ).rowcount
            return removed

        removed = lane.call(delete)
        log.info("%s: withdrew %d %s rows staged in pass 1", source, removed, target)
        counted = next(w for w in works if w.mapping.target == target and w.early)
        withdrawn[id(counted)] = removed
    return withdrawn


def withdraw_superseded(
    connection: sa.Connection,
    lane: DatabaseLane,
    source: str,
    works: list[EntityWork],
    outcomes: list[EntityOutcome],
    errors: dict[str, set[str]],
    held: dict[str, dict[str, str]],
    *,
    batch_id: int,
    actor: str,
) -> None:
    """Rows an earlier batch staged whose source record this batch kept out (its new version
    is quarantined or rejected) are withdrawn: the source no longer has the version they
    hold. They keep their ids (and their counterparts in the central Odoo) and are current
    again once a version passes; the audit log records each. Dependants first."""
    done: set[str] = set()
    events: list[tuple[str, str, str]] = []
    for work in reversed(works):
        target = work.mapping.target
        if work.early or target in done:  # a first load has no earlier version
            continue
        done.add(target)
        out = errors.get(target, set()) | held.get(target, {}).keys()
        if not out:
            continue
        marked: list[tuple[str, str, str]] = lane.call(
            mark_withdrawn, connection, source, target, out
        )
        events.extend(marked)
        counted = [o for o in outcomes if o.target == target and not o.derived]
        if counted:
            last_table = SPECS[target][-1].table
            counted[0].withdrawn += sum(1 for table, _k, _w in marked if table == last_table)
    if events:
        log.info(
            "%s: withdrew %d staged rows superseded by quarantined versions",
            source,
            len(events),
        )
        lane.call(
            audit.record_many,
            connection,
            actor,
            audit.Event.ROW_WITHDRAWN,
            [
                (table, f"{source}|{key}", {"batch_id": batch_id, "reason": why})
                for table, key, why in events
            ],
        )


def mark_withdrawn(
    connection: sa.Connection, source: str, target: str, keys: set[str]
) -> list[tuple[str, str, str]]:
    """Mark the source's current rows of ``target`` with these keys withdrawn, with the
    lines of a withdrawn entry and the payroll of a withdrawn employment; returns (table,
    key, why) of each row marked."""
    key_table(connection, keys)
    params = {"s": source}
    marked: list[tuple[str, str, str]] = []
    for spec in SPECS[target]:
        where = (
            "source_system = :s AND NOT withdrawn AND source_key IN "
            "(SELECT source_key FROM _stage_withdraw)"
        )
        found = connection.execute(
            sa.text(f"SELECT id, source_key FROM {spec.table} WHERE {where}"), params
        ).all()
        if not found:
            continue
        connection.execute(
            sa.text(f"UPDATE {spec.table} SET withdrawn = TRUE WHERE {where}"), params
        )
        marked.extend((spec.table, key, "its new version is quarantined") for _id, key in found)
        child = CHILDREN.get(spec.table)
        if child is not None:
            table, column = child
            parent = f"SELECT id FROM {spec.table} WHERE source_system = :s AND withdrawn"
            below = f"{column} IN ({parent}) AND NOT withdrawn"
            for (key,) in connection.execute(
                sa.text(f"SELECT source_key FROM {table} WHERE {below}"), params
            ):
                marked.append((table, key, f"its {spec.table} is withdrawn"))
            connection.execute(
                sa.text(f"UPDATE {table} SET withdrawn = TRUE WHERE {below}"), params
            )
    return marked
