"""A source's mapping file, found and checked against the entities the source declares, and
the issues its mapping already explains."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from consolidation.core.errors import StageFailed
from consolidation.core.sources import SourceSpec
from consolidation.core.types import SOURCE_KEY
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


def explained_once(issues: pd.DataFrame, mapping_issues: pd.DataFrame) -> pd.DataFrame:
    """Drop 'required field missing' where the mapping already said why the value is missing
    (an amount that is not a number is one issue for the steward, not two)."""
    if issues.empty or mapping_issues.empty:
        return issues
    explained = set(zip(mapping_issues[SOURCE_KEY], mapping_issues["field"], strict=True))
    missing = issues["rule_id"].str.endswith(".present")
    pairs = zip(issues[SOURCE_KEY], issues["field"], strict=True)
    duplicate = pd.Series([pair in explained for pair in pairs], index=issues.index)
    return issues.loc[~(missing & duplicate)]
