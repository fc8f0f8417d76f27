"""Match: persons and vendors across every staged source, into golden records.

Runs after staging, over all sources at once (the same person works in two ministries). Each
source record keeps its own values (``person_source``, ``partner_source``) and a link to its
golden record, so nothing is thrown away and a merge can be undone; grey-zone pairs wait in
``match_review``; conflicts (one national id, two birth dates) become issues for stewards.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import (
    AuditEvent,
    IssueStatus,
    MatchReview,
    Partner,
    PartnerSource,
    Person,
    PersonSource,
    Severity,
    ValidationIssue,
    table_of,
)
from consolidation.matching import (
    MatchConfig,
    PairwiseQuality,
    VendorMatchConfig,
    build_golden,
    match_persons,
    match_vendors,
    pairwise_quality,
)

if TYPE_CHECKING:
    from consolidation.pipeline import Pipeline

log = logging.getLogger(__name__)

PERSON_FIELDS = ["national_id", "name_ar", "name_en", "birth_date", "gender", "nationality"]
VENDOR_FIELDS = ["cr_number", "vat_number", "iban", "name_ar", "name_en"]


@dataclass(frozen=True)
class MatchOutcome:
    records: int
    clusters: int
    merged_records: int
    review: int
    conflicts: int


def _hash(values: list[Any]) -> str:
    text = "\x1f".join("" if v is None or v is pd.NaT else str(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records(connection: sa.Connection, model: type[Any], columns: list[str]) -> pd.DataFrame:
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


def _decided(connection: sa.Connection, kind: str, status: str) -> list[tuple[str, str]]:
    """Pairs a steward ruled on: 'apart' (never merge) or 'merged' (always merge)."""
    table = table_of(MatchReview)
    rows = connection.execute(
        sa.select(table.c.record_a, table.c.record_b).where(
            table.c.kind == kind, table.c.status == status
        )
    ).all()
    return [(a, b) for a, b in rows]


def _merge_decided(clusters: pd.DataFrame, key: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
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


def _priority(configured: list[str], records: pd.DataFrame) -> list[str]:
    return [*configured, *sorted(set(records["source"]) - set(configured))]


def match_people(pipeline: Pipeline) -> MatchOutcome:
    """Cluster every staged employment record into persons and write the golden records."""
    with pipeline.engine.begin() as connection:
        records = _records(connection, PersonSource, PERSON_FIELDS)
        if records.empty:
            return MatchOutcome(0, 0, 0, 0, 0)
        result = match_persons(
            records, MatchConfig(), cannot_link=_decided(connection, "person", "apart")
        )
        result = replace(
            result,
            clusters=_merge_decided(
                result.clusters, "person_key", _decided(connection, "person", "merged")
            ),
        )
        priority = _priority(pipeline.settings.matching.person_priority, records)
        golden, _links = build_golden(
            records[["record_id", "source", "recency", *PERSON_FIELDS]],
            result.clusters,
            priority={},
            default_priority=priority,
            fields=PERSON_FIELDS,
        )
        # A national id on two unmerged clusters (a conflict) is kept on neither golden record.
        shared = golden["national_id"].dropna()
        shared_ids = set(shared[shared.duplicated(keep=False)])
        founders = (
            records.merge(result.clusters, on="record_id")
            .sort_values("record_id")
            .drop_duplicates("person_key")
            .set_index("person_key")
        )
        person = table_of(Person)
        existing = {
            row.person_key: row
            for row in connection.execute(
                sa.select(person.c.id, person.c.person_key, person.c.row_hash, person.c.national_id)
            )
        }
        wanted: dict[str, str | None] = {}
        rows: dict[str, dict[str, Any]] = {}
        for row in golden.to_dict("records"):
            key = str(row["person_key"])
            founder = founders.loc[key]
            wanted[key] = row["national_id"] if row["national_id"] not in shared_ids else None
            values = {
                "name_ar": row["name_ar"],
                "name_en": row["name_en"],
                "birth_date": None if pd.isna(row["birth_date"]) else row["birth_date"].date(),
                "gender": row["gender"],
                "nationality": row["nationality"],
                "batch_id": int(str(founder["batch_id"])),
                "source_system": founder["source_system"],
                "source_key": founder["source_key"],
            }
            values["row_hash"] = _hash([wanted[key], *(values[f] for f in PERSON_FIELDS[1:])])
            rows[key] = values
        # National ids are unique: free those that move (a merge, an unmerge) before reassigning.
        moving = [
            r.id for k, r in existing.items() if r.national_id and wanted.get(k) != r.national_id
        ]
        if moving:
            connection.execute(
                sa.update(person).where(person.c.id.in_(moving)).values(national_id=None)
            )
        ids: dict[str, int] = {}
        for key, values in rows.items():
            current = existing.get(key)
            if current is None:
                ids[key] = connection.execute(
                    sa.insert(person).values(person_key=key, **values).returning(person.c.id)
                ).scalar_one()
            else:
                ids[key] = current.id
                if current.row_hash != values["row_hash"]:
                    connection.execute(
                        sa.update(person).where(person.c.id == current.id).values(**values)
                    )
        _relink(connection, result, ids)
        stale = [r.id for k, r in existing.items() if k not in rows]
        if stale:
            connection.execute(sa.delete(person).where(person.c.id.in_(stale)))
        for key, national_id in wanted.items():
            current = existing.get(key)
            if national_id and (current is None or current.national_id != national_id):
                connection.execute(
                    sa.update(person).where(person.c.id == ids[key]).values(national_id=national_id)
                )
        review = _write_review(connection, "person", result.review)
        conflicts = _write_conflicts(connection, records, result.conflicts, "person", "national_id")
    merged = int((result.clusters.groupby("person_key")["record_id"].transform("size") > 1).sum())
    return MatchOutcome(len(records), len(golden), merged, review, conflicts)


def _relink(connection: sa.Connection, result: Any, ids: dict[str, int]) -> None:
    links = result.clusters.merge(
        result.pairs.melt(
            id_vars=["score", "method"], value_vars=["record_a", "record_b"], value_name="record_id"
        ).drop_duplicates("record_id", keep="last")[["record_id", "score", "method"]],
        on="record_id",
        how="left",
    )
    source = table_of(PersonSource)
    rows = [
        {
            "b_system": rid.split("|", 1)[0],
            "b_key": rid.split("|", 1)[1],
            "b_person": ids[str(key)],
            "b_method": method if isinstance(method, str) else "single",
            "b_score": None if pd.isna(score) else float(score),
        }
        for rid, key, score, method in zip(
            links["record_id"], links["person_key"], links["score"], links["method"], strict=True
        )
    ]
    connection.execute(
        sa.update(source)
        .where(
            source.c.source_system == sa.bindparam("b_system"),
            source.c.source_key == sa.bindparam("b_key"),
        )
        .values(
            person_id=sa.bindparam("b_person"),
            match_method=sa.bindparam("b_method"),
            match_score=sa.bindparam("b_score"),
        ),
        rows,
    )
    connection.execute(
        sa.text(
            "UPDATE employment SET person_id = (SELECT ps.person_id FROM person_source ps "
            "WHERE ps.source_system = employment.source_system "
            "AND ps.source_key = employment.source_key)"
        )
    )


def _write_review(connection: sa.Connection, kind: str, review: pd.DataFrame) -> int:
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


def _write_conflicts(
    connection: sa.Connection,
    records: pd.DataFrame,
    conflicts: pd.DataFrame,
    entity: str,
    field: str,
) -> int:
    """Each record of a conflict gets a warning issue a steward resolves."""
    table = table_of(ValidationIssue)
    rule_id = f"{entity}.{field}.conflict"
    by_id = records.set_index("record_id")
    now = datetime.now(UTC)
    existing = {
        (r.source_system, r.source_key)
        for r in connection.execute(
            sa.select(table.c.source_system, table.c.source_key).where(table.c.rule_id == rule_id)
        )
    }
    rows = []
    for record_ids, value, message in zip(
        conflicts["record_ids"], conflicts[conflicts.columns[1]], conflicts["message"], strict=True
    ):
        for record_id in record_ids:
            record = by_id.loc[record_id]
            identity = (record["source_system"], record["source_key"])
            if identity in existing:
                continue
            existing.add(identity)
            rows.append(
                {
                    "batch_id": int(record["batch_id"]),
                    "source_system": identity[0],
                    "entity": entity,
                    "source_key": identity[1],
                    "rule_id": rule_id,
                    "severity": Severity.WARNING,
                    "field": field,
                    "value": None if value is None else str(value),
                    "message": str(message),
                    "status": IssueStatus.OPEN,
                    "created_at": now,
                }
            )
    if rows:
        connection.execute(sa.insert(table), rows)
    return len(conflicts)


def match_suppliers(pipeline: Pipeline) -> MatchOutcome:
    """Cluster every staged vendor record into partners and link journal lines to them."""
    with pipeline.engine.begin() as connection:
        records = _records(connection, PartnerSource, ["vendor_no", *VENDOR_FIELDS])
        if records.empty:
            return MatchOutcome(0, 0, 0, 0, 0)
        result = match_vendors(records, VendorMatchConfig())
        result = replace(
            result,
            clusters=_merge_decided(
                result.clusters, "vendor_key", _decided(connection, "vendor", "merged")
            ),
        )
        priority = _priority(pipeline.settings.matching.vendor_priority, records)
        golden, _links = build_golden(
            records[["record_id", "source", "recency", *VENDOR_FIELDS]],
            result.clusters,
            priority={},
            default_priority=priority,
            fields=VENDOR_FIELDS,
        )
        founders = (
            records.merge(result.clusters, on="record_id")
            .sort_values("record_id")
            .drop_duplicates("vendor_key")
            .set_index("vendor_key")
        )
        partner = table_of(Partner)
        existing = {
            row.partner_key: row
            for row in connection.execute(
                sa.select(partner.c.id, partner.c.partner_key, partner.c.row_hash)
            )
        }
        ids: dict[str, int] = {}
        for row in golden.to_dict("records"):
            key = str(row["vendor_key"])
            founder = founders.loc[key]
            values = {f: row[f] for f in VENDOR_FIELDS}
            values.update(
                batch_id=int(str(founder["batch_id"])),
                source_system=founder["source_system"],
                source_key=founder["source_key"],
                row_hash=_hash([row[f] for f in VENDOR_FIELDS]),
            )
            current = existing.pop(key, None)
            if current is None:
                ids[key] = connection.execute(
                    sa.insert(partner).values(partner_key=key, **values).returning(partner.c.id)
                ).scalar_one()
            else:
                ids[key] = current.id
                if current.row_hash != values["row_hash"]:
                    connection.execute(
                        sa.update(partner).where(partner.c.id == current.id).values(**values)
                    )
        source = table_of(PartnerSource)
        connection.execute(
            sa.update(source)
            .where(
                source.c.source_system == sa.bindparam("b_system"),
                source.c.source_key == sa.bindparam("b_key"),
            )
            .values(partner_id=sa.bindparam("b_partner"), match_method=sa.bindparam("b_method")),
            [
                {
                    "b_system": rid.split("|", 1)[0],
                    "b_key": rid.split("|", 1)[1],
                    "b_partner": ids[str(key)],
                    "b_method": "matched",
                }
                for rid, key in zip(
                    result.clusters["record_id"], result.clusters["vendor_key"], strict=True
                )
            ],
        )
        connection.execute(
            sa.text(
                "UPDATE journal_line SET partner_id = (SELECT ps.partner_id FROM partner_source ps "
                "WHERE ps.source_system = journal_line.source_system "
                "AND ps.source_key = journal_line.vendor_no) "
                "WHERE vendor_no IS NOT NULL AND COALESCE(partner_id, -1) <> COALESCE(("
                "SELECT ps.partner_id FROM partner_source ps "
                "WHERE ps.source_system = journal_line.source_system "
                "AND ps.source_key = journal_line.vendor_no), -1)"
            )
        )
        stale = list(existing.values())
        if stale:
            connection.execute(sa.delete(partner).where(partner.c.id.in_([r.id for r in stale])))
        review = _write_review(connection, "vendor", result.review)
        conflicts = _write_conflicts(connection, records, result.conflicts, "vendor", "identifier")
    merged = int((result.clusters.groupby("vendor_key")["record_id"].transform("size") > 1).sum())
    return MatchOutcome(len(records), len(golden), merged, review, conflicts)


def review_pairs(pipeline: Pipeline, *, status: str | None = "open") -> list[dict[str, Any]]:
    table = table_of(MatchReview)
    query = sa.select(table).order_by(table.c.kind, table.c.score.desc())
    if status:
        query = query.where(table.c.status == status)
    with pipeline.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def decide_pair(pipeline: Pipeline, review_id: int, decision: str) -> None:
    """A steward's ruling on a grey-zone pair: 'merged' or 'apart'; the next match applies it."""
    if decision not in ("merged", "apart", "open"):
        raise MatchingDecisionError(f"decision {decision!r}: expected merged, apart or open")
    table = table_of(MatchReview)
    with pipeline.engine.begin() as connection:
        found = connection.execute(
            sa.update(table)
            .where(table.c.id == review_id)
            .values(
                status=decision, decided_by=pipeline.settings.operator, decided_at=datetime.now(UTC)
            )
        ).rowcount
        if not found:
            raise MatchingDecisionError(f"no review pair {review_id}")
        connection.execute(
            sa.insert(table_of(AuditEvent)).values(
                at=datetime.now(UTC),
                actor=pipeline.settings.operator,
                action=f"match.{decision}",
                target_type="match_review",
                target_id=str(review_id),
                detail={},
            )
        )


class MatchingDecisionError(ConsolidationError):
    """A review decision that cannot be recorded."""


def person_quality(pipeline: Pipeline, truth: dict[str, Any]) -> PairwiseQuality:
    """Precision and recall of the person clusters against a known truth (the demo's)."""
    with pipeline.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT ps.source_system || '|' || ps.source_key, p.person_key "
                "FROM person_source ps "
                "JOIN person p ON p.id = ps.person_id"
            )
        ).all()
    predicted = pd.DataFrame(rows, columns=["record_id", "cluster"])
    true = pd.DataFrame(
        [(f"{r['source']}|{r['source_key']}", r["person"]) for r in truth["records"]],
        columns=["record_id", "cluster"],
    )
    true = true[true["record_id"].isin(predicted["record_id"])]
    return pairwise_quality(predicted, true)
