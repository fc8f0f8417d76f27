"""The issue list: filtered, searched, sorted and paged on the server; bulk waive or reject of
the selected issues or of every issue matching the filter, confirmed, with the password asked
again above ``web.bulk_reauth_above`` issues; and its XLSX export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from consolidation.access import Action
from consolidation.core.errors import ConsolidationError
from consolidation.quarantine import IssueFilter, IssueStatus
from consolidation.quarantine.queries import SORTS
from consolidation.web.deps import Ctx, require
from consolidation.web.masking import masked_issue

router = APIRouter()
BULK = {"waive": IssueStatus.WAIVED, "reject": IssueStatus.REJECTED}
Text = Annotated[str | None, Query(max_length=200)]


def _filters(
    rule: str | None,
    ministry: str | None,
    status: str | None,
    severity: str | None,
    batch: str | None,
    key: str | None,
) -> IssueFilter:
    batch_id = None
    if batch:
        if not batch.isdigit():
            raise ConsolidationError(f"batch {batch!r}: expected a batch number")
        batch_id = int(batch)
    return IssueFilter(
        rule=rule or None,
        ministry=ministry or None,
        status=status or None,
        severity=severity or None,
        batch_id=batch_id,
        key=key or None,
    )


def query_filter(
    rule: Text = None,
    ministry: Text = None,
    status: Text = "open",
    severity: Text = None,
    batch: Text = None,
    key: Text = None,
) -> IssueFilter:
    """The issue filter of a page's query string (open issues unless asked otherwise)."""
    return _filters(rule, ministry, status, severity, batch, key)


def _query(filters: IssueFilter, **extra: object) -> str:
    values: dict[str, Any] = {
        "rule": filters.rule, "ministry": filters.ministry, "status": filters.status,
        "severity": filters.severity, "batch": filters.batch_id, "key": filters.key, **extra,
    }  # fmt: skip
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("/issues", response_class=HTMLResponse)
def issue_list(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_READ))],
    filters: Annotated[IssueFilter, Depends(query_filter)],
    sort: Annotated[str, Query(max_length=20)] = "rule",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    service = ctx.pipeline.quarantine
    scope = ctx.principal.scope
    size = ctx.pipeline.settings.web.page_size
    total = service.count_issues(filters, scope=scope)
    rows = service.list_issues(
        filters, scope=scope, offset=(page - 1) * size, limit=size, sort=sort
    )
    rules, ministries = service.filter_choices(scope=scope)
    template = "issues.html.j2"
    if ctx.request.headers.get("hx-request") and ctx.request.headers.get("hx-target") == "results":
        template = "_issue_results.html.j2"
    return ctx.render(
        template,
        issues=[masked_issue(row) for row in rows],
        filters=filters,
        sort=sort,
        sorts=list(SORTS),
        page=page,
        pages=max(1, -(-total // size)),
        total=total,
        query=_query(filters, sort=sort),
        rules=rules,
        ministries=ministries,
        statuses=[s.value for s in IssueStatus],
    )


@router.post("/issues/bulk", response_class=HTMLResponse)
def bulk(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    action: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=2000)] = "",
    selected: Annotated[list[str] | None, Form()] = None,
    every: Annotated[str, Form(max_length=5)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    rule: Annotated[str, Form(max_length=200)] = "",
    ministry: Annotated[str, Form(max_length=200)] = "",
    status: Annotated[str, Form(max_length=200)] = "",
    severity: Annotated[str, Form(max_length=200)] = "",
    batch: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Waive or reject: first a confirmation page with the count (and the password field
    above the threshold), then the decision, reported with its count."""
    if action not in BULK:
        raise ConsolidationError(f"action {action!r}: expected waive or reject")
    filters = _filters(rule, ministry, status, severity, batch, key)
    service = ctx.pipeline.quarantine
    scope = ctx.principal.scope
    versions = _versions(selected or [])
    if every == "yes":
        count = service.count_issues(filters, scope=scope)
    elif versions:
        count = len(versions)
    else:
        raise ConsolidationError("select at least one issue, or every issue matching the filter")
    settings = ctx.pipeline.settings.web
    needs_password = (
        count > settings.bulk_reauth_above
        and not ctx.session.recently_reauthenticated(settings.reauth_minutes)
    )
    error = None
    if confirm == "yes" and needs_password:
        if password and ctx.pipeline.users.verify_password(ctx.principal.user_id, password):
            ctx.pipeline.web_sessions.reauthenticated(ctx.token, actor=ctx.actor)
            needs_password = False
        else:
            error = ctx.t("bulk.password_wrong")
    if confirm != "yes" or needs_password:
        return ctx.render(
            "bulk_confirm.html.j2",
            status_code=200 if error is None else 403,
            action=action, count=count, note=note, every=every, selected=selected or [],
            needs_password=needs_password, error=error, filters=filters,
        )  # fmt: skip
    if every == "yes":
        done = service.decide_matching(
            filters, BULK[action], actor=ctx.actor, note=note or None, scope=scope
        )
    else:
        done = service.decide(
            list(versions), BULK[action], actor=ctx.actor, note=note or None,
            versions=versions, scope=scope,
        )  # fmt: skip
    return ctx.render("bulk_done.html.j2", action=action, count=done, query=_query(filters))


def _versions(selected: list[str]) -> dict[int, int]:
    """``id:version`` pairs of the checked rows: a row changed since it was shown conflicts."""
    versions: dict[int, int] = {}
    for item in selected:
        issue, _, version = item.partition(":")
        if not issue.isdigit() or not version.isdigit():
            raise ConsolidationError(f"selected issue {item[:40]!r}: expected id:version")
        versions[int(issue)] = int(version)
    return versions


@router.get("/issues.xlsx")
def issue_export(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    filters: Annotated[IssueFilter, Depends(query_filter)],
) -> Response:
    """The issues of the filter as the ministry workbook the Excel round trip takes back. It
    holds the records' values in clear, for the ministry to correct: only those who may
    reveal them (the ministry's stewards, central IT) may download it."""
    folder = Path(tempfile.mkdtemp(prefix="issues-"))
    path = folder / f"issues-{(filters.ministry or 'all').lower()}.xlsx"
    ctx.pipeline.quarantine.export_xlsx(path, filters, scope=ctx.principal.scope)
    return FileResponse(
        path,
        filename=path.name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(_remove, folder),
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
