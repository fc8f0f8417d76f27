"""The Excel round trip in the browser: a ministry's quarantine workbook exported (the issue
list's ``/issues.xlsx?ministry=``), the corrected workbook uploaded and previewed (which records,
which fields, old → new, which would still fail), then applied as corrections and revalidated in
the background. Between the preview and the confirmation the preview stays on the server, under
a random token bound to the user who uploaded it; the browser holds only the token."""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.routing import NoMatchFound

from consolidation.access import Action
from consolidation.core.errors import ConsolidationError
from consolidation.quarantine.diff import RecordChange, WorkbookDiff
from consolidation.web.deps import Ctx, require
from consolidation.web.i18n import Translator
from consolidation.web.masking import is_personal, mask

FORM_OVERHEAD = 64 * 1024
"""What a multipart body may hold beyond the file itself (boundaries, the CSRF field)."""
PREVIEW_TTL = 60 * 60
"""Seconds a preview waits for its confirmation."""
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _over_limit(request: Request) -> bool:
    """Whether a multipart upload is over the limit by its Content-Length (a body without one
    is); other requests are not uploads."""
    if "multipart/" not in request.headers.get("content-type", ""):
        return False
    limit: int = request.app.state.pipeline.settings.web.upload_max_bytes
    length = request.headers.get("content-length")
    return length is None or not length.isdigit() or int(length) > limit + FORM_OVERHEAD


class LimitedRoute(APIRoute):
    """A route that refuses a multipart upload over ``web.upload_max_bytes`` with 413 from its
    Content-Length, before any of the body is read (the CSRF check reads the form)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if _over_limit(request):
                return _too_large(request)
            return await handler(request)

        return limited


def _too_large(request: Request) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    t = Translator(request.cookies.get("lang", "en"))
    size = _size(request.app.state.pipeline.settings.web.upload_max_bytes)
    return templates.TemplateResponse(
        request,
        "error.html.j2",
        {"t": t, "status": 413, "message": t("workbooks.too_large", size=size), "detail": "",
         "user": None, "ctx": None},
        status_code=413,
        headers={"Connection": "close"},
    )  # fmt: skip


router = APIRouter(route_class=LimitedRoute)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"


def _folder() -> Path:
    """Where previews wait, readable by this process's user only."""
    folder = Path(tempfile.gettempdir()) / f"consolidation-workbooks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _keep(ctx: Ctx, diff: WorkbookDiff) -> str:
    token = secrets.token_urlsafe(32)
    document = {"user_id": ctx.principal.user_id, "at": time.time(), "diff": diff.to_json()}
    path = _folder() / f"{token}.json"
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump(document, out)
    _sweep()
    return token


def _taken(ctx: Ctx, token: str) -> WorkbookDiff:
    """The preview ``token`` names, if it is this user's and not expired; used once."""
    expired = ConsolidationError(
        "this preview has expired or is not yours; upload the workbook again"
    )
    if not _TOKEN.match(token):
        raise expired
    path = _folder() / f"{token}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise expired from None
    if document.get("user_id") != ctx.principal.user_id:
        raise expired
    path.unlink(missing_ok=True)
    if time.time() - float(document.get("at", 0)) > PREVIEW_TTL:
        raise expired
    return WorkbookDiff.from_json(str(document["diff"]))


def _sweep() -> None:
    """Previews never confirmed go after their time."""
    now = time.time()
    for path in _folder().glob("*.json"):
        try:
            if now - path.stat().st_mtime > PREVIEW_TTL:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _page(ctx: Ctx, *, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    summary = ctx.pipeline.quarantine.summary(status="open", scope=ctx.principal.scope)
    ministries = sorted({str(row["ministry"]) for row in summary})
    return ctx.render(
        "workbooks.html.j2",
        status_code=status_code,
        ministries=ministries,
        error=error,
        limit=_size(ctx.pipeline.settings.web.upload_max_bytes),
    )


@router.get("/workbooks", response_class=HTMLResponse)
def workbooks(ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))]) -> HTMLResponse:
    return _page(ctx)


@router.post("/workbooks/preview", response_class=HTMLResponse)
def preview(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    workbook: Annotated[UploadFile, File()],
    ministry: Annotated[str, Form(max_length=16)] = "",
) -> HTMLResponse:
    """The uploaded workbook compared with the quarantine; nothing is written. A refusal
    (another ministry's file, changed keys or header, not a workbook, too large) is the
    service's one line on the upload page."""
    limit = ctx.pipeline.settings.web.upload_max_bytes
    data = workbook.file.read(limit + 1)
    if len(data) > limit:
        return _page(ctx, status_code=413, error=ctx.t("workbooks.too_large", size=_size(limit)))
    try:
        diff = ctx.pipeline.preview_workbook(
            data, scope=ctx.principal.scope, ministry=ministry or None
        )
    except ConsolidationError as exc:
        return _page(ctx, status_code=400, error=str(exc))
    return ctx.render(
        "workbook_preview.html.j2",
        diff=diff,
        changes=[_change(change) for change in diff.changes],
        still_failing=_failing(diff),
        invalid=[
            {**asdict(i), "value": mask(i.value) if is_personal(i.entity, i.field) else i.value}
            for i in diff.invalid
        ],
        token=_keep(ctx, diff) if diff.changes and not diff.invalid else None,
    )


def _failing(diff: WorkbookDiff) -> list[dict[str, Any]]:
    """The records that would still fail, a personal value masked inside the rule's message."""
    typed = {(c.source, c.entity, c.key, f.field): f.new for c in diff.changes for f in c.fields}
    failing = []
    for item in diff.still_failing:
        message = item.message
        value = typed.get((item.source, item.entity, item.key, item.field or ""))
        if value and is_personal(item.entity, item.field):
            message = message.replace(value, mask(value))
        failing.append({**asdict(item), "message": message})
    return failing


def _change(change: RecordChange) -> dict[str, Any]:
    def shown(name: str, value: str | None) -> str:
        if value is None or value == "":
            return ""
        return mask(value) if is_personal(change.entity, name) else value

    return {
        "source": change.source,
        "entity": change.entity,
        "key": change.key,
        "ministry": change.ministry,
        "fields": [
            {
                "name": f.field,
                "old": shown(f.field, f.old),
                "new": shown(f.field, f.new),
                "where": f.where,
                "personal": is_personal(change.entity, f.field),
            }
            for f in change.fields
        ],
    }


@router.post("/workbooks/apply", response_model=None)
def apply(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    token: Annotated[str, Form(max_length=128)],
) -> Response:
    """The previewed changes applied as corrections (all or none, each to the version the
    preview saw), then revalidation started in the background (its progress page)."""
    try:
        diff = _taken(ctx, token)
    except ConsolidationError as exc:
        return _page(ctx, status_code=400, error=str(exc))
    ctx.pipeline.apply_workbook(diff, actor=ctx.actor, scope=ctx.principal.scope)
    try:
        revalidate = ctx.request.app.url_path_for("revalidate")
    except NoMatchFound:  # no background revalidation in this app: the issues, re-listed
        return RedirectResponse("/issues", status_code=303)
    # the same POST (its CSRF token with it) starts the background revalidation
    return RedirectResponse(revalidate, status_code=307)
