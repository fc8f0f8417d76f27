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
(valid, and agreeing with the birth date's YYMM), nor two records in conflict.
The blocking, scoring-free pieces here (``block_pairs``, ``LinkGraph``, ``cluster_keys``) are
shared with vendor matching.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from consolidation.core.errors import ConsolidationError
from consolidation.matching.normalize import (
    latin_skeleton,
    normalize_arabic_series,
    normalize_latin_series,
    on_unique,
)

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PERSON_COLUMNS = ("record_id", "source", "national_id", "name_ar", "name_en", "birth_date")
PAIR_COLUMNS = ["record_a", "record_b", "score", "method"]
REVIEW_COLUMNS = ["record_a", "record_b", "score", "reasons"]
CONFLICT_COLUMNS = ["record_ids", "national_id", "kind", "message"]

_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_GENDERS = {
    "m": "male",
    "male": "male",
    "ذكر": "male",
    "f": "female",
    "female": "female",
    "انثى": "female",
    "أنثى": "female",
    "انثي": "female",
}


class MatchingError(ConsolidationError):
    """The records handed to matching lack a column, or repeat a record id."""


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds and weights of person matching (scores are 0-100)."""

    merge_threshold: float = 92.0
    """A candidate pair at or above this merges (unless a blocker sends it to review)."""
    review_threshold: float = 80.0
    """A candidate pair at or above this, below the merge threshold, goes to review."""
    id_name_min: float = 60.0
    """Records sharing a national id must have names at least this similar to link."""
    weight_arabic: float = 0.65
    weight_latin: float = 0.35
    weight_name: float = 0.75
    weight_birth: float = 0.25
    birth_exact: float = 100.0
    birth_near: float = 60.0
    """One of year, month and day differs, or day and month are swapped: a likely typo."""
    birth_missing: float = 50.0
    birth_other: float = 0.0
    short_form_penalty: float = 2.0
    """Taken off a score of one name against the other's first, father and last names (one
    source often drops the grandfather's name)."""
    first_name_near: float = 75.0
    """Arabic first names this similar agree when the Latin first names agree too."""
    first_name_latin: float = 85.0
    """Latin first names at least this similar agree (or 75 with the same consonant key)."""
    max_block_size: int = 200
    """Blocks larger than this are skipped (the other blocking keys still cover their rows)."""
    max_id_group: int = 10
    """A national id on more records than this is a placeholder, treated as missing."""

    def __post_init__(self) -> None:
        if self.review_threshold > self.merge_threshold:
            raise MatchingError(
                f"MatchConfig.review_threshold ({self.review_threshold}) must not be above "
                f"merge_threshold ({self.merge_threshold})"
            )
        weights = ("weight_arabic", "weight_latin", "weight_name", "weight_birth")
        negative = [name for name in weights if getattr(self, name) < 0]
        if negative or self.weight_arabic + self.weight_latin == 0:
            raise MatchingError(
                f"MatchConfig weights must be 0 or more, the name weights not both 0; "
                f"got {', '.join(f'{n}={getattr(self, n)}' for n in weights)}"
            )
        require_block_sizes(self, "max_block_size", "max_id_group")


def require_block_sizes(config: object, *names: str) -> None:
    """Block and group limits below 2 would match nothing: a configuration mistake."""
    for name in names:
        if getattr(config, name) < 2:
            raise MatchingError(
                f"{type(config).__name__}.{name} must be at least 2, got {getattr(config, name)}"
            )


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


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def stable_key(record_id: str, prefix: str = "X") -> str:
    """A cluster key derived from a record id: the same record always gives the same key."""
    return prefix + hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:12].upper()  # noqa: S324


def codes_of(values: pd.Series | npt.NDArray[np.object_]) -> IntArray:
    """Integer codes of a column's values, -1 where missing."""
    codes, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


def combine_codes(*codes: IntArray) -> IntArray:
    """The code of a tuple of codes; -1 where any part is missing."""
    combined = codes[0].copy()
    for part in codes[1:]:
        missing = (combined < 0) | (part < 0)
        merged = combined * (int(part.max(initial=0)) + 1) + part
        combined, _ = pd.factorize(merged)
        combined = combined.astype(np.int64)
        combined[missing] = -1
    return combined


def block_pairs(codes: IntArray, max_block: int) -> tuple[IntArray, IntArray, int]:
    """Every pair of rows sharing a block code (a < b), skipping blocks above ``max_block``.

    Rows are sorted by block; the pairs at offset d are the rows d apart in the same block,
    so the work is one vectorized comparison per offset, never all pairs of the frame.
    Returns the pairs and how many oversized blocks were skipped.
    """
    rows = np.flatnonzero(codes >= 0)
    if len(rows) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0
    order = np.argsort(codes[rows], kind="stable")
    rows, block = rows[order], codes[rows][order]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    counts = np.diff(np.r_[starts, len(block)])
    sizes = np.repeat(counts, counts)
    oversized = int((counts > max_block).sum())
    keep = (sizes >= 2) & (sizes <= max_block)
    rows, block = rows[keep], block[keep]
    firsts: list[IntArray] = []
    seconds: list[IntArray] = []
    widest = int(counts[counts <= max_block].max(initial=1))
    for offset in range(1, widest):
        same = block[:-offset] == block[offset:]
        if not same.any():
            break
        firsts.append(rows[:-offset][same])
        seconds.append(rows[offset:][same])
    if not firsts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, oversized
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    return np.minimum(a, b), np.maximum(a, b), oversized


def unique_pairs(pairs: Iterable[tuple[IntArray, IntArray]], n: int) -> tuple[IntArray, IntArray]:
    """The union of several pair sets, each pair once."""
    encoded = [a * n + b for a, b in pairs if len(a)]
    if not encoded:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    flat = np.sort(np.concatenate(encoded))
    flat = flat[np.r_[True, flat[1:] != flat[:-1]]]
    return flat // n, flat % n


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


def valid_national_ids(values: pd.Series) -> pd.Series:
    """CPR numbers as 9 ASCII digits (Arabic-Indic digits read, separators dropped); ``None``
    where missing, of another length, or one digit repeated (a placeholder like 000000000)."""
    text = values.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    digits = text.str.translate(_DIGITS).str.replace(r"\D", "", regex=True)
    ok = (digits.str.len() == 9) & ~digits.str.fullmatch(r"(\d)\1{8}").fillna(True).astype(bool)
    return digits.where(ok.fillna(False).astype(bool), None).astype(object)


def _gender(text: str | None) -> str | None:
    return _GENDERS.get(str(text).strip().lower()) if text is not None else None


@dataclass(frozen=True)
class _Features:
    """Per-record arrays that scoring reads by position."""

    ar: npt.NDArray[np.object_]
    en: npt.NDArray[np.object_]
    ar_short: npt.NDArray[np.object_]
    en_short: npt.NDArray[np.object_]
    ar_tokens: IntArray
    en_tokens: IntArray
    ar_first: npt.NDArray[np.object_]
    ar_first_length: IntArray
    en_first: npt.NDArray[np.object_]
    en_first_key: IntArray
    birth: IntArray
    has_birth: BoolArray
    year: IntArray
    month: IntArray
    day: IntArray
    gender: IntArray
    blocks: tuple[IntArray, ...]
    name_parts: tuple[IntArray, ...]


def _features(frame: pd.DataFrame) -> _Features:
    ar = normalize_arabic_series(frame["name_ar"])
    en = normalize_latin_series(frame["name_en"])
    ar_split = ar.str.split()
    en_split = en.str.split()
    ar_first = ar_split.str[0]
    ar_second = ar_split.str[1]
    ar_last = ar_split.str[-1]
    en_first = en_split.str[0]
    en_skeleton = on_unique(en_first, lambda t: latin_skeleton(t) if t else None)
    en_last_skeleton = on_unique(en_split.str[-1], lambda t: latin_skeleton(t) if t else None)
    birth = pd.to_datetime(frame["birth_date"], errors="coerce")
    has_birth = birth.notna().to_numpy()
    days = np.where(has_birth, birth.to_numpy(dtype="datetime64[D]").astype(np.int64), -1)
    year = np.where(has_birth, birth.dt.year.fillna(-1).to_numpy(dtype=np.int64), -1)
    month = np.where(has_birth, birth.dt.month.fillna(-1).to_numpy(dtype=np.int64), -1)
    day = np.where(has_birth, birth.dt.day.fillna(-1).to_numpy(dtype=np.int64), -1)
    gender = (
        on_unique(frame["gender"], _gender)
        if "gender" in frame
        else pd.Series([None] * len(frame), dtype=object)
    )
    birth_code = np.where(has_birth, days, -1).astype(np.int64)
    year_code = np.where(has_birth, year, -1).astype(np.int64)
    ar_first_code, ar_second_code = codes_of(ar_first), codes_of(ar_second)
    ar_last_code = codes_of(ar_last)
    en_first_code, en_last_code = codes_of(en_skeleton), codes_of(en_last_skeleton)
    blocks = (
        birth_code,
        combine_codes(year_code, ar_first_code, ar_last_code),
        combine_codes(ar_first_code, ar_second_code, ar_last_code),
        combine_codes(year_code, en_first_code, en_last_code),
    )
    return _Features(
        ar=ar.fillna("").to_numpy(dtype=object),
        en=en.fillna("").to_numpy(dtype=object),
        ar_short=_short_form(ar_split),
        en_short=_short_form(en_split),
        ar_tokens=_token_counts(ar_split),
        en_tokens=_token_counts(en_split),
        ar_first=ar_first.fillna("").to_numpy(dtype=object),
        ar_first_length=np.array(
            [len(t) if isinstance(t, str) else 0 for t in ar_first], dtype=np.int64
        ),
        en_first=en_first.fillna("").to_numpy(dtype=object),
        en_first_key=en_first_code,
        birth=days.astype(np.int64),
        has_birth=has_birth,
        year=year,
        month=month,
        day=day,
        gender=codes_of(gender),
        blocks=blocks,
        name_parts=(ar_first_code, ar_last_code, en_first_code, en_last_code),
    )


def _token_counts(tokens: pd.Series) -> IntArray:
    return np.array([len(t) if isinstance(t, list) else 0 for t in tokens], dtype=np.int64)


def _short_form(tokens: pd.Series) -> npt.NDArray[np.object_]:
    """First, father and last name of names of four or more tokens; others as they are."""
    short = tokens.map(
        lambda t: " ".join((t[0], t[1], t[-1])) if isinstance(t, list) and len(t) > 3 else None
    )
    full = tokens.map(lambda t: " ".join(t) if isinstance(t, list) else "")
    return short.fillna(full).to_numpy(dtype=object)


def _similarity(
    full: npt.NDArray[np.object_],
    short: npt.NDArray[np.object_],
    tokens: IntArray,
    a: IntArray,
    b: IntArray,
    penalty: float,
) -> FloatArray:
    """Similarity of full names, the better of token-sorted and in source order; NaN where
    either is missing.

    Where one name has more tokens than the other, it is also compared in its short form
    (first, father, last), less a penalty: one source often drops the grandfather's name.
    """
    if not len(a):
        return np.empty(0, dtype=np.float64)
    scorer = fuzz.token_sort_ratio
    score = process.cpdist(full[a], full[b], scorer=scorer, workers=-1).astype(np.float64)
    # In source order too: sorting puts a name with a typo in its first letter out of line.
    in_order = process.cpdist(full[a], full[b], scorer=fuzz.ratio, workers=-1)
    score = np.maximum(score, in_order)
    differ = np.flatnonzero((tokens[a] != tokens[b]) & (np.minimum(tokens[a], tokens[b]) >= 3))
    if len(differ):
        da, db = a[differ], b[differ]
        shorter = np.maximum(
            process.cpdist(short[da], short[db], scorer=scorer, workers=-1),
            process.cpdist(short[da], short[db], scorer=fuzz.ratio, workers=-1),
        )
        score[differ] = np.maximum(score[differ], shorter - penalty)
    return np.where((tokens[a] == 0) | (tokens[b] == 0), np.nan, score)


@dataclass(frozen=True)
class _Scores:
    score: FloatArray
    name: FloatArray
    arabic: FloatArray
    latin: FloatArray
    birth: npt.NDArray[np.object_]
    first_differs: BoolArray
    gender_differs: BoolArray


def _score(f: _Features, a: IntArray, b: IntArray, config: MatchConfig) -> _Scores:
    penalty = config.short_form_penalty
    arabic = _similarity(f.ar, f.ar_short, f.ar_tokens, a, b, penalty)
    latin = _similarity(f.en, f.en_short, f.en_tokens, a, b, penalty)
    has_ar, has_en = ~np.isnan(arabic), ~np.isnan(latin)
    weights = has_ar * config.weight_arabic + has_en * config.weight_latin
    with np.errstate(invalid="ignore", divide="ignore"):
        name = (
            np.nan_to_num(arabic) * config.weight_arabic
            + np.nan_to_num(latin) * config.weight_latin
        ) / weights
    name = np.where(weights > 0, name, np.nan)

    both_birth = f.has_birth[a] & f.has_birth[b]
    exact = both_birth & (f.birth[a] == f.birth[b])
    same = (
        (f.year[a] == f.year[b]).astype(int)
        + (f.month[a] == f.month[b]).astype(int)
        + (f.day[a] == f.day[b]).astype(int)
    )
    swapped = (f.year[a] == f.year[b]) & (f.month[a] == f.day[b]) & (f.day[a] == f.month[b])
    near = both_birth & ~exact & ((same == 2) | swapped)
    birth_points = np.select(
        [exact, near, ~both_birth],
        [config.birth_exact, config.birth_near, config.birth_missing],
        config.birth_other,
    )
    birth = np.select([exact, near, ~both_birth], ["same", "near", "missing"], "different")
    score = config.weight_name * name + config.weight_birth * birth_points

    if len(a):
        first_ar = process.cpdist(f.ar_first[a], f.ar_first[b], scorer=fuzz.ratio, workers=-1)
        first_en = process.cpdist(f.en_first[a], f.en_first[b], scorer=fuzz.ratio, workers=-1)
    else:
        first_ar = first_en = np.empty(0, dtype=np.float64)
    has_first_en = (f.en_first[a] != "") & (f.en_first[b] != "")
    same_key = (f.en_first_key[a] == f.en_first_key[b]) & (f.en_first_key[a] >= 0)
    latin_agrees = has_first_en & (
        (first_en >= config.first_name_latin) | (same_key & (first_en >= config.first_name_near))
    )
    # A near Arabic first name may be a typo, but not in names of three letters: سيد / سعيد.
    long_enough = np.minimum(f.ar_first_length[a], f.ar_first_length[b]) >= 4
    arabic_agrees = (f.ar_first[a] == f.ar_first[b]) | (
        (first_ar >= config.first_name_near) & latin_agrees & long_enough
    )
    first_agrees = np.where(has_ar, arabic_agrees, latin_agrees | ~has_first_en)
    gender_differs = (f.gender[a] >= 0) & (f.gender[b] >= 0) & (f.gender[a] != f.gender[b])
    return _Scores(
        score=score,
        name=name,
        arabic=arabic,
        latin=latin,
        birth=birth,
        first_differs=~first_agrees,
        gender_differs=gender_differs,
    )


def _reasons(s: _Scores, i: int, extra: str = "") -> str:
    def fmt(value: float) -> str:
        return "-" if np.isnan(value) else f"{value:.0f}"

    parts = [
        f"name {fmt(s.name[i])} (arabic {fmt(s.arabic[i])}, latin {fmt(s.latin[i])})",
        f"birth date {s.birth[i]}",
    ]
    if s.first_differs[i]:
        parts.append("first names differ")
    if s.gender_differs[i]:
        parts.append("genders differ")
    if extra:
        parts.append(extra)
    return "; ".join(parts)


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


def _national_ids(
    records: pd.DataFrame, f: _Features, config: MatchConfig, conflicts: list[dict[str, object]]
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
    f: _Features,
    valid: npt.NDArray[np.object_],
    config: MatchConfig,
) -> None:
    """Link records sharing a national id when birth date and name agree; else a conflict."""
    id_a, id_b, _ = block_pairs(codes_of(valid), max(config.max_id_group, 2))
    s = _score(f, id_a, id_b, config)
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
            run.review.append((a, b, float(score[i]), _reasons(s, i, refused)))


def by_score(score: FloatArray, mask: BoolArray) -> list[int]:
    """Positions where ``mask`` holds, best score first (the order merges are tried in)."""
    rows = np.flatnonzero(mask)
    return [int(i) for i in rows[np.argsort(-score[rows], kind="stable")]]


def _candidates(
    f: _Features, valid: npt.NDArray[np.object_], config: MatchConfig
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
    f: _Features,
    valid: npt.NDArray[np.object_],
    trusted: npt.NDArray[np.object_],
    config: MatchConfig,
) -> int:
    """Score the blocked pairs; merge, queue for review, or drop each. Returns how many."""
    cand_a, cand_b = _candidates(f, valid, config)
    s = _score(f, cand_a, cand_b, config)
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
            run.review.append((a, b, float(score[i]), _reasons(s, i, refused)))
    for i in np.flatnonzero(grey).tolist():
        extra = "different national ids" if two_ids[i] else ""
        row = (int(cand_a[i]), int(cand_b[i]), float(score[i]), _reasons(s, i, extra))
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
    f = _features(records)
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
