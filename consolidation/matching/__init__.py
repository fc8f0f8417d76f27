"""Cross-ministry matching: persons and vendors into clusters, then one golden record each.

``match_persons`` and ``match_vendors`` return clusters (record_id → key), the links that made
them, a review queue for stewards and conflict rows; ``build_golden`` picks each field's value
by source priority and recency, keeping every source record in its links; ``unmerge`` splits a
record back out; ``pairwise_quality`` scores a clustering against a known truth.
"""

from consolidation.matching.normalize import (
    normalize_arabic,
    normalize_company,
    normalize_latin,
)
from consolidation.matching.persons import (
    MatchConfig,
    MatchingError,
    PersonMatchResult,
    match_persons,
)
from consolidation.matching.quality import PairwiseQuality, pairwise_quality
from consolidation.matching.survivorship import build_golden, unmerge
from consolidation.matching.vendors import VendorMatchConfig, VendorMatchResult, match_vendors

__all__ = [
    "MatchConfig",
    "MatchingError",
    "PairwiseQuality",
    "PersonMatchResult",
    "VendorMatchConfig",
    "VendorMatchResult",
    "build_golden",
    "match_persons",
    "match_vendors",
    "normalize_arabic",
    "normalize_company",
    "normalize_latin",
    "pairwise_quality",
    "unmerge",
]
