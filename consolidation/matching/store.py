"""Matching's reads and writes shared by persons and vendors: staged source records, decided
pairs, the review queue, conflict issues, and what a run reports (``MatchOutcome``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from consolidation.core.schema import (
    MatchReview,
    Severity,
    table_of,
)
from consolidation.quarantine import FoundIssue, raise_issues


@dataclass(frozen=True)
class MatchOutcome:
    """What one match run did: records read, golden records, records merged with another,
    pairs in review, conflicts."""

    records: int
    clusters: int
    merged_records: int
    review: int
    conflicts: int


def row_hash(values: list[Any]) -> str:
    """A golden record's fingerprint: it is rewritten only when this changes."""
    text = "\x1f".join("" if v is None or v is pd.NaT else str(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_records(connection: sa.Connection, model: type[Any], columns: list[str]) -> pd.DataFrame:
    """Every staged source record of ``model`` as matching reads it (``record_id`` is
    ``source|key``)."""
    table = table_of(model)
    query = sa.select(
        table.c.id,
        table.c.batch_id,
        table.c.source_system,
        table.c.source_key,
        table.c.recency,
        *(table.c[c] for c in columns),
    )
    frame = pd.DataFrame(connection.execute(query).mappings().all())
    if frame.empty:
        return frame
    frame["record_id"] = frame["source_system"] + "|" + frame["source_key"]
    frame["source"] = frame["source_system"]
    frame["recency"] = pd.to_datetime(frame["recency"], utc=True).dt.tz_localize(None)
    frame["recency"] = frame["recency"].astype("datetime64[ns]")
    for column in columns:
        if column == "birth_date":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def decided_pairs(connection: sa.Connection, kind: str, status: str) -> list[tuple[str, str]]:
    """Pairs a steward ruled on: 'apart' (never merge) or 'merged' (always merge)."""
    table = table_of(MatchReview)
    rows = connection.execute(
        sa.select(table.c.record_a, table.c.record_b).where(
            table.c.kind == kind, table.c.status == status
        )
    ).all()
    return [(a, b) for a, b in rows]


def merge_decided(clusters: pd.DataFrame, key: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Join the clusters of pairs a steward merged; the smallest key names the union."""
    if not pairs:
        return clusters
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    of = dict(zip(clusters["record_id"], clusters[key], strict=True))
    for a, b in pairs:
        if a in of and b in of:
            left, right = sorted((find(of[a]), find(of[b])))
            if left != right:
                parent[right] = left
    return clusters.assign(**{key: clusters[key].map(find)})


def source_priority(configured: list[str], records: pd.DataFrame) -> list[str]:
    """The configured sources first, then every other source present, by name."""
    return [*configured, *sorted(set(records["source"]) - set(configured))]


def write_review(connection: sa.Connection, kind: str, review: pd.DataFrame) -> int:
    """Queue the grey-zone pairs not queued before; returns how many the run found."""
    table = table_of(MatchReview)
    known = {
        (a, b)
        for a, b in connection.execute(
            sa.select(table.c.record_a, table.c.record_b).where(table.c.kind == kind)
        )
    }
    rows = [
        {
            "kind": kind,
            "record_a": a,
            "record_b": b,
            "score": float(score),
            "reasons": str(reasons),
            "status": "open",
        }
        for a, b, score, reasons in review[["record_a", "record_b", "score", "reasons"]].itertuples(
            index=False
        )
        if (a, b) not in known
    ]
    if rows:
        connection.execute(sa.insert(table), rows)
    return len(review)


def write_conflicts(
    connection: sa.Connection,
    records: pd.DataFrame,
    conflicts: pd.DataFrame,
    entity: str,
    field: str,
) -> int:
    """Each record of a conflict gets a warning issue in the quarantine, which a steward
    resolves (one already there is left as the steward left it)."""
    by_id = records.set_index("record_id")
    found = []
    for record_ids, value, message in zip(
        conflicts["record_ids"], conflicts[conflicts.columns[1]], conflicts["message"], strict=True
    ):
        for record_id in record_ids:
            record = by_id.loc[record_id]
            found.append(
                FoundIssue(
                    batch_id=int(record["batch_id"]),
                    source=str(record["source_system"]),
                    entity=entity,
                    source_key=str(record["source_key"]),
                    rule_id=f"{entity}.{field}.conflict",
                    severity=Severity.WARNING,
                    message=str(message),
                    field=field,
                    value=None if value is None else str(value),
                )
            )
    raise_issues(connection, found, reopen=False)
    return len(conflicts)


def free_lineage(
    connection: sa.Connection,
    table: sa.Table,
    existing: dict[str, Any],
    wanted: dict[str, dict[str, Any]],
) -> set[str]:
    """Golden records whose lineage (the founding source record) moves to another golden
    record — a steward's merge, an unmerge — or that go away: their lineage is parked on a
    placeholder first, so that no golden record takes a lineage another still holds (it is
    unique). The keys whose lineage moved, which must be written whatever their row hash."""
    moved = {
        key
        for key, row in existing.items()
        if key not in wanted
        or (row.source_system, row.source_key)
        != (wanted[key]["source_system"], wanted[key]["source_key"])
    }
    if moved:
        connection.execute(
            sa.update(table)
            .where(table.c.id.in_([existing[key].id for key in moved]))
            .values(source_key=sa.literal("~moving~") + sa.cast(table.c.id, sa.String))
        )
    return moved
