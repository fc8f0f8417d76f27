"""What the scaffold reads (a raw entity's columns and sample rows) and what it proposes (a draft
mapping: entities, fields and the reasons a person should check), before it is written out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawSample:
    """One raw entity as a source declares it: its columns, key and some of its rows."""

    entity: str
    columns: tuple[str, ...]
    values: Mapping[str, Sequence[str | None]]
    """Each column's sample values (text, None for missing), row by row."""
    key: tuple[str, ...] = ()

    @classmethod
    def from_rows(
        cls,
        entity: str,
        columns: Sequence[str],
        rows: Sequence[Mapping[str, str | None]],
        key: Sequence[str] = (),
    ) -> RawSample:
        values = {column: [row.get(column) for row in rows] for column in columns}
        return cls(entity, tuple(columns), values, tuple(key))

    @property
    def rows(self) -> int:
        return max((len(values) for values in self.values.values()), default=0)


@dataclass
class FieldDraft:
    """One proposed field: its columns (or a constant), transforms and parameters, how it was
    found and what a person should check."""

    name: str
    columns: tuple[str, ...]
    transforms: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    const: str | None = None
    basis: str = "name"
    """name, content, derived or placeholder (a required field no column was found for)."""
    why: str = ""
    """Why this column: one line, shown beside the field."""
    warnings: list[str] = field(default_factory=list)
    """What to decide before trusting the field (dd/mm or mm/dd, guessed codes...)."""
    notes: list[str] = field(default_factory=list)
    """What the sample showed that the proposal already copes with (Arabic-Indic digits...)."""
    code_notes: dict[str, str] = field(default_factory=dict)
    """For a code map: why each source value maps where it does."""
    read: str = ""
    """How the proposal read the sample ('180 of 180 samples read')."""

    @property
    def placeholder(self) -> bool:
        return self.basis == "placeholder"


@dataclass(frozen=True)
class ColumnNote:
    """A column no field was proposed for, what its sample looks like, and for a code column
    a ``code`` map of its values to themselves, ready for a person to complete."""

    column: str
    summary: str
    codes: tuple[str, ...] = ()


@dataclass
class EntityDraft:
    raw: str
    target: str
    fields: list[FieldDraft]
    why: str
    distinct: bool = False
    unplaced: list[ColumnNote] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Optional unified fields no column was found for."""
    sample_rows: int = 0

    def field(self, name: str) -> FieldDraft | None:
        return next((f for f in self.fields if f.name == name), None)

    def columns_used(self) -> set[str]:
        return {column for f in self.fields for column in f.columns}


@dataclass(frozen=True)
class SkippedEntity:
    """A raw entity no unified entity fits: left out of the draft, with the reason."""

    raw: str
    reason: str
    columns: tuple[str, ...] = ()


@dataclass
class Draft:
    source: str
    ministry: str
    entities: list[EntityDraft]
    skipped: list[SkippedEntity] = field(default_factory=list)

    def proposals(self) -> dict[tuple[str, str], dict[str, tuple[str, ...]]]:
        """(raw entity, unified entity) → field → the columns it reads (none for a constant)."""
        return {
            (entity.raw, entity.target): {f.name: f.columns for f in entity.fields}
            for entity in self.entities
        }
