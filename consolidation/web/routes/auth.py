"""Signing in and out, the language toggle, and asking the password again before big acts.
The sign-in form carries its own CSRF token (a cookie and a field that must agree), since no
session exists yet."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from consolidation.access import Action, SigninRefused
from consolidation.pipeline import Pipeline
from consolidation.web.deps import Ctx, cookie_name, require
from consolidation.web.i18n import LANGUAGES, Translator

router = APIRouter()
LOGIN_CSRF = "login_csrf"


def _safe_next(target: str | None) -> str:
    """Only a path of this app: never another site (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(
    request: Request, *, error: str | None = None, next_path: str = "/", status: int = 200
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    language = request.cookies.get("lang", "en")
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html.j2",
        {"t": Translator(language), "csrf": token, "error": error, "next": next_path,
         "user": None, "ctx": None},
        status_code=status,
    )  # fmt: skip
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", path="/login",
        secure=request.app.state.pipeline.settings.web.secure_cookies,
    )  # fmt: skip
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    pipeline: Pipeline = request.app.state.pipeline
    t = Translator(request.cookies.get("lang", "en"))
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(request, error=t("login.expired"), status=403)
    client = request.client.host if request.client else "unknown"
    try:
        principal = pipeline.users.authenticate(username, password, client=client)
    except SigninRefused as exc:
        return _login_page(request, error=str(exc), next_path=_safe_next(next), status=401)
    name = cookie_name(request)
    token = pipeline.web_sessions.start(
        principal, replacing=request.cookies.get(name), language=t.language
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        name, token, httponly=True, samesite="strict", path="/",
        secure=pipeline.settings.web.secure_cookies,
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
def logout(ctx: Annotated[Ctx, Depends(require())]) -> Response:
    ctx.pipeline.web_sessions.end(ctx.token, actor=ctx.actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(ctx.request), path="/")
    return response


@router.post("/language")
def language(
    ctx: Annotated[Ctx, Depends(require())],
    lang: Annotated[str, Form(max_length=2)],
    back: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    if lang in LANGUAGES:
        ctx.pipeline.web_sessions.set_language(ctx.token, lang)
    response = RedirectResponse(_safe_next(back), status_code=303)
    response.set_cookie("lang", lang if lang in LANGUAGES else "en", samesite="strict",
                        httponly=True, path="/")  # fmt: skip
    return response


@router.get("/")
def home(ctx: Annotated[Ctx, Depends(require())]) -> Response:
    if ctx.principal.can(Action.QUARANTINE_COUNTS):
        return RedirectResponse("/dashboard", status_code=303)
    return RedirectResponse("/reconcile", status_code=303)
