"""Reconciliation for finance officers (admins too; auditors read only): the stored runs, one
run's outcome per ministry and period with the drill-down of a period to its lines, sign-off of
a period (audited as the signed-in user), and the run's HTML and Excel reports, rendered on
demand by the reconciliation's own renderers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from consolidation.access import Action
from consolidation.reconcile import ReconcileError
from consolidation.reconcile.overview import drill, period_outcomes
from consolidation.reconcile.render import render_html, write_xlsx
from consolidation.web.deps import Ctx, require

router = APIRouter()
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox"
)
"""The stored report is self-contained (inline CSS and SVG, no script): it may style itself,
and nothing else."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Code = Annotated[str, Query(max_length=16, pattern=r"^[A-Za-z0-9_-]*$")]
Period = Annotated[str, Query(max_length=10, pattern=r"^[0-9-]*$")]


@router.get("/reconcile", response_class=HTMLResponse)
def run_list(
    ctx: Annotated[Ctx, Depends(require(Action.RECONCILE_READ))],
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    service = ctx.pipeline.reconciliation
    size = ctx.pipeline.settings.web.page_size
    total = service.count_runs()
    return ctx.render(
        "reconcile.html.j2",
        runs=service.runs(offset=(page - 1) * size, limit=size),
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
    )


def _detail(
    ctx: Ctx, run_id: int, ministry: str, period: str, *, error: str | None = None
) -> HTMLResponse:
    service = ctx.pipeline.reconciliation
    result = service.show(run_id)
    return ctx.render(
        "reconcile_run.html.j2",
        status_code=200 if error is None else 400,
        result=result,
        outcome=result.outcome.value,
        periods=period_outcomes(result),
        latest=service.is_latest(run_id),
        drill=drill(result, ministry, period) if ministry else None,
        signoffs=[s for s in result.signoffs if s.run_id == run_id],
        may_sign=ctx.principal.can(Action.RECONCILE_SIGNOFF),
        error=error,
    )


@router.get("/reconcile/{run_id}", response_class=HTMLResponse)
def run_detail(
    ctx: Annotated[Ctx, Depends(require(Action.RECONCILE_READ))],
    run_id: int,
    ministry: Code = "",
    period: Period = "",
) -> HTMLResponse:
    """A run: per ministry and period its outcome and sign-off; with ``ministry`` (and
    ``period``), the drill-down to the cells, differences and explaining lines."""
    return _detail(ctx, run_id, ministry, period)


@router.post("/reconcile/{run_id}/signoff", response_model=None)
def sign_off(
    ctx: Annotated[Ctx, Depends(require(Action.RECONCILE_SIGNOFF))],
    run_id: int,
    ministry: Annotated[str, Form(max_length=16)],
    period: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Sign a ministry-period off on the run; a refusal (it differs, not the latest run of its
    scope, no note) is shown on the run's page as the service's one line."""
    try:
        ctx.pipeline.reconciliation.sign_off(run_id, ministry, period, note, actor=ctx.actor)
    except ReconcileError as exc:
        return _detail(ctx, run_id, "", "", error=str(exc))
    return RedirectResponse(f"/reconcile/{run_id}#signoffs", status_code=303)


@router.get("/reconcile/{run_id}/report.html")
def report_html(
    ctx: Annotated[Ctx, Depends(require(Action.RECONCILE_READ))],
    run_id: int,
    download: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """The run's self-contained HTML report, the one ``consolidate reconcile`` writes."""
    result = ctx.pipeline.reconciliation.show(run_id)
    disposition = "attachment" if download else "inline"
    return Response(
        render_html(result),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": REPORT_CSP,
            "Content-Disposition": f'{disposition}; filename="reconcile-run-{run_id:05d}.html"',
        },
    )


@router.get("/reconcile/{run_id}/report.xlsx")
def report_xlsx(
    ctx: Annotated[Ctx, Depends(require(Action.RECONCILE_READ))],
    run_id: int,
) -> Response:
    """The run's Excel workbook (amounts as numbers to the fils, differences in red)."""
    result = ctx.pipeline.reconciliation.show(run_id)
    folder = Path(tempfile.mkdtemp(prefix="reconcile-"))
    path = write_xlsx(result, folder / f"reconcile-run-{run_id:05d}.xlsx")
    return FileResponse(
        path, filename=path.name, media_type=XLSX, background=BackgroundTask(_remove, folder)
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
