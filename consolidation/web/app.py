"""The stewards' web app: server-rendered FastAPI with Jinja2 templates and htmx, every asset in
the package (no CDN, no build step). ``create_app(pipeline)`` serves one store and settings,
those of the CLI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from consolidation.core.errors import ConsolidationError
from consolidation.pipeline import Pipeline
from consolidation.quarantine import OutOfScope, QuarantineConflict
from consolidation.web import routes
from consolidation.web.deps import BadCsrf, Forbidden, NotSignedIn
from consolidation.web.i18n import Translator

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("consolidation.web").joinpath(name)))


def create_app(pipeline: Pipeline) -> FastAPI:
    app = FastAPI(title="Shared-services consolidation", docs_url=None, redoc_url=None,
                  openapi_url=None)  # fmt: skip
    app.state.pipeline = pipeline
    templates = Jinja2Templates(directory=_package_dir("templates"))
    templates.env.autoescape = True
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=_package_dir("static")), name="static")
    for router in routes.ROUTERS:
        app.include_router(router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if pipeline.settings.web.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def page(request: Request, status: int, message_key: str, detail: str = "") -> HTMLResponse:
        t = Translator(getattr(request.state, "language", "en"))
        return templates.TemplateResponse(
            request,
            "error.html.j2",
            {"t": t, "status": status, "message": t(message_key), "detail": detail,
             "user": None, "ctx": None},
            status_code=status,
        )  # fmt: skip

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        target = "/login"
        if request.method == "GET" and request.url.path not in ("/", "/login"):
            target += "?next=" + quote(request.url.path, safe="/")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        return page(request, 403, "error.forbidden")

    @app.exception_handler(OutOfScope)
    async def out_of_scope(request: Request, _exc: OutOfScope) -> Response:
        return page(request, 403, "error.forbidden")

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _exc: BadCsrf) -> Response:
        return page(request, 403, "error.csrf")

    @app.exception_handler(QuarantineConflict)
    async def conflict(request: Request, exc: QuarantineConflict) -> Response:
        return page(request, 409, "error.conflict", str(exc))

    @app.exception_handler(ConsolidationError)
    async def refused(request: Request, exc: ConsolidationError) -> Response:
        return page(request, 400, "error.refused", str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # the type only: an exception's text may hold a value of a record
        logger.error("unexpected %s on %s %s", type(exc).__name__, request.method,
                     request.url.path)  # fmt: skip
        return page(request, 500, "error.unexpected")

    return app
