"""The first draft of a mapping file, from a source's columns and a sample of its rows.

``scaffold`` proposes, for each raw entity, the unified entity it feeds and, for each unified
field, the column it reads and the transforms that read it — from the column's name (English
or Arabic) and its content (dates and their formats, amounts, Arabic-Indic digits and
separators, CPRs, IBANs, codes with few values). ``render`` writes the draft as a mapping file
that loads and runs as it is, every guess carrying a comment for a person to confirm. It reads
no source itself: the pipeline hands it the sample (``consolidation.pipeline.scaffold``).
"""

from mappings.scaffold.draft import (
    ColumnNote,
    Draft,
    EntityDraft,
    FieldDraft,
    RawSample,
    SkippedEntity,
)
from mappings.scaffold.propose import scaffold
from mappings.scaffold.render import render

__all__ = [
    "ColumnNote",
    "Draft",
    "EntityDraft",
    "FieldDraft",
    "RawSample",
    "SkippedEntity",
    "render",
    "scaffold",
]
