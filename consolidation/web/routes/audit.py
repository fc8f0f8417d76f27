"""The audit log for admins and auditors: filtered by actor, action, target and date range,
paged on the server, newest first, exported to Excel with the same filter. Details are shown as
key: value, escaped, with personal values masked by the log's reader."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from consolidation.access import Action
from consolidation.core.audit_log import AuditFilter, AuditLog
from consolidation.core.errors import ConsolidationError
from consolidation.web.deps import Ctx, require

router = APIRouter()
Text = Annotated[str, Query(max_length=255)]
Day = Annotated[str, Query(max_length=10)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConsolidationError(f"{name} {text[:10]!r}: expected a date, YYYY-MM-DD") from None


def _filters(
    actor: str, action: str, target_type: str, target_id: str, since: str, until: str
) -> AuditFilter:
    first, last = _day(since, "from"), _day(until, "to")
    return AuditFilter(
        actor=actor or None,
        action=action or None,
        target_type=target_type or None,
        target_id=target_id or None,
        since=datetime.combine(first, time()) if first else None,
        until=datetime.combine(last + timedelta(days=1), time()) if last else None,
    )


def _query(**values: Any) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    ctx: Annotated[Ctx, Depends(require(Action.AUDIT_READ))],
    actor: Text = "",
    action: Text = "",
    target_type: Text = "",
    target_id: Text = "",
    since: Day = "",
    until: Day = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    filters = _filters(actor, action, target_type, target_id, since, until)
    log = AuditLog(ctx.pipeline.engine)
    size = ctx.pipeline.settings.web.page_size
    total = log.count(filters)
    form = dict(actor=actor, action=action, target_type=target_type, target_id=target_id,
                since=since, until=until)  # fmt: skip
    return ctx.render(
        "audit.html.j2",
        events=log.events(filters, offset=(page - 1) * size, limit=size),
        choices=log.choices(),
        form=form,
        query=_query(**form),
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
    )


@router.get("/audit.xlsx")
def audit_export(
    ctx: Annotated[Ctx, Depends(require(Action.AUDIT_READ))],
    actor: Text = "",
    action: Text = "",
    target_type: Text = "",
    target_id: Text = "",
    since: Day = "",
    until: Day = "",
) -> Response:
    """The events of the same filter as a workbook (newest first)."""
    filters = _filters(actor, action, target_type, target_id, since, until)
    stream = io.BytesIO()
    AuditLog(ctx.pipeline.engine).export_xlsx(stream, filters)
    return Response(
        stream.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="audit-log.xlsx"'},
    )
