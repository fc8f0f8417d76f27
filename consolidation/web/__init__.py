"""The stewards' web app: FastAPI routes, Jinja2 templates, static assets and sign-in.

It presents the services the CLI calls (the quarantine, revalidation, match review, the
reconciliation, the audit log, users and sessions) and computes nothing of its own; an
import-linter contract keeps it from the store's tables and the stages' internals.
"""

from consolidation.web.app import create_app

__all__ = ["create_app"]
