"""The matching stage: persons and vendors across every staged source, into golden records.

Runs after staging, over all sources at once (the same person works in two ministries). Each
source record keeps its own values (``person_source``, ``partner_source``) and a link to its
golden record, so nothing is thrown away and a merge can be undone; grey-zone pairs wait in
``match_review``; conflicts (one national id, two birth dates) become issues for stewards.

Its public face:

* ``match_people``, ``match_suppliers`` — read the store, match, and write golden records,
  links, review pairs and conflicts; each takes the engine and the ``MatchingSettings`` section
  and returns a ``MatchOutcome``. ``person_quality`` scores the stored person clusters against a
  known truth (the demo's).
* Grey-zone pairs are written to ``match_review``; a steward decides them through the
  quarantine service (``QuarantineService.decide_review``), and every later match applies the
  decisions (merged pairs joined, pairs kept apart never linked).
* The algorithms, on frames: ``match_persons`` and ``match_vendors`` return clusters
  (record_id → key), the links that made them, a review queue and conflict rows;
  ``build_golden`` picks each field's value by source priority and recency, keeping every
  source record in its links; ``unmerge`` splits a record back out; ``pairwise_quality`` scores
  a clustering against a known truth; ``normalize_*`` fold names; ``stable_key`` and
  ``valid_national_ids`` are the cluster keys and the CPR numbers matching trusts.
* ``MatchingSettings``; errors ``MatchingError``.
"""

from consolidation.matching.clustering import stable_key
from consolidation.matching.exceptions import MatchingError
from consolidation.matching.normalize import (
    normalize_arabic,
    normalize_company,
    normalize_latin,
)
from consolidation.matching.people import match_people, person_quality
from consolidation.matching.person_features import valid_national_ids
from consolidation.matching.person_scoring import MatchConfig
from consolidation.matching.persons import PersonMatchResult, match_persons
from consolidation.matching.quality import PairwiseQuality, pairwise_quality
from consolidation.matching.settings import MatchingSettings
from consolidation.matching.store import MatchOutcome
from consolidation.matching.suppliers import match_suppliers
from consolidation.matching.survivorship import build_golden, unmerge
from consolidation.matching.vendors import VendorMatchConfig, VendorMatchResult, match_vendors

__all__ = [
    "MatchConfig",
    "MatchOutcome",
    "MatchingError",
    "MatchingSettings",
    "PairwiseQuality",
    "PersonMatchResult",
    "VendorMatchConfig",
    "VendorMatchResult",
    "build_golden",
    "match_people",
    "match_persons",
    "match_suppliers",
    "match_vendors",
    "normalize_arabic",
    "normalize_company",
    "normalize_latin",
    "pairwise_quality",
    "person_quality",
    "stable_key",
    "unmerge",
    "valid_national_ids",
]
