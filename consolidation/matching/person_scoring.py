"""Person scoring: the thresholds and weights (``MatchConfig``), and a score with its reasons for
each candidate pair, from names in both scripts, birth date and gender."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from consolidation.matching.blocking import BoolArray, FloatArray, IntArray, require_block_sizes
from consolidation.matching.exceptions import MatchingError
from consolidation.matching.person_features import PersonFeatures


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
class PairScores:
    """Per candidate pair: the score, its parts, and what blocks a merge."""

    score: FloatArray
    name: FloatArray
    arabic: FloatArray
    latin: FloatArray
    birth: npt.NDArray[np.object_]
    first_differs: BoolArray
    gender_differs: BoolArray


def score_pairs(f: PersonFeatures, a: IntArray, b: IntArray, config: MatchConfig) -> PairScores:
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
    return PairScores(
        score=score,
        name=name,
        arabic=arabic,
        latin=latin,
        birth=birth,
        first_differs=~first_agrees,
        gender_differs=gender_differs,
    )


def pair_reasons(s: PairScores, i: int, extra: str = "") -> str:
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
