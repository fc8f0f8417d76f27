"""The mapping file format, and the models a file is read into (``mappings.loader`` reads one and
checks it completely before any data moves).

One file per source system, ``mappings/<ministry lower>/<source>.yaml``, with lookup tables (CSV)
beside it. Onboarding a ministry means writing these files, never code::

    source: moh_hr                 # the source's name in sources.yaml; also the file's name
    ministry: MOH
    entities:
      - from: employee             # the raw entity in sources.yaml
        to: employee               # the unified entity (consolidation.core.unified.ENTITIES)
        fields:
          employee_no: EMP_NO      # a bare column: copied as text
          national_id: {from: CPR_NO, transform: [digits_only, pad], pad: 9}
          name_ar:     {from: [FIRST_AR, FATHER_AR, FAMILY_AR], transform: join, sep: " "}
          birth_date:  {from: BIRTH_DT, transform: date, formats: ["%d/%m/%Y"],
                        blank: ["00/00/0000"]}
          hire_date:   {from: HIRE_H, transform: date, formats: ["%Y/%m/%d"], calendar: hijri}
          gender:      {from: SEX, transform: code, map: {M: male, ذكر: male, 1: male}}
          base_salary: {from: BASIC, transform: money, scale: 3}
          org_unit_code: {from: DEPT, transform: lookup, table: org_units.csv,
                          key: old_code, value: new_code}
          job_code:    {from: JOB, transform: [trim, upper]}
          status:      {from: STAT, transform: code, map: {A: active, T: terminated},
                        default: active}
          iban:        {from: IBAN, transform: [trim, upper]}
          nationality: {const: BH}

A field is ``{from: column | [columns], transform: name | [names], <parameters>}`` or
``{const: text, transform: ...}``; the transforms run in order (see ``mappings.transforms``):
``trim``, ``collapse_spaces``, ``digits``, ``digits_only``, ``upper``, ``lower``, ``iban``,
``pad`` (``pad``), ``date`` (``formats``, ``calendar``), ``period`` (``formats`` for text),
``money`` (``scale``, ``empty: zero``), ``int``, ``code`` (``map``, ``ignore_case``),
``lookup`` (``table``, ``key``, ``value``, ``ignore_case``), ``join`` (``sep``),
``split`` (``part`` or ``index``). Any field may add ``default`` (used when the value is
blank; never when it failed to convert) and ``blank`` (source texts that mean "no value").

An entity with ``distinct: true`` is derived: it yields one record per distinct value of the
target entity's key (journal entries from a journal sheet without headers, jobs from the
employees' job titles); its source key is that target key and its row hash covers only the
mapped values.

- A text that is empty or only white space is missing (None), whatever the transforms.
- ``date`` tries its ``formats`` in order; a text that reads as different days under two of
  them is an ``ambiguous_date`` issue, never a guess. The time of day is dropped; a date that
  ``datetime64[ns]`` cannot hold (before 1677-09-22, after 2262-04-11, e.g. '31/12/9999') is an
  issue too: declare such placeholders in ``blank``.
- ``code`` and ``lookup`` compare the trimmed value with the trimmed keys. A lookup table is a
  UTF-8 CSV with a header row, beside the mapping file, read once per file version; a key listed
  twice with different values is an error when loading.
- A non-blank value that ``date``, ``period``, ``money``, ``int``, ``code`` or ``lookup`` cannot
  convert is missing in the output and an issue row (``<entity>.<field>.<problem>``).

Beyond the first draft of the format, on purpose:

- Every YAML scalar is read as text (only ``~``/``null`` is special), so ``map: {1: male}``,
  ``01``, ``yes``/``no`` and ``2024-01-01`` stay exactly as written; numbers such as ``scale: 3``
  are still numbers where a number is expected. A key written twice is an error.
- A bare column name is a field (``employee_no: EMP_NO``).
- ``digits_only`` (digits, then drop every non-digit), ``ignore_case`` for ``code``/``lookup``
  and ``blank`` were added; ``const`` takes ``transform`` too (``{const: "0", transform: money}``),
  checked when loaded. ``split``'s ``index`` is 0-based, negative from the end.
- Parsing transforms (``date``, ``period``, ``int``, ``money``) trim and read Arabic-Indic and
  Persian digits themselves; ``digits`` is needed only for text fields.
- ``join`` must be the first transform, and only of a field with several columns; parts are
  trimmed and blank parts skipped.
- A parameter that none of the field's transforms uses is an error (it is usually a forgotten
  transform, e.g. ``pad: 9`` without ``pad``).

Every error is one line naming the file, the line, the key path and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from consolidation.core.errors import ConsolidationError
from consolidation.core.unified import ENTITIES, EntitySchema, FieldType
from mappings.transforms import PARAMS, Join, ParseMoney, Step


class MappingError(ConsolidationError):
    """A mapping file is wrong, or does not fit the raw records it is applied to.

    The message is one line: ``file:line: key.path: what was expected``.
    """


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldModel(_Strict):
    """One unified field as written in the file: where it comes from and how it is transformed."""

    from_: str | list[str] | None = Field(default=None, alias="from")
    const: str | None = None
    transform: str | list[str] = Field(default_factory=list)
    default: str | None = None
    blank: list[str] = Field(default_factory=list)
    formats: list[str] | None = None
    calendar: Literal["gregorian", "hijri"] | None = None
    scale: int | None = None
    map: dict[str, str | None] | None = None
    ignore_case: bool | None = None
    sep: str | None = None
    part: Literal["first", "last", "rest"] | None = None
    index: int | None = None
    table: str | None = None
    key: str | None = None
    value: str | None = None
    pad: int | None = None
    empty: Literal["zero", "missing"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_column(cls, data: Any) -> Any:
        return {"from": data} if isinstance(data, str) else data

    def columns(self) -> list[str]:
        if self.from_ is None:
            return []
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)

    def transforms(self) -> list[str]:
        return [self.transform] if isinstance(self.transform, str) else list(self.transform)

    def params(self) -> dict[str, Any]:
        return {param: getattr(self, param) for param in PARAMS}


class EntityModel(_Strict):
    from_: str = Field(alias="from")
    to: str
    distinct: bool = False
    fields: dict[str, FieldModel] = Field(min_length=1)


class MappingFileModel(_Strict):
    source: str
    ministry: str
    entities: list[EntityModel] = Field(min_length=1)


@dataclass(frozen=True)
class FieldMapping:
    """A checked field: its source columns (none for a constant), steps and typed default."""

    name: str
    type: FieldType
    columns: tuple[str, ...]
    steps: tuple[Step, ...]
    join: Join | None = None
    default: Any = None
    blank: frozenset[str] = frozenset()
    const: Any = None
    line: int | str = "?"

    @property
    def is_const(self) -> bool:
        return not self.columns

    @property
    def label(self) -> str:
        """The field as a data steward reads it: 'hire_date' → 'hire date'."""
        return self.name.replace("_", " ")

    @property
    def scale(self) -> int | None:
        """The decimals the mapping says a money field should carry (``money``'s ``scale``)."""
        return next((step.scale for step in self.steps if isinstance(step, ParseMoney)), None)


@dataclass(frozen=True)
class EntityMapping:
    """How one raw entity of a source becomes one unified entity."""

    raw_entity: str
    target: str
    fields: Mapping[str, FieldMapping]
    path: Path
    line: int | str = "?"
    distinct: bool = False
    """Derived: one record per distinct target key (an entry from its lines, a job from the
    employees' titles); keyed by the target key, not counted in the raw entity's accounting."""

    @property
    def schema(self) -> EntitySchema:
        return ENTITIES[self.target]

    def columns(self) -> list[str]:
        """The raw columns the mapping reads, in a stable order without repeats."""
        return list(dict.fromkeys(c for f in self.fields.values() for c in f.columns))


@dataclass(frozen=True)
class SourceMapping:
    source: str
    ministry: str
    path: Path
    entities: list[EntityMapping]

    def for_raw(self, raw_entity: str) -> list[EntityMapping]:
        """The mappings that read ``raw_entity`` (one raw entity may feed several targets)."""
        return [entity for entity in self.entities if entity.raw_entity == raw_entity]
