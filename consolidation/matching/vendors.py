"""Vendor matching across ministries' ledgers: identifiers first, names as evidence.

Vendors sharing an exact CR number (with branch), VAT number (15 digits) or valid IBAN link,
unless another identifier present on both disagrees (same IBAN, two VAT numbers): that is a
conflict for the stewards, never merged. A cluster never holds two VAT numbers or two CR
numbers. Names (legal forms such as W.L.L., B.S.C., شركة, ذ.م.م stripped) only merge when very
close *and* an identifier supports them (the same CR under another branch, or an identifier one
typo apart); otherwise a close name goes to review.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from consolidation.matching.blocking import (
    BoolArray,
    FloatArray,
    IntArray,
    block_pairs,
    codes_of,
    require_block_sizes,
    unique_pairs,
)
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
from consolidation.matching.exceptions import MatchingError
from consolidation.matching.normalize import normalize_company_series

logger = logging.getLogger(__name__)

VENDOR_COLUMNS = ("record_id", "source", "name_en")
IDENTIFIERS = ("cr_number", "vat_number", "iban")
VENDOR_CONFLICT_COLUMNS = ["record_ids", "identifier", "kind", "message"]

_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_DIGIT_RUNS = re.compile(r"\d+")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


@dataclass(frozen=True)
class VendorMatchConfig:
    """Thresholds of vendor matching (scores are 0-100)."""

    name_merge: float = 95.0
    """A name at least this close merges when an identifier supports it."""
    name_review: float = 85.0
    """A name at least this close (and no identifier against it) goes to review."""
    max_block_size: int = 100
    """Name-token blocks larger than this ('trading', 'bahrain') are skipped."""
    max_id_group: int = 20
    """An identifier on more records than this (a payment agent's IBAN) links nothing."""
    iban_name_min: float = 60.0
    """Two records sharing only an IBAN must have names at least this close (when both have
    one in the same script) to link; otherwise they are a conflict."""

    def __post_init__(self) -> None:
        if self.name_review > self.name_merge:
            raise MatchingError(
                f"VendorMatchConfig.name_review ({self.name_review}) must not be above "
                f"name_merge ({self.name_merge})"
            )
        require_block_sizes(self, "max_block_size", "max_id_group")


@dataclass(frozen=True)
class VendorMatchResult:
    clusters: pd.DataFrame
    """record_id → vendor_key ('VAT…', 'CR…' or 'V' + a hash), in input order."""
    pairs: pd.DataFrame
    """record_a, record_b, score, method ('cr', 'vat', 'iban' or 'name')."""
    review: pd.DataFrame
    """record_a, record_b, score, reasons."""
    conflicts: pd.DataFrame
    """record_ids (tuple), identifier, kind, message."""
    stats: dict[str, int] = field(default_factory=dict)


def _cr(text: object) -> tuple[str | None, str | None]:
    """A CR number as (root, 'root-branch'); the head office is branch 1 when none is given."""
    if text is None or pd.isna(text):  # type: ignore[call-overload]
        return None, None
    runs = _DIGIT_RUNS.findall(str(text).translate(_DIGITS))
    if not runs or len(runs[0].lstrip("0")) < 3:
        return None, None
    root = runs[0].lstrip("0")
    branch = str(int(runs[1])) if len(runs) > 1 else "1"
    return root, f"{root}-{branch}"


def _vat(text: object) -> str | None:
    if text is None or pd.isna(text):  # type: ignore[call-overload]
        return None
    digits = "".join(_DIGIT_RUNS.findall(str(text).translate(_DIGITS)))
    return digits if len(digits) == 15 and len(set(digits)) > 1 else None


def _iban(text: object) -> str | None:
    """An IBAN without spaces, upper case, when it passes the ISO 13616 mod-97 check."""
    if text is None or pd.isna(text):  # type: ignore[call-overload]
        return None
    iban = re.sub(r"[\s-]", "", str(text).translate(_DIGITS)).upper()
    if not _IBAN.match(iban):
        return None
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return iban if int(number) % 97 == 1 else None


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    if name in records.columns:
        return records[name].astype(object)
    return pd.Series([None] * len(records), index=records.index, dtype=object)


@dataclass(frozen=True)
class _Ids:
    cr_root: npt.NDArray[np.object_]
    cr: npt.NDArray[np.object_]
    vat: npt.NDArray[np.object_]
    iban: npt.NDArray[np.object_]

    def kinds(self) -> dict[str, npt.NDArray[np.object_]]:
        return {"cr": self.cr, "vat": self.vat, "iban": self.iban}


def _identifiers(records: pd.DataFrame) -> _Ids:
    cr = [_cr(value) for value in _column(records, "cr_number")]
    return _Ids(
        cr_root=np.array([root for root, _ in cr], dtype=object),
        cr=np.array([full for _, full in cr], dtype=object),
        vat=np.array([_vat(value) for value in _column(records, "vat_number")], dtype=object),
        iban=np.array([_iban(value) for value in _column(records, "iban")], dtype=object),
    )


def _differs(values: npt.NDArray[np.object_], a: IntArray, b: IntArray) -> BoolArray:
    present = pd.notna(values[a]) & pd.notna(values[b])
    return np.asarray(present & (values[a] != values[b]), dtype=bool)


def _near(values: npt.NDArray[np.object_], a: IntArray, b: IntArray) -> BoolArray:
    """Both present and at most one edit apart (a typo, or equal)."""
    present = np.asarray(pd.notna(values[a]) & pd.notna(values[b]), dtype=bool)
    near = np.zeros(len(a), dtype=bool)
    rows = np.flatnonzero(present)
    if len(rows):
        distance = process.cpdist(
            values[a[rows]], values[b[rows]], scorer=Levenshtein.distance, workers=-1
        )
        near[rows] = distance <= 1
    return near


def _token_pairs(names: npt.NDArray[np.object_], max_block: int) -> tuple[IntArray, IntArray]:
    """Pairs of records sharing a name token (tokens in more than ``max_block`` names skipped)."""
    tokens = pd.Series(names, dtype=object).str.split().explode().dropna()
    tokens = tokens[tokens.str.len() >= 2]
    rows = tokens.index.to_numpy(dtype=np.int64)
    a, b, _ = block_pairs(codes_of(tokens.to_numpy(dtype=object)), max_block)
    a, b = rows[a], rows[b]
    keep = a != b
    return np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])


@dataclass(frozen=True)
class _Names:
    """Normalized company names per record, Latin and Arabic (``None`` where absent)."""

    latin: npt.NDArray[np.object_]
    arabic: npt.NDArray[np.object_]

    def score(self, a: IntArray, b: IntArray) -> FloatArray:
        """The better of the Latin and the Arabic similarity; NaN where neither compares."""
        latin, arabic = _name_scores(self.latin, a, b), _name_scores(self.arabic, a, b)
        return np.where(np.isnan(latin), arabic, np.fmax(latin, arabic))


def _name_scores(names: npt.NDArray[np.object_], a: IntArray, b: IntArray) -> FloatArray:
    present = np.asarray(pd.notna(names[a]) & pd.notna(names[b]), dtype=bool)
    score = np.full(len(a), np.nan)
    rows = np.flatnonzero(present)
    if len(rows):
        left, right = names[a[rows]], names[b[rows]]
        score[rows] = np.maximum(
            process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1),
            process.cpdist(left, right, scorer=fuzz.ratio, workers=-1),
        )
    return score


def _shared_identifier(
    run: MatchRun, kind: str, values: npt.NDArray[np.object_], config: VendorMatchConfig
) -> None:
    """A conflict row for each identifier on too many records to be anyone's own."""
    counts = pd.Series(values, dtype=object).value_counts()
    for value in counts[counts > config.max_id_group].index:
        shared = tuple(sorted(run.record_ids[values == value]))
        run.conflicts.append(
            {
                "record_ids": shared,
                "identifier": value,
                "kind": f"shared_{kind}",
                "message": f"{kind} {value} is on {len(shared)} vendor records; "
                "it links none of them",
            }
        )


def _link_identifiers(run: MatchRun, ids: _Ids, names: _Names, config: VendorMatchConfig) -> None:
    """Link records sharing an identifier, unless another identifier on both disagrees."""
    for kind, values in ids.kinds().items():
        a, b, oversized = block_pairs(codes_of(values), config.max_id_group)
        if oversized:
            _shared_identifier(run, kind, values, config)
        against = {
            "vat_differs": _differs(ids.vat, a, b),
            "cr_differs": _differs(ids.cr_root, a, b),
        }
        if kind == "iban":
            # An IBAN is an account, not a company: the names must not disagree either.
            against["names_differ"] = names.score(a, b) < config.iban_name_min
        for i in range(len(a)):
            x, y = int(a[i]), int(b[i])
            reasons = [reason for reason, flags in against.items() if flags[i]]
            if reasons:
                run.graph.forbid(x, y)
                run.conflicts.append(
                    {
                        "record_ids": (run.record_ids[x], run.record_ids[y]),
                        "identifier": values[x],
                        "kind": f"{kind}_shared_{reasons[0]}",
                        "message": f"{kind} {values[x]} is on two vendor records that "
                        f"contradict each other ({', '.join(reasons).replace('_', ' ')})",
                    }
                )
                continue
            refused = run.graph.union(x, y)
            if refused is None:
                run.links.append((x, y, 100.0, kind))
            else:
                run.review.append((x, y, 100.0, f"same {kind}, but {refused}"))


def _link_names(run: MatchRun, ids: _Ids, names: _Names, config: VendorMatchConfig) -> int:
    """Close names merge with a supporting identifier, or go to review, as do other branches
    of one CR number. Returns how many pairs were scored."""
    n = len(run.record_ids)
    a, b = unique_pairs(
        [
            _token_pairs(names.latin, config.max_block_size),
            _token_pairs(names.arabic, config.max_block_size),
            block_pairs(codes_of(names.latin), config.max_block_size * 10)[:2],
            block_pairs(codes_of(names.arabic), config.max_block_size * 10)[:2],
            block_pairs(codes_of(ids.cr_root), config.max_id_group)[:2],
        ],
        max(n, 1),
    )
    roots = run.graph.roots()
    apart = roots[a] != roots[b]
    a, b = a[apart], b[apart]
    score = np.nan_to_num(names.score(a, b), nan=0.0)
    same_root = np.asarray(
        pd.notna(ids.cr_root[a]) & pd.notna(ids.cr_root[b]) & ~_differs(ids.cr_root, a, b),
        dtype=bool,
    )
    near_vat, near_cr = _near(ids.vat, a, b), _near(ids.cr_root, a, b)
    typo = near_vat | near_cr | _near(ids.iban, a, b)
    against = (_differs(ids.vat, a, b) & ~near_vat) | (_differs(ids.cr_root, a, b) & ~near_cr)
    merge = (score >= config.name_merge) & (same_root | typo) & ~against
    # Another branch of the same CR is worth a steward's look whatever the names say.
    grey = ((score >= config.name_review) | same_root) & ~merge & ~against
    for i in by_score(score, merge):
        x, y = int(a[i]), int(b[i])
        refused = run.graph.union(x, y)
        if refused is None:
            run.links.append((x, y, float(score[i]), "name"))
        else:
            run.review.append((x, y, float(score[i]), f"name {score[i]:.0f}; {refused}"))
    for i in np.flatnonzero(grey).tolist():
        if same_root[i]:
            evidence = "CR number same, branch differs"
        elif typo[i]:
            evidence = "an identifier one typo apart"
        else:
            evidence = "no identifier in common"
        reasons = f"name {score[i]:.0f}; {evidence}"
        run.review.append((int(a[i]), int(b[i]), float(score[i]), reasons))
    return len(a)


def match_vendors(
    records: pd.DataFrame, config: VendorMatchConfig | None = None
) -> VendorMatchResult:
    """Cluster vendor records of several ledgers into vendors (see the module docstring)."""
    config = config or VendorMatchConfig()
    check_columns(records, VENDOR_COLUMNS, "vendor")
    records = records.reset_index(drop=True)
    record_ids = records["record_id"].astype(str).to_numpy(dtype=object)
    ids = _identifiers(records)
    names = _Names(
        latin=normalize_company_series(_column(records, "name_en")).to_numpy(dtype=object),
        arabic=normalize_company_series(_column(records, "name_ar")).to_numpy(dtype=object),
    )
    graph = LinkGraph(len(records), {"VAT number": list(ids.vat), "CR number": list(ids.cr_root)})
    run = MatchRun(record_ids, graph)
    _link_identifiers(run, ids, names, config)
    candidates = _link_names(run, ids, names, config)

    roots = graph.roots()
    keys = cluster_keys(
        record_ids,
        roots,
        [
            np.array([f"VAT{v}" if v else None for v in ids.vat], dtype=object),
            np.array([f"CR{v}" if v else None for v in ids.cr_root], dtype=object),
        ],
        prefix="V",
    )
    review = run.open_review(roots)
    stats = {
        "records": len(records),
        "vendors": len(np.unique(roots)),
        "candidate_pairs": candidates,
        "links": len(run.links),
        "review": len(review),
        "conflicts": len(run.conflicts),
    }
    logger.info(
        "matched %d vendor records into %d vendors: %d links, %d to review, %d conflicts",
        stats["records"],
        stats["vendors"],
        stats["links"],
        stats["review"],
        stats["conflicts"],
    )
    return VendorMatchResult(
        clusters=pd.DataFrame(
            {
                "record_id": pd.Series(record_ids, dtype=object),
                "vendor_key": pd.Series(keys, dtype=object),
            }
        ),
        pairs=pair_frame(run.links, record_ids, PAIR_COLUMNS),
        review=pair_frame(review, record_ids, REVIEW_COLUMNS),
        conflicts=pd.DataFrame(run.conflicts, columns=VENDOR_CONFLICT_COLUMNS)
        if run.conflicts
        else empty_frame(VENDOR_CONFLICT_COLUMNS),
        stats=stats,
    )
