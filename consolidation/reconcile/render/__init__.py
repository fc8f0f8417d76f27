"""Renderers of a reconciliation: each reads the plain result and writes one format."""

from consolidation.reconcile.render.html import render_html, write_html
from consolidation.reconcile.render.xlsx import write_xlsx

__all__ = ["render_html", "write_html", "write_xlsx"]
