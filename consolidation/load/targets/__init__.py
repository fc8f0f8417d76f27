"""The load's targets: each turns unified rows into Odoo ``load`` rows with external ids.

A target names its Odoo model, its import columns and how its records are read from the store
(:mod:`.model`); the ministries' (:mod:`.ministry`), HR (:mod:`.hr`) and finance
(:mod:`.finance`) readers fill the target table (:mod:`.table`).
"""

from __future__ import annotations

from consolidation.load.targets.ministry import user_company
from consolidation.load.targets.model import (
    Counter,
    Line,
    Reader,
    Record,
    Selection,
    Target,
    configured,
    written_fields,
)
from consolidation.load.targets.names import amount_text, external_name
from consolidation.load.targets.table import TARGETS, configured_targets

__all__ = [
    "TARGETS",
    "Counter",
    "Line",
    "Reader",
    "Record",
    "Selection",
    "Target",
    "amount_text",
    "configured",
    "configured_targets",
    "external_name",
    "user_company",
    "written_fields",
]
