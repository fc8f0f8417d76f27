"""Persons: cluster every staged employment record into persons and write their golden records,
links and review pairs; and score the clusters against a known truth."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import sqlalchemy as sa

from consolidation.core import store
from consolidation.core.schema import Person, PersonSource, table_of
from consolidation.matching.person_scoring import MatchConfig
from consolidation.matching.persons import match_persons
from consolidation.matching.quality import PairwiseQuality, pairwise_quality
from consolidation.matching.settings import MatchingSettings
from consolidation.matching.store import (
    MatchOutcome,
    decided_pairs,
    free_lineage,
    merge_decided,
    row_hash,
    source_priority,
    source_records,
    write_conflicts,
    write_review,
)
from consolidation.matching.survivorship import build_golden

PERSON_FIELDS = ["national_id", "name_ar", "name_en", "birth_date", "gender", "nationality"]


def match_people(engine: sa.Engine, settings: MatchingSettings) -> MatchOutcome:
    """Cluster every staged employment record into persons and write the golden records."""
    with engine.begin() as connection:
        store.serialize(connection, "consolidation.match")  # one match at a time
        records = source_records(connection, PersonSource, PERSON_FIELDS)
        if records.empty:
            return MatchOutcome(0, 0, 0, 0, 0)
        result = match_persons(
            records, MatchConfig(), cannot_link=decided_pairs(connection, "person", "apart")
        )
        result = replace(
            result,
            clusters=merge_decided(
                result.clusters, "person_key", decided_pairs(connection, "person", "merged")
            ),
        )
        priority = source_priority(settings.person_priority, records)
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
                sa.select(
                    person.c.id,
                    person.c.person_key,
                    person.c.row_hash,
                    person.c.national_id,
                    person.c.source_system,
                    person.c.source_key,
                )
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
            values["row_hash"] = row_hash([wanted[key], *(values[f] for f in PERSON_FIELDS[1:])])
            rows[key] = values
        # National ids are unique: free those that move (a merge, an unmerge) before reassigning.
        moving = [
            r.id for k, r in existing.items() if r.national_id and wanted.get(k) != r.national_id
        ]
        if moving:
            connection.execute(
                sa.update(person).where(person.c.id.in_(moving)).values(national_id=None)
            )
        moved = free_lineage(connection, person, existing, rows)
        ids: dict[str, int] = {}
        for key, values in rows.items():
            current = existing.get(key)
            if current is None:
                ids[key] = connection.execute(
                    sa.insert(person).values(person_key=key, **values).returning(person.c.id)
                ).scalar_one()
            else:
                ids[key] = current.id
                if current.row_hash != values["row_hash"] or key in moved:
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
        review = write_review(connection, "person", result.review)
        conflicts = write_conflicts(connection, records, result.conflicts, "person", "national_id")
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


def person_quality(engine: sa.Engine, truth: dict[str, Any]) -> PairwiseQuality:
    """Precision and recall of the person clusters against a known truth (the demo's)."""
    with engine.connect() as connection:
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
