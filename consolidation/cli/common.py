"""What every command shares: the Typer apps, the consoles, options, settings and pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from consolidation.core.errors import ConsolidationError
from consolidation.core.settings import Settings
from consolidation.pipeline import Pipeline

app = typer.Typer(
    help="Consolidate ministries' HR and finance systems into the central shared-services Odoo.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Migrate the unified store.", no_args_is_help=True)
batches_app = typer.Typer(help="List and inspect batches.", invoke_without_command=True)
sources_app = typer.Typer(help="The declared source systems.", no_args_is_help=True)
demo_app = typer.Typer(
    help="Demo ministries: generate them and run the whole consolidation.",
    invoke_without_command=True,
)
app.add_typer(db_app, name="db")
app.add_typer(batches_app, name="batches")
app.add_typer(
    batches_app, name="batch", hidden=True
)  # `consolidate batch rollback ID` reads well too
app.add_typer(sources_app, name="sources")
app.add_typer(demo_app, name="demo")


def _console(*, stderr: bool = False) -> Console:
    """A Rich console; off a terminal (logs, CI) it is 140 columns wide rather than 80."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=140)


console = _console()
err_console = _console(stderr=True)

SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="Sources config (YAML); default from settings.", show_default=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def read_settings() -> Settings:
    return Settings()


def open_pipeline(sources: Path | None = None) -> Pipeline:
    return Pipeline(read_settings(), sources_path=sources)


def selected_sources(pipeline: Pipeline, source: str | None, all_sources: bool) -> list[str]:
    """The sources a command works on: --source NAME or --all, exactly one of them."""
    if bool(source) == all_sources:
        raise ConsolidationError("give exactly one of --source NAME or --all")
    if source is not None:
        pipeline.config.source(source)  # an unknown name fails here, listing the known ones
        return [source]
    return list(pipeline.config.sources)
