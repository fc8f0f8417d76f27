"""The demo: generate demo ministries and run the whole consolidation into the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from consolidation.cli.common import (
    console,
    demo_app,
    err_console,
    read_settings,
)
from consolidation.cli.extract import print_extract_summary
from consolidation.cli.progress import make_progress
from consolidation.cli.run import print_quarantine_summary, print_run, run_pipeline
from consolidation.core import store
from consolidation.core.errors import ConsolidationError
from consolidation.matching import person_quality
from consolidation.pipeline import ExtractResult, Pipeline

EmployeesOption = Annotated[int | None, typer.Option(help="HR records across the ministries.")]
LinesOption = Annotated[int | None, typer.Option(help="Finance journal lines.")]
SeedOption = Annotated[int | None, typer.Option(help="Random seed (same seed, same data).")]
DirOption = Annotated[Path | None, typer.Option("--dir", help="Where the demo systems go.")]


@demo_app.callback()
def demo(
    ctx: typer.Context,
    employees: EmployeesOption = None,
    journal_lines: LinesOption = None,
    seed: SeedOption = None,
    directory: DirOption = None,
) -> None:
    """Generate the demo ministries and run the whole consolidation into the store."""
    if ctx.invoked_subcommand is not None:
        return
    from consolidation.demo import generate

    settings = read_settings()
    out = directory or settings.demo.directory
    console.rule("[bold]1. Generating the demo ministries' systems")
    progress = make_progress(err_console)
    manifest = generate(
        out,
        seed=seed if seed is not None else settings.demo.seed,
        employees=employees if employees is not None else settings.demo.employees,
        journal_lines=journal_lines if journal_lines is not None else settings.demo.journal_lines,
        progress=_generator_progress(progress),
    )
    progress.close()
    console.print(
        f"sources declared in {manifest.sources_file}; faults listed in "
        f"{manifest.ground_truth_file}"
    )

    console.rule("[bold]2. Upgrading the unified store")
    truth = json.loads(manifest.ground_truth_file.read_text(encoding="utf-8"))
    settings.validation.reference_date = date.fromisoformat(truth["reference_date"])
    pipeline = Pipeline(settings, sources_path=manifest.sources_file)
    store.upgrade(pipeline.engine)
    console.print(
        f"{store.describe(pipeline.engine)} at revision {store.current_revision(pipeline.engine)}"
    )

    console.rule("[bold]3. Extract → map → validate → stage, one batch per source; then match")
    result = run_pipeline(pipeline, list(pipeline.config.sources), None)
    matches = {
        r.source: _matches_manifest(r, manifest.control, manifest.rows) for r in result.extracts
    }
    print_extract_summary(result.extracts, matches)
    if not all(matches.values()):
        raise ConsolidationError(
            "extracted control totals differ from what the demo generator wrote"
        )
    print_run(result)
    quality = person_quality(pipeline.engine, truth)
    console.print(
        f"Matching against the generator's ground truth: precision {quality.precision:.4f}, "
        f"recall {quality.recall:.4f} ({quality.tp} true pairs found, {quality.fp} false, "
        f"{quality.fn} missed)"
    )

    console.rule("[bold]4. The quarantine, for data stewards")
    print_quarantine_summary(pipeline)
    console.print(
        "Next: [bold]consolidate issues list --rule 'employee.*'[/], "
        "[bold]consolidate issues export --format xlsx[/], "
        "[bold]consolidate quarantine fix …[/] then [bold]consolidate revalidate[/]."
    )
    _central_step(pipeline)
    _reconcile_step(pipeline)
    _web_step(pipeline)


DEMO_USERS = (
    ("demo-admin", "admin", ()),
    ("demo-steward-moh", "steward", ("MOH",)),
    ("demo-finance", "finance", ()),
)


def _web_step(pipeline: Pipeline) -> None:
    """Users for the demo only, each with a fresh random password printed once (there is no
    default password); a demo run again gives them new ones."""
    import secrets

    from consolidation.access import AccessError

    console.rule("[bold]7. The web app, for stewards, finance officers and auditors")
    known = {user.username for user in pipeline.users.list()}
    operator = pipeline.settings.operator
    for name, role, ministries in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        if name in known:
            pipeline.users.reset_password(name, password, actor=operator)
        else:
            try:
                pipeline.users.add(name, role, password, ministries=ministries, actor=operator)
            except AccessError as exc:  # a demo ministry missing from the store: say so, go on
                err_console.print(f"[yellow]{name}[/]: {exc}")
                continue
        scope = f" of {', '.join(ministries)}" if ministries else ""
        console.print(f"  {role}{scope}: [bold]{name}[/] / {password}", highlight=False)
    web = pipeline.settings.web
    console.print(
        f"Open the app: [bold]consolidate serve[/], then {web.base_url}/login with a user above "
        "(demo users only: real users are added with [bold]consolidate users add[/])."
    )


def _reconcile_step(pipeline: Pipeline) -> None:
    """Reconcile what the demo consolidated: source against store, and against the central
    Odoo when one was loaded; the reports go under var/reports."""
    from consolidation.cli.reconcile import print_reconciliation, write_reports

    central = pipeline.central is not None
    console.rule(
        "[bold]6. Reconciliation, for finance officers: source → store"
        + (" → central Odoo" if central else "")
    )
    service = pipeline.reconciliation
    scope = service.scope(levels="source,store,central" if central else "source,store")
    result = service.run(scope)
    print_reconciliation(result, write_reports(result, pipeline.settings.reconcile.reports_dir))
    if result.exit_code:
        raise ConsolidationError(
            "the demo does not reconcile: see the differences above and the report"
        )


def _central_step(pipeline: Pipeline) -> None:
    """Load into the Odoo named by ODOO_URL (or CONSOLIDATION_ODOO__URL); without one, show
    the plan of what a load would do."""
    from consolidation.cli.central import LoadBars, print_load

    odoo = pipeline.central
    if odoo is None:
        console.rule("[bold]5. The central Odoo: what a load would do (dry run)")
        print_load(pipeline.plan_load())
        console.print(
            "No central Odoo is set. To load into one: ODOO_URL=http://127.0.0.1:8069 "
            "ODOO_DB=central ODOO_USER=admin ODOO_PASSWORD=… make demo "
            "(or `consolidate central check`, then `consolidate load --all`)."
        )
        return
    console.rule(f"[bold]5. Loading into the central Odoo at {odoo.url}")
    failing = [check for check in pipeline.check_central() if not check.ok]
    for check in failing:
        err_console.print(f"[red]preflight: {check.name}[/]: {check.detail}")
    if failing:
        raise ConsolidationError("the central Odoo is not ready; see `consolidate central check`")
    with LoadBars(quiet=False) as progress:
        report = pipeline.load(progress=progress)
    print_load(report)


def _generator_progress(progress: Any) -> Any:
    state: dict[str, str | None] = {"label": None}

    def report(label: str, rows: int) -> None:
        if state["label"] != label:
            if state["label"] is not None:
                progress.finish()
            progress.start(label, None)
            state["label"] = label
        progress.advance(rows)

    return report


def _matches_manifest(result: ExtractResult, control: Any, rows: Any) -> bool:
    expected_rows = rows.get(result.source, {})
    expected_control = control.get(result.source, {})
    for entity in result.entities:
        if expected_rows.get(entity.entity) != entity.rows:
            return False
        for role, amount in expected_control.get(entity.entity, {}).items():
            if entity.totals.amount(role) != amount:
                return False
    return True


@demo_app.command("generate")
def demo_generate(
    employees: EmployeesOption = None,
    journal_lines: LinesOption = None,
    seed: SeedOption = None,
    directory: DirOption = None,
    health_url: Annotated[str | None, typer.Option(help="Put Health HR on this database.")] = None,
    education_url: Annotated[str | None, typer.Option(help="Put Education HR here.")] = None,
    finance_url: Annotated[str | None, typer.Option(help="Put the Finance GL here.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Generate only these sources.")] = None,
) -> None:
    """Only generate the demo ministries' systems (files, SQLite, or the databases given)."""
    from consolidation.demo import DemoTargets, generate

    settings = read_settings()
    progress = make_progress(err_console)
    manifest = generate(
        directory or settings.demo.directory,
        seed=seed if seed is not None else settings.demo.seed,
        employees=employees if employees is not None else settings.demo.employees,
        journal_lines=journal_lines if journal_lines is not None else settings.demo.journal_lines,
        targets=DemoTargets(
            health_url=health_url, education_url=education_url, finance_url=finance_url
        ),
        only=only,
        progress=_generator_progress(progress),
    )
    progress.close()
    for source, entities in manifest.rows.items():
        console.print(f"{source}: " + ", ".join(f"{e} {n:,}" for e, n in entities.items()))
    console.print(f"sources: {manifest.sources_file}")
