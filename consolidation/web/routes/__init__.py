"""The app's routers, one module per area; every route declares ``deps.require``."""

from __future__ import annotations

from fastapi import APIRouter

from consolidation.web.routes import (
    audit,
    auth,
    dashboard,
    issues,
    jobs,
    matches,
    reconcile,
    records,
    workbooks,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    issues.router,
    records.router,
    jobs.router,
    dashboard.router,
    matches.router,
    reconcile.router,
    audit.router,
    workbooks.router,
]
PUBLIC = {"/login", "/static"}
"""Paths served without a session: the sign-in page and the assets."""
