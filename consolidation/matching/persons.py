"""Cross-ministry person matching: national id first, then scored names and birth date.

Two passes over one frame of employment records:

1. **National id.** Records sharing a valid CPR link when their birth dates agree (or one is
   missing) and their names clear a low bar. Disagreeing records become conflict rows for the
   stewards and are never merged automatically, not even through a third record.
2. **Candidates.** Pairs from blocks (same birth date; same birth year and Arabic first and last
   name; same Arabic first, father and last name; same Latin first and last name keys and birth
   year) are scored on normalized Arabic and Latin names, birth date and gender. Above the merge
   threshold they merge; a grey zone goes to review with its reasons.

Merges run through a constrained union-find: a cluster never holds two trusted national ids
(valid, and agreeing with the birth date's YYMM), nor two records in conflict. The features
(``person_features``) and the scores (``person_scoring``) have modules of their own; blocking
and clustering are shared with vendor matching.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.matching.blocking import IntArray, block_pairs, codes_of, unique_pairs
from consolidation.matching.clustering import (
    PAIR_COLUMNS,
    REVIEW_COLUMNS,
    LinkGraph,
    MatchRun,
    by_score,
    check_columns,
    cluster_keys,
    empty_frame,
    pair_frame,
)
from consolidation.matching.person_features import (
    PersonFeatures,
    person_features,
    valid_national_ids,
)
from consolidation.matching.person_scoring import MatchConfig, pair_reasons, score_pairs

logger = logging.getLogger(__name__)

PERSON_COLUMNS = ("record_id", "source", "national_id", "name_ar", "name_en", "birth_date")
CONFLICT_COLUMNS = ["record_ids", "national_id", "kind", "message"]


@dataclass(frozen=True)
class PersonMatchResult:
    """Clusters, the links that made them, the grey zone to review, and the id conflicts."""

    clusters: pd.DataFrame
    """record_id → person_key, in input order."""
    pairs: pd.DataFrame
    """record_a, record_b, score, method ('national_id' or 'fuzzy'): the links merged."""
    review: pd.DataFrame
    """record_a, record_b, score, reasons: pairs a steward decides."""
    conflicts: pd.DataFrame
    """record_ids (tuple), national_id, kind, message: records that contradict each other."""
    stats: dict[str, int] = field(default_factory=dict)


def _national_ids(
    records: pd.DataFrame,
    f: PersonFeatures,
    config: MatchConfig,
    conflicts: list[dict[str, object]],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Valid ids (placeholders dropped, with a conflict row) and trusted ids (valid, and their
    YYMM agrees with the birth date when there is one)."""
    valid = valid_national_ids(records["national_id"])
    counts = valid.map(valid.value_counts())
    placeholder = (counts > config.max_id_group).to_numpy(dtype=bool)
    shared = records.loc[placeholder, "record_id"].groupby(valid[placeholder].to_numpy())
    for national_id, group in shared:
        conflicts.append(
            {
                "record_ids": tuple(sorted(group)),
                "national_id": national_id,
                "kind": "shared_national_id",
                "message": f"national id {national_id} is on {len(group)} records; "
                "treated as a placeholder, not an identity",
            }
        )
    valid = valid.where(~placeholder, None)
    yymm = pd.Series(
        [f"{y % 100:02d}{m:02d}" if y >= 0 else None for y, m in zip(f.year, f.month, strict=True)],
        index=records.index,
        dtype=object,
    )
    agrees = yymm.isna() | (valid.str[:4] == yymm)
    trusted = valid.where(valid.notna() & agrees, None)
    return valid.to_numpy(dtype=object), trusted.to_numpy(dtype=object)


def _link_national_ids(
    run: MatchRun,
    records: pd.DataFrame,
    f: PersonFeatures,
    valid: npt.NDArray[np.object_],
    config: MatchConfig,
) -> None:
    """Link records sharing a national id when birth date and name agree; else a conflict."""
    id_a, id_b, _ = block_pairs(codes_of(valid), max(config.max_id_group, 2))
    s = score_pairs(f, id_a, id_b, config)
    birth_conflict = (s.birth == "near") | (s.birth == "different")
    name_conflict = s.name < config.id_name_min
    agree = ~birth_conflict & ~name_conflict
    for i in np.flatnonzero(~agree).tolist():
        a, b = int(id_a[i]), int(id_b[i])
        run.graph.forbid(a, b)
        national_id = valid[a]
        if birth_conflict[i]:
            births = records["birth_date"].iloc[[a, b]].dt.strftime("%Y-%m-%d").tolist()
            kind = "birth_date_mismatch"
            message = (
                f"national id {national_id} is on records with birth dates "
                f"{births[0]} and {births[1]}"
            )
        else:
            kind = "name_mismatch"
            message = (
                f"national id {national_id} is on records with different names "
                f"(similarity {s.name[i]:.0f}, below {config.id_name_min:.0f})"
            )
        run.conflicts.append(
            {
                "record_ids": (run.record_ids[a], run.record_ids[b]),
                "national_id": national_id,
                "kind": kind,
                "message": message,
            }
        )
    score = np.nan_to_num(s.score, nan=0.0)
    for i in by_score(score, agree):
        a, b = int(id_a[i]), int(id_b[i])
        refused = run.graph.union(a, b)
        if refused is None:
            run.links.append((a, b, float(score[i]), "national_id"))
        else:
            run.review.append((a, b, float(score[i]), pair_reasons(s, i, refused)))


def _candidates(
    f: PersonFeatures, valid: npt.NDArray[np.object_], config: MatchConfig
) -> tuple[IntArray, IntArray]:
    """Pairs from the blocks that share a name part and are not already judged by id."""
    n = len(valid)
    blocked: list[tuple[IntArray, IntArray]] = []
    skipped = 0
    for codes in f.blocks:
        a, b, oversized = block_pairs(codes, config.max_block_size)
        blocked.append((a, b))
        skipped += oversized
    if skipped:
        logger.warning("skipped %d blocks larger than %d records", skipped, config.max_block_size)
    a, b = unique_pairs(blocked, n)
    # A pair sharing no name part at all (from a birth-date block) needs no scoring.
    shares = np.zeros(len(a), dtype=bool)
    for part in f.name_parts:
        shares |= (part[a] == part[b]) & (part[a] >= 0)
    a, b = a[shares], b[shares]
    same_id = np.asarray(pd.notna(valid[a]) & (valid[a] == valid[b]), dtype=bool)
    return a[~same_id], b[~same_id]


def _link_candidates(
    run: MatchRun,
    f: PersonFeatures,
    valid: npt.NDArray[np.object_],
    trusted: npt.NDArray[np.object_],
    config: MatchConfig,
) -> int:
    """Score the blocked pairs; merge, queue for review, or drop each. Returns how many."""
    cand_a, cand_b = _candidates(f, valid, config)
    s = score_pairs(f, cand_a, cand_b, config)
    score = np.nan_to_num(s.score, nan=-1.0)
    two_ids = np.asarray(
        pd.notna(trusted[cand_a])
        & pd.notna(trusted[cand_b])
        & (trusted[cand_a] != trusted[cand_b]),
        dtype=bool,
    )
    merge = (score >= config.merge_threshold) & ~(s.first_differs | s.gender_differs | two_ids)
    # Two trusted ids apart: different persons, unless everything else agrees closely.
    apart = two_ids & ((score < config.merge_threshold) | s.first_differs | s.gender_differs)
    grey = (score >= config.review_threshold) & ~merge & ~apart
    for i in by_score(score, merge):
        a, b = int(cand_a[i]), int(cand_b[i])
        refused = run.graph.union(a, b)
        if refused is None:
            run.links.append((a, b, float(score[i]), "fuzzy"))
        else:
            run.review.append((a, b, float(score[i]), pair_reasons(s, i, refused)))
    for i in np.flatnonzero(grey).tolist():
        extra = "different national ids" if two_ids[i] else ""
        row = (int(cand_a[i]), int(cand_b[i]), float(score[i]), pair_reasons(s, i, extra))
        run.review.append(row)
    return len(cand_a)


def match_persons(
    records: pd.DataFrame,
    config: MatchConfig | None = None,
    *,
    cannot_link: Iterable[tuple[str, str]] = (),
) -> PersonMatchResult:
    """Cluster employment records into persons (see the module docstring).

    ``cannot_link`` holds record-id pairs a steward has ruled apart; they are never merged.
    """
    config = config or MatchConfig()
    check_columns(records, PERSON_COLUMNS, "person")
    records = records.reset_index(drop=True)
    record_ids = records["record_id"].astype(str).to_numpy(dtype=object)
    f = person_features(records)
    conflicts: list[dict[str, object]] = []
    valid, trusted = _national_ids(records, f, config, conflicts)
    graph = LinkGraph(len(records), {"national id": list(trusted)})
    run = MatchRun(record_ids, graph, conflicts=conflicts)
    position = {record_id: i for i, record_id in enumerate(record_ids)}
    for left, right in cannot_link:
        if left in position and right in position:
            graph.forbid(position[left], position[right])

    _link_national_ids(run, records, f, valid, config)
    candidates = _link_candidates(run, f, valid, trusted, config)

    roots = graph.roots()
    keys = cluster_keys(record_ids, roots, [trusted, valid], prefix="X")
    review = run.open_review(roots)
    stats = {
        "records": len(records),
        "persons": len(np.unique(roots)),
        "candidate_pairs": candidates,
        "national_id_links": sum(1 for link in run.links if link[3] == "national_id"),
        "fuzzy_links": sum(1 for link in run.links if link[3] == "fuzzy"),
        "review": len(review),
        "conflicts": len(run.conflicts),
    }
    logger.info(
        "matched %d person records into %d persons: %d links, %d to review, %d conflicts",
        stats["records"],
        stats["persons"],
        len(run.links),
        stats["review"],
        stats["conflicts"],
    )
    return PersonMatchResult(
        clusters=pd.DataFrame(
            {
                "record_id": pd.Series(record_ids, dtype=object),
                "person_key": pd.Series(keys, dtype=object),
            }
        ),
        pairs=pair_frame(run.links, record_ids, PAIR_COLUMNS),
        review=pair_frame(review, record_ids, REVIEW_COLUMNS),
        conflicts=pd.DataFrame(run.conflicts, columns=CONFLICT_COLUMNS)
        if run.conflicts
        else empty_frame(CONFLICT_COLUMNS),
        stats=stats,
    )
