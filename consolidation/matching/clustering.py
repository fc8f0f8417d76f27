"""Clustering, shared by person and vendor matching: a union-find that refuses forbidden merges,
stable cluster keys, and what a run accumulates (links, review queue, conflicts) as frames."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from consolidation.matching.blocking import BoolArray, FloatArray, IntArray
from consolidation.matching.exceptions import MatchingError

PAIR_COLUMNS = ["record_a", "record_b", "score", "method"]
REVIEW_COLUMNS = ["record_a", "record_b", "score", "reasons"]


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def stable_key(record_id: str, prefix: str = "X") -> str:
    """A cluster key derived from a record id: the same record always gives the same key."""
    return prefix + hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:12].upper()  # noqa: S324


def check_columns(records: pd.DataFrame, required: Sequence[str], what: str) -> None:
    missing = [column for column in required if column not in records.columns]
    if missing:
        raise MatchingError(f"{what} records lack the column(s) {', '.join(missing)}")
    duplicated = records["record_id"].duplicated()
    if duplicated.any():
        first = records.loc[duplicated, "record_id"].iloc[0]
        raise MatchingError(
            f"{what} records repeat record_id {first!r} ({int(duplicated.sum())} repeats); "
            "each record_id must be unique"
        )


class LinkGraph:
    """A union-find over record indexes that refuses merges breaking two constraints.

    A component holds at most one value of each exclusive identifier (a trusted national id,
    a VAT number), and never two records declared cannot-link (conflicts, a steward's unmerge).
    """

    def __init__(self, n: int, exclusive: Mapping[str, Sequence[str | None]] | None = None) -> None:
        self._parent = list(range(n))
        self._keys: dict[str, dict[int, str]] = {
            kind: {i: value for i, value in enumerate(values) if isinstance(value, str)}
            for kind, values in (exclusive or {}).items()
        }
        self._cannot: dict[int, set[int]] = {}
        self._flagged: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        parent = self._parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def forbid(self, a: int, b: int) -> None:
        """Records ``a`` and ``b`` must never end in one component."""
        self._cannot.setdefault(a, set()).add(b)
        self._cannot.setdefault(b, set()).add(a)
        self._flagged.setdefault(self.find(a), set()).add(a)
        self._flagged.setdefault(self.find(b), set()).add(b)

    def refusal(self, a: int, b: int) -> str | None:
        """Why ``a`` and ``b`` may not join, or ``None`` when they may."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        for kind, keys in self._keys.items():
            ka, kb = keys.get(ra), keys.get(rb)
            if ka and kb and ka != kb:
                return f"would join two {kind}s ({ka}, {kb})"
        small, other = (
            (ra, rb)
            if len(self._flagged.get(ra, ())) <= len(self._flagged.get(rb, ()))
            else (rb, ra)
        )
        for member in self._flagged.get(small, ()):
            for banned in self._cannot[member]:
                if self.find(banned) == other:
                    return "would join records in conflict"
        return None

    def union(self, a: int, b: int) -> str | None:
        """Join the components of ``a`` and ``b``; returns the refusal reason if refused."""
        reason = self.refusal(a, b)
        if reason is not None:
            return reason
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        self._parent[rb] = ra
        for keys in self._keys.values():
            if rb in keys:
                keys[ra] = keys.pop(rb)
        if rb in self._flagged:
            self._flagged.setdefault(ra, set()).update(self._flagged.pop(rb))
        return None

    def roots(self) -> IntArray:
        return np.array([self.find(i) for i in range(len(self._parent))], dtype=np.int64)


def cluster_keys(
    record_ids: npt.NDArray[np.object_],
    roots: IntArray,
    identifiers: Sequence[npt.NDArray[np.object_]],
    *,
    prefix: str,
) -> npt.NDArray[np.object_]:
    """A stable key per component: the one identifier it holds, taken from the first of
    ``identifiers`` that gives any, when no other component has it; otherwise ``prefix`` and a
    hash of the component's smallest record id."""
    frame = pd.DataFrame({"record_id": record_ids, "root": roots})
    smallest = frame.groupby("root")["record_id"].min()
    keys = pd.Series(
        [stable_key(str(record_id), prefix) for record_id in smallest.to_numpy()],
        index=smallest.index,
        dtype=object,
    )
    decided = np.zeros(len(smallest), dtype=bool)  # roots whose identifier kind is settled
    position = pd.Series(np.arange(len(smallest)), index=smallest.index)
    chosen: list[pd.Series] = []
    for values in identifiers:
        present = pd.notna(values)
        distinct = pd.DataFrame(
            {"root": roots[present], "identifier": pd.Series(values[present], dtype=object)}
        ).drop_duplicates()
        distinct = distinct[~decided[position.loc[distinct["root"]].to_numpy()]]
        counts = distinct["root"].value_counts()
        decided[position.loc[counts.index].to_numpy()] = True
        single = distinct[distinct["root"].isin(counts.index[counts == 1])]
        chosen.append(single.set_index("root")["identifier"])
    single = pd.concat(chosen) if chosen else pd.Series(dtype=object)
    single = single[~single.duplicated(keep=False)]
    keys.loc[single.index] = single
    return keys.reindex(roots).to_numpy(dtype=object)


Link = tuple[int, int, float, str]
"""Two record positions, a score and a method (links) or the reasons (review)."""


@dataclass
class MatchRun:
    """What one matching run accumulates: the graph, the links, the review queue, conflicts."""

    record_ids: npt.NDArray[np.object_]
    graph: LinkGraph
    links: list[Link] = field(default_factory=list)
    review: list[Link] = field(default_factory=list)
    conflicts: list[dict[str, object]] = field(default_factory=list)

    def open_review(self, roots: IntArray) -> list[Link]:
        """The review queue without pairs that ended in one cluster anyway, each pair once
        (its best score), best first."""
        ordered = sorted(
            self.review, key=lambda row: (-row[2], self.record_ids[row[0]], self.record_ids[row[1]])
        )
        seen: set[tuple[int, int]] = set()
        queue: list[Link] = []
        for row in ordered:
            pair = (min(row[0], row[1]), max(row[0], row[1]))
            if roots[row[0]] != roots[row[1]] and pair not in seen:
                seen.add(pair)
                queue.append(row)
        return queue


def by_score(score: FloatArray, mask: BoolArray) -> list[int]:
    """Positions where ``mask`` holds, best score first (the order merges are tried in)."""
    rows = np.flatnonzero(mask)
    return [int(i) for i in rows[np.argsort(-score[rows], kind="stable")]]


def pair_frame(
    rows: Sequence[Link], record_ids: npt.NDArray[np.object_], columns: Sequence[str]
) -> pd.DataFrame:
    """Links or review rows as a frame of record ids, score and method or reasons."""
    if not rows:
        frame = empty_frame(columns)
        frame["score"] = frame["score"].astype(np.float64)
        return frame
    a, b, score, label = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            columns[0]: pd.Series(record_ids[list(a)], dtype=object),
            columns[1]: pd.Series(record_ids[list(b)], dtype=object),
            columns[2]: np.round(np.array(score, dtype=np.float64), 2),
            columns[3]: pd.Series(list(label), dtype=object),
        }
    )
