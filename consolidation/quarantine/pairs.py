"""Grey-zone pairs as a steward reviews them: the two staged source records side by side, each
field with where it came from, which fields differ, and the score broken down by feature (the
``reasons`` matching stored with the pair). Matching writes the pairs; this only reads them, so
a decision taken on them is the same one the CLI takes (``QuarantineService.decide_review``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.schema import (
    MatchReview,
    Ministry,
    PartnerSource,
    PersonSource,
    SourceSystem,
    table_of,
)
from consolidation.quarantine.exceptions import OutOfScope, QuarantineError
from consolidation.quarantine.queries import Scope

KINDS: dict[str, tuple[type[Any], str, tuple[str, ...]]] = {
    "person": (
        PersonSource,
        "employee",
        ("national_id", "name_ar", "name_en", "birth_date", "gender", "nationality"),
    ),
    "vendor": (
        PartnerSource,
        "vendor",
        ("vendor_no", "cr_number", "vat_number", "iban", "name_ar", "name_en"),
    ),
}
"""Per kind of pair: the staged table it reads, the entity whose personal fields it masks, and
the fields shown side by side."""
STATUSES = ("open", "merged", "apart")


@dataclass(frozen=True)
class PairRecord:
    """One side of a pair: the staged source record, or ``found=False`` when it is no longer
    staged (withdrawn or superseded since the pair was queued)."""

    record_id: str
    source: str
    ministry: str | None
    source_key: str
    batch_id: int | None
    found: bool
    withdrawn: bool
    values: dict[str, Any]


@dataclass(frozen=True)
class PairField:
    name: str
    a: Any
    b: Any
    differs: bool


@dataclass(frozen=True)
class PairDetail:
    """A grey-zone pair: both records, their fields compared, the score and its features."""

    id: int
    kind: str
    entity: str
    """The unified entity whose personal fields are masked (employee or vendor)."""
    status: str
    score: float
    features: tuple[str, ...]
    """The score broken down: one line per feature, as matching explained it."""
    decided_by: str | None
    decided_at: datetime | None
    a: PairRecord
    b: PairRecord
    fields: tuple[PairField, ...]

    @property
    def ministries(self) -> tuple[str | None, str | None]:
        return self.a.ministry, self.b.ministry


@dataclass(frozen=True)
class QueueCount:
    """How many pairs of a kind wait and how many are decided (merged, apart)."""

    kind: str
    open: int
    merged: int
    apart: int

    @property
    def decided(self) -> int:
        return self.merged + self.apart


def source_ministries(session: Session) -> dict[str, str]:
    """Every source system's ministry code."""
    return {
        source: ministry
        for source, ministry in session.execute(
            sa.select(SourceSystem.code, Ministry.code).join(
                Ministry, Ministry.id == SourceSystem.ministry_id
            )
        )
    }


def ministry_of(ministries: dict[str, str], record_id: str) -> str | None:
    """The ministry of a match record id (``source|key``)."""
    return ministries.get(record_id.split("|", 1)[0])


def _allowed(scope: Scope) -> set[str] | None:
    return None if scope is None else {code.upper() for code in scope}


def queue_counts(rows: list[dict[str, Any]]) -> list[QueueCount]:
    """Per kind, the pairs waiting and decided among ``rows`` (``QuarantineService.reviews``)."""
    counts = Counter((row["kind"], row["status"]) for row in rows)
    kinds = sorted({row["kind"] for row in rows} | set(KINDS))
    return [
        QueueCount(kind, counts[(kind, "open")], counts[(kind, "merged")], counts[(kind, "apart")])
        for kind in kinds
    ]


def _record(session: Session, kind: str, record_id: str, ministries: dict[str, str]) -> PairRecord:
    model, _entity, columns = KINDS[kind]
    table = table_of(model)
    source, _, key = record_id.partition("|")
    row = (
        session.execute(
            sa.select(
                table.c.batch_id,
                table.c.withdrawn,
                *(table.c[column] for column in columns),
            ).where(table.c.source_system == source, table.c.source_key == key)
        )
        .mappings()
        .one_or_none()
    )
    ministry = ministries.get(source)
    if row is None:
        return PairRecord(record_id, source, ministry, key, None, False, False, {})
    return PairRecord(
        record_id,
        source,
        ministry,
        key,
        int(row["batch_id"]),
        True,
        bool(row["withdrawn"]),
        {column: row[column] for column in columns},
    )


def _features(reasons: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (reasons or "").split(";") if part.strip())


def pair_detail(session: Session, review_id: int, *, scope: Scope = None) -> PairDetail:
    """A grey-zone pair with both records; a scoped caller sees a pair with a record of one of
    its ministries (deciding it needs both: ``decide_review``)."""
    table = table_of(MatchReview)
    row = session.execute(sa.select(table).where(table.c.id == review_id)).one_or_none()
    if row is None:
        raise QuarantineError(f"no review pair {review_id}")
    if row.kind not in KINDS:
        raise QuarantineError(f"review pair {review_id} is of an unknown kind {row.kind!r}")
    ministries = source_ministries(session)
    allowed = _allowed(scope)
    own = {ministry_of(ministries, row.record_a), ministry_of(ministries, row.record_b)}
    if allowed is not None and not {(m or "").upper() for m in own} & allowed:
        raise OutOfScope(f"review pair {review_id} has no record of your ministries")
    a = _record(session, row.kind, row.record_a, ministries)
    b = _record(session, row.kind, row.record_b, ministries)
    _model, entity, columns = KINDS[row.kind]
    fields = tuple(
        PairField(
            name,
            a.values.get(name),
            b.values.get(name),
            a.found and b.found and _text(a.values.get(name)) != _text(b.values.get(name)),
        )
        for name in columns
    )
    return PairDetail(
        id=row.id,
        kind=row.kind,
        entity=entity,
        status=row.status,
        score=float(row.score),
        features=_features(row.reasons),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        a=a,
        b=b,
        fields=fields,
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
