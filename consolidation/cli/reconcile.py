"""``consolidate reconcile``: what finance officers run. Source → store → central Odoo, to the
fils, with an HTML report and an Excel workbook; ``show`` an earlier run, ``signoff`` a period.

The exit code works like diff's: 0 when everything reconciles or is explained, 1 when anything
is unexplained, 2 on an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from consolidation.cli.common import JsonOption, app, console, err_console, open_pipeline
from consolidation.cli.progress import make_progress
from consolidation.reconcile import CellStatus, Outcome, Reconciliation
from consolidation.reconcile.render.html import write_html
from consolidation.reconcile.render.xlsx import write_xlsx

reconcile_app = typer.Typer(
    help="Reconcile source ledgers, the unified store and the central Odoo, to the fils.",
    invoke_without_command=True,
)
app.add_typer(reconcile_app, name="reconcile")

SHOWN_DIFFERENCES = 20


def _amount(value: Any) -> str:
    return f"{value:,.3f}"


def write_reports(result: Reconciliation, out: Path) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    stem = f"reconcile-run-{result.run_id:05d}" if result.run_id else "reconcile"
    html = write_html(result, out / f"{stem}.html")
    workbook = write_xlsx(result, out / f"{stem}.xlsx")
    return {"html": str(html), "xlsx": str(workbook)}


def print_reconciliation(result: Reconciliation, reports: dict[str, str]) -> None:
    scope = result.scope
    period = (
        f"{scope.period_from or '…'}..{scope.period_to or '…'}"
        if scope.period_from or scope.period_to
        else "all periods"
    )
    console.print(
        f"[bold]Reconciliation run {result.run_id}[/] · "
        f"{', '.join(scope.ministries) or 'all ministries'} · {period} · "
        f"levels {', '.join(scope.levels)}{' + fresh source' if scope.fresh_source else ''}",
        highlight=False,
    )
    fingerprint = result.fingerprint
    batches = ", ".join(f"{b.source_system}#{b.batch_id}" for b in fingerprint.batches)
    central = (
        f"{fingerprint.central_url} ({fingerprint.central_database})"
        if fingerprint.central_url
        else "not compared"
    )
    console.print(
        f"batches {batches} · central Odoo {central} · by {fingerprint.operator}", highlight=False
    )
    for change in result.reopened:
        console.print(
            f"[bold red]REOPENED[/] {change.ministry} {change.period}: {change.detail}",
            highlight=False,
        )
    table = Table(title="Per ministry and comparison", title_justify="left")
    table.add_column("ministry")
    table.add_column("comparison", no_wrap=True, min_width=22)
    for column in ("cells", "differing"):
        table.add_column(column, justify="right")
    for column in (
        "left debit",
        "right debit",
        "explained debit",
        "residual debit",
        "residual credit",
    ):
        table.add_column(column, justify="right")
    for row in result.summary():
        colour = "red" if row["different"] else "green"
        table.add_row(
            row["ministry"],
            row["comparison"].value,
            str(row["cells"]),
            f"[{colour}]{row['different']}[/]",
            _amount(row["left"].debit),
            _amount(row["right"].debit),
            _amount(row["explained"].debit),
            f"[{colour}]{_amount(row['residual'].debit)}[/]",
            f"[{colour}]{_amount(row['residual'].credit)}[/]",
        )
    console.print(table)
    if result.headcount:
        _print_headcount(result)
    if result.differences:
        _print_differences(result)
    counts: dict[str, int] = {}
    for change in result.changes:
        counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
    if result.previous_run_id is not None:
        since = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing changed"
        console.print(f"Since run {result.previous_run_id}: {since}.", highlight=False)
    for note in result.notes:
        console.print(f"[dim]{note}[/]", highlight=False)
    if result.central_calls:
        console.print(f"[dim]{result.central_calls} calls to the central Odoo.[/]")
    for kind, path in reports.items():
        console.print(f"{kind.upper()} report: {path}", highlight=False)
    outcome = result.outcome
    colour = "red" if outcome is Outcome.UNEXPLAINED else "green"
    different = len(result.differing())
    console.print(
        f"[bold {colour}]{outcome.value.upper()}[/]: {len(result.cells)} cells, "
        f"{different} differing, {len(result.explanations)} explained line(s), "
        f"{len(result.differences)} located difference(s).",
        highlight=False,
    )


def _print_headcount(result: Reconciliation) -> None:
    totals: dict[str, list[int]] = {}
    for row in result.headcount:
        sums = totals.setdefault(row.ministry, [0, 0, 0, 0, 0, 0, 0, 0])
        for position, value in enumerate(
            (
                row.source,
                row.staged,
                row.persons,
                row.quarantined,
                row.rejected,
                row.expected_active,
                row.central_active or 0,
                row.status is CellStatus.DIFFERENT,
            )
        ):
            sums[position] += int(value)
    compared = any(row.central_active is not None for row in result.headcount)
    table = Table(title="Headcount per ministry (org units in the reports)", title_justify="left")
    columns = [
        "ministry",
        "source",
        "staged",
        "persons",
        "quarantined",
        "rejected",
        "expected active",
    ]
    for column in [*columns, "central active", "units differing"]:
        table.add_column(column, justify="left" if column == "ministry" else "right")
    for ministry, sums in sorted(totals.items()):
        colour = "red" if sums[7] else "green"
        table.add_row(
            ministry,
            *(str(v) for v in sums[:6]),
            str(sums[6]) if compared else "—",
            f"[{colour}]{sums[7]}[/]",
        )
    console.print(table)


def _print_differences(result: Reconciliation) -> None:
    table = Table(
        title=f"Located differences (first {SHOWN_DIFFERENCES} of {len(result.differences)})",
        title_justify="left",
    )
    for column in ("comparison", "ministry", "account", "period", "kind", "entry", "left", "right"):
        table.add_column(column, justify="right" if column in ("left", "right") else "left")
    for difference in result.differences[:SHOWN_DIFFERENCES]:
        left, right = difference.left, difference.right
        table.add_row(
            difference.comparison.value,
            difference.ministry,
            difference.account,
            difference.period,
            difference.kind.value,
            difference.entry,
            f"{_amount(left.debit)} / {_amount(left.credit)}" if left.count else "—",
            f"{_amount(right.debit)} / {_amount(right.credit)}" if right.count else "—",
        )
    console.print(table)
    shown = min(SHOWN_DIFFERENCES, len(result.differences))
    if shown < len(result.differences):
        err_console.print(
            f"showing 1–{shown} of {len(result.differences):,} located differences; every one "
            "is in the HTML and Excel reports and in --json",
            highlight=False,
            soft_wrap=True,
        )


def _finish(result: Reconciliation, reports: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(json.dumps({**result.as_json(), "reports": reports}, ensure_ascii=False, indent=2))
    else:
        print_reconciliation(result, reports)
    raise typer.Exit(result.exit_code)


@reconcile_app.callback()
def reconcile(
    ctx: typer.Context,
    ministry: Annotated[
        list[str] | None,
        typer.Option("--ministry", help="A ministry's code (repeatable); every ministry if unset."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="YYYY-MM, YYYY-MM..YYYY-MM or YYYY; every period if unset."),
    ] = None,
    levels: Annotated[
        str | None,
        typer.Option(
            "--levels",
            help="Which of source,store,central to compare (default all three; central needs "
            "ODOO_URL and friends).",
        ),
    ] = None,
    fresh_source: Annotated[
        bool,
        typer.Option(
            "--fresh-source", help="Read each finance source again and compare it with its batch."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where the HTML and Excel reports go (default var/reports)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Reconcile per ministry, account and period; exit 0 when all reconciles or is explained,
    1 when anything is unexplained, 2 on an error."""
    if ctx.invoked_subcommand is not None:
        return
    pipeline = open_pipeline()
    try:
        service = pipeline.reconciliation
        scope = service.scope(
            ministries=ministry, period=period, levels=levels, fresh_source=fresh_source
        )
        progress = make_progress(err_console)
        try:
            result = service.run(scope, progress=progress)
        finally:
            progress.close()
        reports = write_reports(result, out or pipeline.settings.reconcile.reports_dir)
    finally:
        pipeline.close()
    _finish(result, reports, as_json)


@reconcile_app.command("show")
def show(
    run: Annotated[int, typer.Argument(help="The run's id.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write its HTML and Excel reports here too.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The stored result of an earlier run."""
    pipeline = open_pipeline()
    try:
        result = pipeline.reconciliation.show(run)
    finally:
        pipeline.close()
    reports = write_reports(result, out) if out is not None else {}
    _finish(result, reports, as_json)


@reconcile_app.command("signoff")
def signoff(
    run: Annotated[int, typer.Argument(help="The run to sign off on.")],
    ministry: Annotated[str, typer.Option("--ministry", help="The ministry's code.")],
    period: Annotated[str, typer.Option("--period", help="The period, YYYY-MM.")],
    note: Annotated[str, typer.Option("--note", help="What was checked.")],
    as_json: JsonOption = False,
) -> None:
    """Sign a ministry-period off on a run: audited with the run's fingerprint; a later run that
    finds its cells changed reopens it."""
    pipeline = open_pipeline()
    try:
        signed = pipeline.reconciliation.sign_off(run, ministry, period, note)
    finally:
        pipeline.close()
    if as_json:
        print(json.dumps(signed.as_json(), ensure_ascii=False, indent=2))
        return
    console.print(
        f"[green]Signed off[/] {signed.ministry} {signed.period} on run {signed.run_id} "
        f"by {signed.signed_by} (sign-off {signed.id}).",
        highlight=False,
    )
