"""Demo ministry systems: seeded, deterministic, with injected faults and a ground truth."""

from consolidation.demo.faults import FAULT_IDS, FaultRates
from consolidation.demo.generator import REFERENCE_DATE, DemoManifest, DemoTargets, generate
from consolidation.demo.sources_config import SOURCES

__all__ = [
    "FAULT_IDS",
    "REFERENCE_DATE",
    "SOURCES",
    "DemoManifest",
    "DemoTargets",
    "FaultRates",
    "generate",
]
