"""A source's mapping file, found and checked against the entities the source declares."""

from __future__ import annotations

from pathlib import Path

from consolidation.core.errors import StageFailed
from consolidation.core.sources import SourceSpec
from mappings import SourceMapping, find_mapping, load_mapping


def source_mapping(mappings_dir: Path, source: str, spec: SourceSpec) -> SourceMapping:
    """A source's mapping file, loaded and checked against the entities the source declares."""
    declared = list(spec.entities)
    path = find_mapping(mappings_dir, source)
    mapping = load_mapping(path, source_columns=None)
    for entity in mapping.entities:
        if entity.raw_entity not in declared:
            raise StageFailed(
                f"{path}:{entity.line}: maps raw entity {entity.raw_entity!r}, which source "
                f"{source!r} does not declare ({', '.join(declared)})"
            )
    return mapping
