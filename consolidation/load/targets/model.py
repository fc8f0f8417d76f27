"""What a target is: the Odoo model it fills, its import columns, and its records, plain text as
``load`` takes them, whose hash is what the next load compares."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import Employment, JournalEntry
from consolidation.load.settings import CentralConfig


@dataclass
class Line:
    """One line of a record's one2many (a journal item), with its own unified row."""

    entity: str
    row_id: int
    xid: str
    values: dict[str, str]


@dataclass
class Record:
    """One Odoo record to be: its unified row, external id and import values."""

    entity: str
    row_id: int
    xid: str
    values: dict[str, str]
    group: str
    batch_id: int | None = None
    source_system: str | None = None
    source_key: str | None = None
    lines: list[Line] = field(default_factory=list)
    level: int = 0
    also: tuple[str, ...] = ()
    """Other parents this record's creation writes; records sharing any parent share a lane."""
    refusal: str | None = None
    """Why this record must not be sent (Odoo would crash or corrupt), if it must not."""
    scope: str = ""
    """The company of a per-company counterpart of the row ('' when the row has one)."""

    @property
    def key(self) -> tuple[int, str]:
        """The record's reference in the store: its unified row, in its scope."""
        return self.row_id, self.scope

    @property
    def row_hash(self) -> str:
        payload = json.dumps(
            [self.values, [(line.row_id, line.values) for line in self.lines]],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def lineage(row: Any) -> dict[str, Any]:
    """A staged row's batch, source system and source key, as a record's keywords."""
    return {
        "batch_id": row.batch_id,
        "source_system": row.source_system,
        "source_key": row.source_key,
    }


@dataclass(frozen=True)
class Selection:
    """Which source systems' rows a load takes (all of them when ``sources`` is None)."""

    sources: tuple[str, ...] | None = None

    def where(self, column: Any) -> Any:
        return sa.true() if self.sources is None else column.in_(self.sources)

    def staged(self, model: Any) -> Any:
        """The selected sources' current rows of a staged table: a withdrawn row (its source
        record's newer version is in the quarantine) is never loaded."""
        return sa.and_(self.where(model.source_system), model.withdrawn.is_(False))


Reader = Callable[[Session, Selection, CentralConfig], Iterator[Record]]
Counter = Callable[[Session, Selection], int]


@dataclass(frozen=True)
class Target:
    name: str
    model: str
    fields: tuple[str, ...]
    read: Reader
    line_fields: tuple[str, ...] = ()
    line_entity: str | None = None
    posts: bool = False
    archivable: bool = False
    owned_by_batch: bool = True
    company: bool = False
    """Whether the model takes the ministry's company in the multi-company mode."""
    count: Counter | None = None
    """How many records ``read`` yields. A target that has it is read, planned and loaded a
    page at a time (its records are all of level 0), so the loader's memory stays flat however
    large the store; one without it is small and is read whole before it loads."""

    @property
    def columns(self) -> list[str]:
        return ["id", *self.fields, *(f"line_ids/{name}" for name in self.line_fields)]

    def rows(self, records: list[Record]) -> list[list[str]]:
        """``load`` rows: a record's own values on its first row, one line per row."""
        rows: list[list[str]] = []
        blank = [""] * (1 + len(self.fields))
        for record in records:
            head = [record.xid, *(record.values.get(name, "") for name in self.fields)]
            if not record.lines:
                rows.append(head + [""] * len(self.line_fields))
            for number, line in enumerate(record.lines):
                own = [line.values.get(name, "") for name in self.line_fields]
                own[self.line_fields.index("id")] = line.xid
                rows.append((head if number == 0 else blank) + own)
        return rows


def configured(target: Target, config: CentralConfig) -> Target:
    """The target as the configuration loads it: with ``company_id`` in the multi-company mode."""
    if config.per_ministry and target.company:
        return dataclasses.replace(target, fields=(*target.fields, "company_id/id"))
    return target


def count_rows(model: type[Employment] | type[JournalEntry]) -> Counter:
    """A target's count: the selected sources' rows of ``model``, one record each."""

    def count(session: Session, selection: Selection) -> int:
        query = sa.select(sa.func.count()).where(selection.staged(model))
        return int(session.scalar(query.select_from(model)) or 0)

    return count


def written_fields(target: Target) -> dict[str, list[str]]:
    """Every Odoo field the target writes, per model (for the preflight)."""
    fields = {target.model: sorted({name.split("/")[0] for name in target.fields})}
    if target.line_fields:
        fields[target.model].append("line_ids")
        fields["account.move.line"] = sorted(
            {name.split("/")[0] for name in target.line_fields if name != "id"}
        )
    return fields
