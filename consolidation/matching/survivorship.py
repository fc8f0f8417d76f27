"""The golden record: one row per cluster, each field from the source trusted most for it.

Per field, the value is the first non-missing one by the field's source priority (sources not
listed come after, in ``default_priority`` order, then any other); ties within a source go to
the most recent record, then to the smallest record id. Nothing is thrown away: the links keep
every source record of a golden record with the fields it supplied, and ``unmerge`` splits one
record back out of its cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from consolidation.matching.clustering import stable_key
from consolidation.matching.exceptions import MatchingError

LINEAGE = ("record_id", "source")


def _key_column(clusters: pd.DataFrame) -> str:
    others = [column for column in clusters.columns if column != "record_id"]
    if "record_id" not in clusters.columns or len(others) != 1:
        raise MatchingError(
            "clusters must have two columns, record_id and the cluster key; "
            f"got {list(clusters.columns)}"
        )
    return others[0]


def _missing(values: pd.Series) -> pd.Series:
    """Missing values: None, NaN, NaT, and text that is blank."""
    missing = values.isna()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = values.map(lambda v: isinstance(v, str) and not v.strip())
        missing |= blank.astype(bool)
    return missing


def _rank(sources: pd.Series, order: Sequence[str], default: Sequence[str]) -> pd.Series:
    ranking = {source: i for i, source in enumerate(order)}
    for source in default:
        ranking.setdefault(source, len(ranking))
    return sources.map(ranking).fillna(len(ranking)).astype(np.int64)


def build_golden(
    records: pd.DataFrame,
    clusters: pd.DataFrame,
    *,
    priority: Mapping[str, Sequence[str]],
    default_priority: Sequence[str],
    recency_field: str = "recency",
    fields: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The golden records and their links.

    ``records`` has ``record_id``, ``source``, the recency field and the fields; ``clusters``
    maps record_id to the cluster key (``person_key``, ``vendor_key``). ``fields`` defaults to
    every other column. Returns ``golden`` (the key, each field with its dtype kept, and
    ``record_count``: how many source records it came from) and ``links`` (record_id, key,
    source, recency, and ``won``: the fields this record supplied, as a tuple).
    """
    key = _key_column(clusters)
    for column in (*LINEAGE, recency_field):
        if column not in records.columns:
            raise MatchingError(f"records for the golden record lack the column {column!r}")
    if fields is None:
        fields = [c for c in records.columns if c not in (*LINEAGE, recency_field, key)]
    unknown = [f for f in fields if f not in records.columns]
    if unknown:
        raise MatchingError(f"golden-record fields not in the records: {', '.join(unknown)}")
    frame = records.merge(clusters[["record_id", key]], on="record_id", how="left")
    unclustered = frame[key].isna()
    if unclustered.any():
        raise MatchingError(
            f"{int(unclustered.sum())} records are in no cluster, e.g. "
            f"{frame.loc[unclustered, 'record_id'].iloc[0]!r}"
        )
    frame["_recency"] = pd.to_datetime(frame[recency_field], errors="coerce")

    keys = pd.Index(frame[key].drop_duplicates().sort_values(), name=key)
    golden = pd.DataFrame(index=keys)
    winners: dict[str, pd.Series] = {}
    for name in fields:
        frame["_rank"] = _rank(
            frame["source"], priority.get(name, default_priority), default_priority
        )
        present = frame[~_missing(frame[name])]
        # Newest first within a source; a record without a recency comes last.
        best = present.sort_values(
            [key, "_rank", "_recency", "record_id"],
            ascending=[True, True, False, True],
            na_position="last",
        ).drop_duplicates(key)
        best = best.set_index(key)
        golden[name] = best[name].reindex(keys)
        if records[name].dtype != golden[name].dtype and golden[name].notna().all():
            golden[name] = golden[name].astype(records[name].dtype)
        winners[name] = best["record_id"]
    golden["record_count"] = frame.groupby(key).size().reindex(keys).to_numpy()
    golden = golden.reset_index()

    won: dict[str, list[str]] = {}
    for name, record_ids in winners.items():
        for record_id in record_ids.to_numpy():
            won.setdefault(record_id, []).append(name)
    links = frame[["record_id", key, "source", recency_field]].copy()
    links["won"] = pd.Series(
        [tuple(won.get(record_id, ())) for record_id in links["record_id"]],
        index=links.index,
        dtype=object,
    )
    return golden, links.reset_index(drop=True)


def unmerge(clusters: pd.DataFrame, record_id: str, *, prefix: str | None = None) -> pd.DataFrame:
    """The clusters with ``record_id`` split out into its own cluster.

    The rest of its cluster keeps its key, unless that key was derived from this very record
    (then it takes the key of its own smallest record id). New keys are ``prefix`` (by default
    'V' for vendor clusters, 'X' otherwise) and a hash of a record id. Feed the pair to the
    matcher's ``cannot_link`` so that the next run does not merge them again.
    """
    key = _key_column(clusters)
    result = clusters.copy()
    is_record = result["record_id"] == record_id
    if not is_record.any():
        raise MatchingError(f"record {record_id!r} is in no cluster")
    old_key = result.loc[is_record, key].iloc[0]
    rest = (result[key] == old_key) & ~is_record
    if not rest.any():
        return result
    if prefix is None:
        prefix = "V" if key == "vendor_key" else "X"
    new_key = stable_key(record_id, prefix)
    if new_key == old_key:
        result.loc[rest, key] = stable_key(str(result.loc[rest, "record_id"].min()), prefix)
    result.loc[is_record, key] = new_key
    return result
