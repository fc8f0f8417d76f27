"""The reconciliation as one self-contained HTML file: inline CSS and SVG, nothing fetched, so
that it opens offline, can be mailed and prints as an audit document."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from consolidation.reconcile.model import CellStatus, ChangeKind, Reconciliation
from consolidation.reconcile.render import charts, views
from consolidation.reconcile.render.display import amount, has_arabic, short_sha, timestamp

STATUS_CLASS = {
    CellStatus.RECONCILED: "ok",
    CellStatus.EXPLAINED: "ok",
    CellStatus.TOLERATED: "warn",
    CellStatus.DIFFERENT: "bad",
}


def text(value: object) -> Markup:
    """Escaped free text; text with Arabic in it reads right to left in an isolated span."""
    if value is None:
        return Markup("")
    if has_arabic(value):
        return Markup('<span dir="rtl" lang="ar">{}</span>').format(value)
    return escape(value)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("consolidation.reconcile.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        amount=amount, text=text, short_sha=short_sha, timestamp=timestamp, status=_status_class
    )
    return env


def _status_class(status: CellStatus) -> str:
    return STATUS_CLASS[status]


def render_html(result: Reconciliation) -> str:
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            outcome=result.outcome.value,
            unexplained=result.exit_code != 0,
            ministries=views.ministries(result),
            monthly=charts.differences_by_month(result),
            by_class=charts.source_against_central(result),
            reopened=ChangeKind.REOPENED,
        )
    )


def write_html(result: Reconciliation, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")
    return path
