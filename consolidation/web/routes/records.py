"""The record view: a quarantined record's mapped values beside the original source record,
its issues and their history; the audited reveal of its personal fields; the correction form
and single-issue decisions, each naming the version it was shown at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from consolidation.access import Action
from consolidation.pipeline import records
from consolidation.quarantine import IssueStatus, QuarantineConflict, QuarantineError
from consolidation.web.deps import Ctx, Forbidden, require
from consolidation.web.masking import mask, masked_issue

router = APIRouter()
IssueId = Annotated[int, Path(ge=1, le=2**62)]
DECISIONS = {
    "waive": IssueStatus.WAIVED,
    "reject": IssueStatus.REJECTED,
    "reopen": IssueStatus.OPEN,
}
FIELD_PREFIX = "f."


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    personal: bool
    corrected: bool = False
    original: str = ""


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def record_page(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_READ))],
    issue_id: IssueId,
    done: str = "",
) -> HTMLResponse:
    view = records.record_view(ctx.pipeline, issue_id, scope=ctx.principal.scope)
    return _render(ctx, view, revealed=False, done=done if done in ("corrected", "decided") else "")


@router.post("/issues/{issue_id}/reveal", response_class=HTMLResponse)
def reveal(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_READ))],
    issue_id: IssueId,
) -> HTMLResponse:
    """The same page with the personal fields in clear, for a steward of the ministry or an
    admin; the reveal is audited. Anyone else: 403."""
    view = records.reveal(ctx.pipeline, issue_id, ctx.principal)
    return _render(ctx, view, revealed=True)


@router.post("/issues/{issue_id}/correct", response_class=HTMLResponse)
async def correct(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    issue_id: IssueId,
    version: Annotated[int, Form(ge=0)],
    revealed: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """A steward's corrections of the record, to the version the form was shown at: a value
    the pipeline would not read is shown next to the form (400), a record changed since is a
    conflict (409); neither writes anything."""
    form = await ctx.request.form()
    submitted = {
        str(name)[len(FIELD_PREFIX) :]: str(value)[:2000]
        for name, value in form.multi_items()
        if str(name).startswith(FIELD_PREFIX) and isinstance(value, str)
    }
    scope = ctx.principal.scope
    view = records.record_view(ctx.pipeline, issue_id, scope=scope)
    shown_clear = revealed == "1" and ctx.principal.may_reveal(view.ministry)
    changes = records.corrections_from_form(view, submitted, revealed=shown_clear)
    if not changes:
        return _render(ctx, view, revealed=shown_clear, status=400,
                       form_error=ctx.t("record.nothing_changed"), submitted=submitted)  # fmt: skip
    ref = view.issue
    try:
        ctx.pipeline.quarantine.correct(
            ref.source, ref.entity, ref.source_key, changes,
            actor=ctx.actor, version=version, scope=scope,
        )  # fmt: skip
    except QuarantineConflict as exc:
        fresh = records.record_view(ctx.pipeline, issue_id, scope=scope)
        return _render(ctx, fresh, revealed=False, status=409, conflict=str(exc))
    except QuarantineError as exc:
        return _render(ctx, view, revealed=shown_clear, status=400, form_error=str(exc),
                       submitted=submitted)  # fmt: skip
    return RedirectResponse(f"/issues/{issue_id}?done=corrected", status_code=303)


@router.post("/issues/{issue_id}/decide", response_class=HTMLResponse)
def decide(
    ctx: Annotated[Ctx, Depends(require(Action.QUARANTINE_ACT))],
    issue_id: IssueId,
    action: Annotated[str, Form(max_length=10)],
    version: Annotated[int, Form(ge=0)],
    page: Annotated[int, Form(ge=1, le=2**62)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Waive, reject or reopen one issue of the record shown on ``page`` (an issue id), at the
    version the page showed; a changed issue is a conflict (409)."""
    if action not in DECISIONS:
        raise QuarantineError(f"action {action!r}: expected waive, reject or reopen")
    scope = ctx.principal.scope
    view = records.record_view(ctx.pipeline, page, scope=scope)
    if issue_id not in {int(i["id"]) for i in view.record["issues"]}:
        raise Forbidden  # an issue of another record than the page's
    try:
        ctx.pipeline.quarantine.decide(
            [issue_id], DECISIONS[action], actor=ctx.actor, note=note or None,
            versions={issue_id: version}, scope=scope,
        )  # fmt: skip
    except QuarantineConflict as exc:
        fresh = records.record_view(ctx.pipeline, page, scope=scope)
        return _render(ctx, fresh, revealed=False, status=409, conflict=str(exc))
    return RedirectResponse(f"/issues/{page}?done=decided", status_code=303)


def _render(
    ctx: Ctx,
    view: records.RecordView,
    *,
    revealed: bool,
    status: int = 200,
    done: str = "",
    conflict: str | None = None,
    form_error: str | None = None,
    submitted: dict[str, str] | None = None,
) -> HTMLResponse:
    """The record page; personal values masked everywhere (fields, raw record, issues, their
    messages, the history) unless ``revealed``."""
    secrets = _secrets(view)
    hide = (lambda text: text) if revealed else (lambda text: _hide(text, secrets))
    record = view.record
    corrected = {} if record["correction_stale"] else (record["corrected"] or {})

    def shown(name: str, value: Any, personal: bool) -> str:
        text = "" if value is None else str(value)
        return mask(text) if personal and text and not revealed else hide(text)

    fields = [
        Row(
            name,
            shown(name, view.values.get(name), name in view.personal),
            name in view.personal and not revealed,
            corrected=name in corrected,
            original=shown(name, record["data"].get(name), name in view.personal)
            if name in corrected
            else "",
        )
        for name in view.fields
    ]
    raw = [
        Row(str(column), shown(column, value, column in view.raw_personal),
            column in view.raw_personal and not revealed)
        for column, value in (view.raw or {}).items()
        if not str(column).startswith("_")
    ]  # fmt: skip
    issues = [_issue(issue, revealed, hide) for issue in record["issues"]]
    history = [
        {
            "at": entry.at,
            "actor": entry.actor,
            "action": entry.action,
            "issue_id": entry.issue_id,
            "rule_id": entry.rule_id,
            "previous": entry.previous,
            "note": hide(entry.note or ""),
            "fields": entry.fields,
            "changes": [
                (
                    change.field,
                    shown(change.field, change.old, change.field in view.personal),
                    shown(change.field, change.new, change.field in view.personal),
                )
                for change in entry.changes
            ],
        }
        for entry in reversed(view.history)
    ]
    form_values = {
        row.name: (
            (submitted or {}).get(row.name)
            if submitted is not None and row.name in submitted
            else ("" if row.personal else row.value)
        )
        for row in fields
    }
    return ctx.render(
        "record.html.j2",
        status_code=status,
        view=view,
        ref=view.issue,
        record=record,
        fields=fields,
        raw=raw,
        raw_missing=view.raw is None,
        issues=issues,
        history=history,
        revealed=revealed,
        may_reveal=ctx.principal.may_reveal(view.ministry) and bool(view.personal),
        may_act=ctx.principal.can(Action.QUARANTINE_ACT),
        may_correct=ctx.principal.can(Action.QUARANTINE_ACT) and record["version"] is not None,
        form_values=form_values,
        done=done,
        conflict=hide(conflict) if conflict else None,
        form_error=form_error,
    )


def _issue(issue: dict[str, Any], revealed: bool, hide: Any) -> dict[str, Any]:
    if revealed:
        return issue
    shown = masked_issue(issue)
    return {
        **shown,
        "value": hide("" if shown.get("value") is None else str(shown["value"])),
        "message": hide(str(shown.get("message") or "")),
    }


def _secrets(view: records.RecordView) -> list[str]:
    """The record's personal values as text, longest first: what must not show masked."""
    found: set[str] = set()
    for name in view.personal:
        for value in (view.values.get(name), view.record["data"].get(name)):
            if value not in (None, ""):
                found.add(str(value))
    for column in view.raw_personal:
        value = (view.raw or {}).get(column)
        if value not in (None, ""):
            found.add(str(value))
    for entry in view.history:
        for change in entry.changes:
            if change.field in view.personal:
                found.update(str(v) for v in (change.old, change.new) if v not in (None, ""))
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def _hide(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text
