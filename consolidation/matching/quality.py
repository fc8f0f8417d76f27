"""Pairwise precision and recall of a clustering against the truth.

Every two records in one predicted cluster are a predicted pair; every two in one true cluster
a true pair (a cluster of n records holds n(n-1)/2 pairs). Precision is the share of predicted
pairs that are true, recall the share of true pairs that were predicted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from consolidation.matching.exceptions import MatchingError

Clusters = pd.DataFrame | pd.Series | Mapping[str, object]
"""record_id → cluster: a two-column frame (record_id first), a Series indexed by record_id,
or a mapping."""


class PairwiseQuality(NamedTuple):
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int


def _as_series(clusters: Clusters, what: str) -> pd.Series:
    if isinstance(clusters, pd.DataFrame):
        if "record_id" not in clusters.columns or len(clusters.columns) != 2:
            raise MatchingError(
                f"{what} clusters must have two columns, record_id and the cluster key; "
                f"got {list(clusters.columns)}"
            )
        key = next(column for column in clusters.columns if column != "record_id")
        series = clusters.set_index("record_id")[key]
    elif isinstance(clusters, pd.Series):
        series = clusters
    else:
        series = pd.Series(dict(clusters), dtype=object)
    if series.index.has_duplicates:
        raise MatchingError(f"{what} clusters list a record_id more than once")
    return series


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_quality(predicted_clusters: Clusters, true_clusters: Clusters) -> PairwiseQuality:
    """Precision, recall and the pair counts, over the records present in both clusterings.

    With no predicted pairs precision is 1.0; with no true pairs recall is 1.0.
    """
    predicted = _as_series(predicted_clusters, "predicted")
    truth = _as_series(true_clusters, "true")
    common = predicted.index.intersection(truth.index)
    frame = pd.DataFrame(
        {"predicted": predicted.loc[common].to_numpy(), "truth": truth.loc[common].to_numpy()}
    )
    predicted_pairs = _pairs(frame.groupby("predicted").size())
    true_pairs = _pairs(frame.groupby("truth").size())
    tp = _pairs(frame.groupby(["predicted", "truth"]).size())
    fp, fn = predicted_pairs - tp, true_pairs - tp
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return PairwiseQuality(precision, recall, tp, fp, fn)
