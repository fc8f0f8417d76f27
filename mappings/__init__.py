"""Map stage: per-source mapping files turn raw records into the unified entities.

``load_mapping`` reads and checks a mapping file (``mappings/<ministry>/<source>.yaml``; its
format is documented in ``mappings.spec``), ``apply_mapping`` applies one entity mapping to a raw
chunk and returns the typed unified frame and the issues found.
"""

from mappings.engine import MappedChunk, apply_mapping, row_hashes
from mappings.loader import find_mapping, load_mapping
from mappings.spec import EntityMapping, FieldMapping, MappingError, SourceMapping
from mappings.transforms import TRANSFORMS

__all__ = [
    "TRANSFORMS",
    "EntityMapping",
    "FieldMapping",
    "MappedChunk",
    "MappingError",
    "SourceMapping",
    "apply_mapping",
    "find_mapping",
    "load_mapping",
    "row_hashes",
]
