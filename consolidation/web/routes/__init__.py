"""The app's routers, one module per area; every route declares ``deps.require``."""

from __future__ import annotations

from fastapi import APIRouter

from consolidation.web.routes import auth, issues

ROUTERS: list[APIRouter] = [auth.router, issues.router]
PUBLIC = {"/login", "/static"}
"""Paths served without a session: the sign-in page and the assets."""
