"""The pipeline run from the command line: ``run`` and ``revalidate``, their summaries (a
table, or ``--json``) and the sources their ministry's reference data kept out."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from consolidation.cli.common import (
    JsonOption,
    SourcesOption,
    app,
    console,
    err_console,
    open_pipeline,
    selected_sources,
)
from consolidation.cli.extract import parse_since
from consolidation.cli.progress import make_progress
from consolidation.core import store
from consolidation.pipeline import Pipeline, RunResult, jobs


@app.command("run")
def run(
    source: Annotated[str | None, typer.Option("--source", help="One source by name.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every declared source.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only rows whose watermark is newer (ISO).")
    ] = None,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """extract → map → validate → match → stage, one batch per source."""
    pipeline = open_pipeline(sources)
    names = selected_sources(pipeline, source, all_sources)
    store.require_current(pipeline.engine)
    result = run_pipeline(pipeline, names, parse_since(since))
    if as_json:
        print(json.dumps(run_dict(result), ensure_ascii=False, indent=2))
    else:
        print_run(result)
        print_quarantine_summary(pipeline)
    refuse_skipped(result.skipped)


def refuse_skipped(skipped: dict[str, str]) -> None:
    """Sources left out for their reference data: one line each on stderr, and exit 2 once
    every other source has run."""
    for name, problem in skipped.items():
        err_console.print(
            f"[bold red]error:[/] source {name!r} was not run: {problem}",
            highlight=False,
            soft_wrap=True,
        )
    if skipped:
        raise typer.Exit(2)


def run_pipeline(pipeline: Pipeline, names: list[str], since: Any) -> RunResult:
    progress = make_progress(err_console)
    try:
        return pipeline.run(names, since=since, progress=progress)
    finally:
        progress.close()


def run_dict(result: RunResult) -> dict[str, Any]:
    return {
        "batches": [
            {
                "batch_id": t.batch_id,
                "source": t.source,
                "ministry": t.ministry,
                "seconds": round(t.seconds, 3),
                "entities": [
                    {
                        "entity": o.raw_entity,
                        "target": o.target,
                        "derived": o.derived,
                        "extracted": o.extracted,
                        "staged": o.staged,
                        "quarantined": o.quarantined,
                        "rejected": o.rejected,
                        "withdrawn": o.withdrawn,
                        "inserted": o.counts.inserted,
                        "updated": o.counts.updated,
                        "unchanged": o.counts.unchanged,
                        "balanced": o.balanced,
                    }
                    for o in t.outcomes
                ],
                "issues": {
                    f"{rule} ({severity})": n for (rule, severity), n in sorted(t.issues.items())
                },
            }
            for t in result.transforms
        ],
        "persons": result.persons.__dict__,
        "vendors": result.vendors.__dict__,
        "skipped": result.skipped,
    }


def print_run(result: RunResult) -> None:
    table = Table(
        title="Row accounting — extracted = staged + quarantined + rejected", box=box.SIMPLE_HEAD
    )
    for column in (
        "batch",
        "source",
        "entity",
        "extracted",
        "staged",
        "quarantined",
        "rejected",
        "new",
        "changed",
        "unchanged",
        "withdrawn",
        "",
    ):
        table.add_column(column, justify="left" if column in ("source", "entity") else "right")
    for t in result.transforms:
        counted = t.counted()
        for position, o in enumerate(counted):
            first = position == 0
            table.add_row(
                str(t.batch_id) if first else "",
                t.source if first else "",
                o.raw_entity,
                f"{o.extracted:,}",
                f"{o.staged:,}",
                f"{o.quarantined:,}",
                f"{o.rejected:,}",
                f"{o.counts.inserted:,}",
                f"{o.counts.updated:,}",
                f"{o.counts.unchanged:,}",
                f"[yellow]{o.withdrawn:,}[/]" if o.withdrawn else "0",
                "[green]✓[/]" if o.balanced else "[red]✗ counts do not add up[/]",
                end_section=position == len(counted) - 1,
            )
    console.print(table)
    withdrawn = sum(o.withdrawn for t in result.transforms for o in t.counted())
    if withdrawn:
        console.print(
            f"[yellow]{withdrawn:,} staged rows withdrawn[/]: their source records changed and the "
            "new versions are quarantined, so the store no longer counts, matches or loads the "
            "old ones (see `consolidate issues list`)."
        )
    p, v = result.persons, result.vendors
    console.print(
        f"Matching: {p.records:,} employment records → {p.clusters:,} persons "
        f"({p.merged_records:,} records merged across or within ministries), "
        f"{p.review} pairs for review, {p.conflicts} conflicts; "
        f"{v.records:,} vendor records → {v.clusters:,} partners, {v.review} for review."
    )


def print_quarantine_summary(pipeline: Pipeline) -> None:
    rows = pipeline.quarantine.summary()
    if not rows:
        console.print("The quarantine is empty.")
        return
    ministries = sorted({r["ministry"] for r in rows})
    table = Table(title="Open issues in the quarantine, by rule and ministry", box=box.SIMPLE_HEAD)
    table.add_column("rule")
    table.add_column("severity")
    for ministry in ministries:
        table.add_column(ministry, justify="right")
    table.add_column("total", justify="right")
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        counts.setdefault((r["rule_id"], r["severity"]), {})[r["ministry"]] = r["count"]
    for (rule, severity), by_ministry in counts.items():
        colour = "red" if severity == "error" else "yellow"
        table.add_row(
            rule,
            f"[{colour}]{severity}[/]",
            *(str(by_ministry.get(m, "")) for m in ministries),
            str(sum(by_ministry.values())),
        )
    console.print(table)


@app.command("revalidate")
def revalidate(
    source: Annotated[str | None, typer.Option("--source", help="One source only.")] = None,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-check quarantined records after corrections and waivers; release what passes."""
    pipeline = open_pipeline(sources)
    store.require_current(pipeline.engine)
    progress = make_progress(err_console)
    try:
        # one revalidation at a time, from the CLI or the web app
        with jobs.exclusive(
            pipeline.engine, jobs.REVALIDATE, jobs.REVALIDATE, actor=pipeline.settings.operator
        ):
            result = pipeline.revalidate(source=source, progress=progress)
    finally:
        progress.close()
    if as_json:
        shown = {
            "checked": result.checked,
            "released": result.released,
            "still_quarantined": result.still_quarantined,
            "new_issues": result.new_issues,
            "persons": result.persons.__dict__ if result.persons else None,
            "vendors": result.vendors.__dict__ if result.vendors else None,
            "skipped": result.skipped,
        }
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        refuse_skipped(result.skipped)
        return
    released = ", ".join(f"{n} {entity}" for entity, n in result.released.items()) or "none"
    console.print(
        f"checked {result.checked} quarantined records; released {released}; "
        f"{result.still_quarantined} still quarantined; {result.new_issues} new issues"
    )
    if result.persons is not None and result.vendors is not None:
        console.print(
            f"re-matched: {result.persons.clusters:,} persons, {result.vendors.clusters:,} partners"
        )
    refuse_skipped(result.skipped)
