"""The dashboard: open issues by rule and by ministry, issues opened and closed per day, and
the totals, within the reader's scope; each chart's numbers as a table and an XLSX export."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from consolidation.access import Action
from consolidation.pipeline import records
from consolidation.quarantine.history import write_dashboard
from consolidation.web.deps import Ctx, require

router = APIRouter()
HEADINGS = ("status", "rule", "ministry", "day", "count", "opened", "closed", "issues",
            "released", "pairs")  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_COUNTS))]) -> HTMLResponse:
    board = records.dashboard(ctx.pipeline, scope=ctx.principal.scope)
    return ctx.render("dashboard.html.j2", board=board, rtl=ctx.t.direction == "rtl")


@router.get("/dashboard.xlsx")
def dashboard_export(ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_COUNTS))]) -> Response:
    board = records.dashboard(ctx.pipeline, scope=ctx.principal.scope)
    t = ctx.t
    headings = {
        **{key: t(f"dashboard.{key}") for key in HEADINGS},
        **{status: t(f"status.{status}") for status in board.by_status},
    }
    buffer = io.BytesIO()
    write_dashboard(board, buffer, headings)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="dashboard.xlsx"'},
    )
