"""Grey-zone pairs stewards review: the queue, and a steward's ruling on one pair (audited), which
the next match run applies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from consolidation.core import audit
from consolidation.core.schema import MatchReview, table_of
from consolidation.matching.exceptions import MatchingDecisionError


def review_pairs(engine: sa.Engine, *, status: str | None = "open") -> list[dict[str, Any]]:
    """Pairs of persons or vendors in review (``status`` None: all), best scores first."""
    table = table_of(MatchReview)
    query = sa.select(table).order_by(table.c.kind, table.c.score.desc())
    if status:
        query = query.where(table.c.status == status)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def decide_pair(engine: sa.Engine, review_id: int, decision: str, *, actor: str) -> None:
    """A steward's ruling on a grey-zone pair: 'merged' or 'apart'; the next match applies it."""
    if decision not in ("merged", "apart", "open"):
        raise MatchingDecisionError(f"decision {decision!r}: expected merged, apart or open")
    table = table_of(MatchReview)
    with engine.begin() as connection:
        found = connection.execute(
            sa.update(table)
            .where(table.c.id == review_id)
            .values(status=decision, decided_by=actor, decided_at=datetime.now(UTC))
        ).rowcount
        if not found:
            raise MatchingDecisionError(f"no review pair {review_id}")
        audit.record(connection, actor, audit.Event(f"match.{decision}"), "match_review", review_id)
