"""What every route declares: who is asking (a live server-side session) and whether its role
may do the action, with the CSRF token checked on every state change. Deny by default: a route
without ``require`` fails the test that walks the route table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from consolidation.access import Action, Principal, SessionView
from consolidation.pipeline import Pipeline
from consolidation.web.i18n import Translator

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotSignedIn(Exception):  # noqa: N818 - the condition it names
    """No live session: the browser goes to the sign-in page."""


class Forbidden(Exception):  # noqa: N818 - the condition it names
    """The role may not do this, or the object is of another ministry."""


class BadCsrf(Exception):  # noqa: N818 - the condition it names
    """A state change without the session's CSRF token."""


def cookie_name(request: Request) -> str:
    return "__Host-session" if request.app.state.pipeline.settings.web.secure_cookies else "session"


@dataclass
class Ctx:
    """A signed-in request: the pipeline, the session, the words of the user's language."""

    request: Request
    pipeline: Pipeline
    session: SessionView
    token: str

    @property
    def principal(self) -> Principal:
        return self.session.principal

    @property
    def actor(self) -> str:
        return self.principal.username

    @property
    def t(self) -> Translator:
        return Translator(self.session.language)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        templates: Jinja2Templates = self.request.app.state.templates
        return templates.TemplateResponse(
            self.request,
            template,
            {"ctx": self, "t": self.t, "user": self.principal, "csrf": self.session.csrf_token,
             "Action": Action, **values},
            status_code=status_code,
        )  # fmt: skip


async def submitted_csrf(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if "form" in content_type:
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def require(*actions: Action) -> Callable[[Request], Awaitable[Ctx]]:
    """The dependency of a route that needs a live session whose role may do ``actions`` (any
    of them); a state change also needs the session's CSRF token."""

    async def authorized(request: Request) -> Ctx:
        pipeline: Pipeline = request.app.state.pipeline
        token = request.cookies.get(cookie_name(request))
        session = pipeline.web_sessions.resolve(token)
        if session is None or token is None:
            raise NotSignedIn
        if request.method not in SAFE_METHODS and not session.csrf_ok(
            await submitted_csrf(request)
        ):
            raise BadCsrf
        if actions and not any(session.principal.can(action) for action in actions):
            raise Forbidden
        request.state.language = session.language
        return Ctx(request, pipeline, session, token)

    authorized.authorizes = actions  # type: ignore[attr-defined]
    return authorized


def check_ministry(ctx: Ctx, ministry: str | None) -> None:
    """The object-level check: the object's ministry is within the user's scope."""
    if not ctx.principal.holds(ministry):
        raise Forbidden
