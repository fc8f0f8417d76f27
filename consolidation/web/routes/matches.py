"""Match review: the queue of grey-zone pairs (persons and vendors) and one pair's two records
side by side, personal fields masked; the score's breakdown is shown only when the steward asks
or has decided, so it does not anchor the judgement. A decision (merged, apart, or undone) goes
through ``QuarantineService.decide_review``, the CLI's, and so applies on every later run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from consolidation.access import Action
from consolidation.core.errors import ConsolidationError
from consolidation.quarantine.pairs import KINDS, STATUSES, PairRecord
from consolidation.web.deps import Ctx, require
from consolidation.web.masking import is_personal, mask

router = APIRouter()
DECISIONS = ("merged", "apart", "open")


@router.get("/matches", response_class=HTMLResponse)
def match_queue(
    ctx: Annotated[Ctx, Depends(require(Action.MATCHES_READ))],
    status: Annotated[str, Query(max_length=10)] = "open",
    kind: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """How many pairs wait and how many are decided, per kind; the pairs of the chosen status,
    a page at a time (without their scores)."""
    if status and status not in STATUSES:
        raise ConsolidationError(f"status {status!r}: expected {', '.join(STATUSES)}")
    if kind and kind not in KINDS:
        raise ConsolidationError(f"kind {kind!r}: expected {', '.join(KINDS)}")
    service = ctx.pipeline.quarantine
    scope = ctx.principal.scope
    rows = service.reviews(status=status or None, scope=scope)
    if kind:
        rows = [row for row in rows if row["kind"] == kind]
    size = ctx.pipeline.settings.web.page_size
    return ctx.render(
        "matches.html.j2",
        queue=service.review_queue(scope=scope),
        pairs=[_listed(row) for row in rows[(page - 1) * size : page * size]],
        total=len(rows),
        status=status,
        kind=kind,
        kinds=list(KINDS),
        statuses=list(STATUSES),
        page=page,
        pages=max(1, -(-len(rows) // size)),
    )


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    """A queue row without its score and reasons: the list must not anchor either."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "source_a": str(row["record_a"]).split("|", 1)[0],
        "source_b": str(row["record_b"]).split("|", 1)[0],
        "status": row["status"],
        "decided_by": row["decided_by"],
    }


@router.get("/matches/{review_id}", response_class=HTMLResponse)
def match_pair(
    ctx: Annotated[Ctx, Depends(require(Action.MATCHES_READ))],
    review_id: int,
    score: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    pair = ctx.pipeline.quarantine.review(review_id, scope=ctx.principal.scope)
    show_score = bool(score) or pair.status != "open"
    partial = ctx.request.headers.get("hx-request") and ctx.request.headers.get("hx-target") == (
        "score"
    )
    return ctx.render(
        "_match_score.html.j2" if partial and show_score else "match.html.j2",
        pair=pair,
        a=_side(pair.a),
        b=_side(pair.b),
        fields=[
            {
                "name": f.name,
                "a": _shown(pair.entity, f.name, f.a),
                "b": _shown(pair.entity, f.name, f.b),
                "differs": f.differs,
                "personal": is_personal(pair.entity, f.name),
            }
            for f in pair.fields
        ],
        show_score=show_score,
        may_decide=ctx.principal.can(Action.MATCHES_DECIDE)
        and all(ctx.principal.holds(m) for m in pair.ministries),
    )


def _shown(entity: str, name: str, value: object) -> str:
    if value is None or value == "":
        return ""
    return mask(value) if is_personal(entity, name) else str(value)


def _side(record: PairRecord) -> dict[str, Any]:
    return {
        "source": record.source,
        "ministry": record.ministry,
        "key": record.source_key,
        "batch": record.batch_id,
        "found": record.found,
        "withdrawn": record.withdrawn,
    }


@router.post("/matches/{review_id}/decide")
def decide_pair(
    ctx: Annotated[Ctx, Depends(require(Action.MATCHES_DECIDE))],
    review_id: int,
    decision: Annotated[str, Form(max_length=10)],
) -> RedirectResponse:
    """Merged, apart, or open again (undo); scope-checked by the service on both records."""
    if decision not in DECISIONS:
        raise ConsolidationError(f"decision {decision!r}: expected merged, apart or open")
    ctx.pipeline.quarantine.decide_review(
        review_id, decision, actor=ctx.actor, scope=ctx.principal.scope
    )
    return RedirectResponse(f"/matches/{review_id}", status_code=303)
