"""Re-validation in the background: started by a steward or an admin, refused while one runs
(in any process), its progress polled by the page every second (htmx) or reloaded by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consolidation.access import Action
from consolidation.pipeline import jobs
from consolidation.quarantine import QuarantineError
from consolidation.web.deps import Ctx, require

router = APIRouter()


@router.post("/revalidate", response_class=HTMLResponse)
def revalidate(ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))]) -> Response:
    """Start ``Pipeline.revalidate`` as a background job over the user's ministries' sources
    (every source for central IT) and show its progress; while another revalidation runs, say
    so and link to it (409)."""
    try:
        job_id = jobs.start_revalidation(
            ctx.pipeline, actor=ctx.actor, ministries=ctx.principal.scope
        )
    except jobs.JobRunning as exc:
        running = jobs.JobService(ctx.pipeline.engine).latest(jobs.REVALIDATE)
        return ctx.render("job_refused.html.j2", status_code=409, message=str(exc),
                          job=running)  # fmt: skip
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    job_id: Annotated[int, Path(ge=1, le=2**62)],
) -> HTMLResponse:
    """A job's state, stage, progress and result; htmx asks for the status part alone."""
    try:
        job = jobs.JobService(ctx.pipeline.engine).get(job_id)
    except jobs.JobNotFound as exc:
        raise QuarantineError(str(exc)) from None
    partial = bool(ctx.request.headers.get("hx-request"))
    return ctx.render("_job_status.html.j2" if partial else "job.html.j2", job=job)
