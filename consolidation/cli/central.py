"""Central IT's commands for the central Odoo: ``central check``, ``load``, ``batches rollback``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from consolidation.cli.common import (
    JsonOption,
    SourcesOption,
    app,
    batches_app,
    console,
    err_console,
    open_pipeline,
    selected_sources,
)
from consolidation.core import store
from consolidation.load import (
    LoadReport,
)
from consolidation.pipeline import jobs

central_app = typer.Typer(help="The central shared-services Odoo.", no_args_is_help=True)
app.add_typer(central_app, name="central")


@central_app.command("check")
def central_check(
    as_json: JsonOption = False,
    fix: Annotated[
        bool, typer.Option("--fix/--no-fix", help="Activate BHD and set it as company currency.")
    ] = True,
) -> None:
    """Preflight: version, modules, company currency, fields, journal codes, access rights,
    and what the unified store needs (checked apart: the Odoo checks run whatever its state)."""
    pipeline = open_pipeline()
    checks = pipeline.check_central(fix=fix)
    settings = pipeline.central
    assert settings is not None  # check_central says what to set otherwise
    if as_json:
        print(json.dumps([vars(check) for check in checks], ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"Central Odoo at {settings.url} (database {settings.database})")
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail", overflow="fold")
        for check in checks:
            table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
        console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command("load")
def load(
    source: Annotated[str | None, typer.Option("--source", help="One source by name.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every declared source.")] = False,
    workers: Annotated[int | None, typer.Option(help="Parallel workers.", min=1)] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per Odoo call.", min=1)] = None,
    page_size: Annotated[
        int | None,
        typer.Option(help="Employees or entries read from the store at a time.", min=1),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be created or updated.")
    ] = False,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Push the unified store into the central Odoo: idempotent, resumable, parallel."""
    pipeline = open_pipeline(sources)
    names = selected_sources(pipeline, source, all_sources)
    store.require_current(pipeline.engine)
    selected = names if source else None
    if dry_run or pipeline.central is None:
        if not dry_run:
            pipeline.check_central()  # says what to set
        report = pipeline.plan_load(selected, page_size=page_size)
    else:
        lock = jobs.exclusive(pipeline.engine, "load", "load", actor=pipeline.settings.operator)
        with lock, LoadBars(as_json) as progress:
            report = pipeline.load(
                selected,
                workers=workers,
                batch_size=batch_size,
                page_size=page_size,
                progress=progress,
            )
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    print_load(report)
    if report.failures:
        err_console.print(
            f"{len(report.failures)} records refused; see `consolidate issues list "
            "--rule central.load.refused`"
        )


class LoadBars:
    """A progress bar per target on a terminal; nothing when printing JSON."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bars = Progress(
            TextColumn("[bold]{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=quiet,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        self.bars.start()

        def progress(target: str, done: int, total: int) -> None:
            if target not in self.tasks:
                self.tasks[target] = self.bars.add_task(target, total=total)
            self.bars.update(self.tasks[target], completed=done, total=total)

        return progress

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()


def print_load(report: LoadReport) -> None:
    title = "Load plan (dry run)" if report.dry_run else f"Load run {report.run_id}"
    table = Table(title=title)
    for column in ("target", "model", "create", "update", "unchanged", "failed"):
        table.add_column(column, justify="left" if column in ("target", "model") else "right")
    for name, counts in report.counts.items():
        table.add_row(
            name,
            report.models.get(name, ""),
            f"{counts.created:,}",
            f"{counts.updated:,}",
            f"{counts.unchanged:,}",
            f"{counts.failed:,}",
        )
    console.print(table)
    if not report.dry_run:
        rate = report.records_written / report.seconds if report.seconds else 0.0
        console.print(
            f"{report.records_written:,} records written in {report.seconds:.1f}s "
            f"({rate:,.0f} records/s)"
        )


@batches_app.command("rollback")
def batches_rollback(batch_id: int, as_json: JsonOption = False) -> None:
    """Undo in the central Odoo what loads created from a batch (entries reset, then deleted)."""
    pipeline = open_pipeline()
    store.require_current(pipeline.engine)
    report = pipeline.rollback(batch_id)
    if as_json:
        print(json.dumps(vars(report), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Rollback of batch {batch_id}")
    for column in ("target", "deleted", "archived", "kept (other batches)"):
        table.add_column(column)
    for name in report.deleted:
        table.add_row(
            name,
            str(report.deleted[name]),
            str(report.archived.get(name, 0)),
            str(report.kept.get(name, 0)),
        )
    console.print(table)
    for name, problems in report.failed.items():
        for problem in problems:
            err_console.print(f"[red]{name}[/]: {problem}")
    if report.failed:
        raise typer.Exit(1)
