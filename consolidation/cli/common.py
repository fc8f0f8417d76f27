"""What every command shares: the Typer apps, the consoles, options, settings and pipeline, a
list's page, and how amounts and times read in a table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from consolidation.core import money
from consolidation.core.errors import ConsolidationError
from consolidation.core.settings import Settings
from consolidation.pipeline import Pipeline


class OutputClosed(Exception):  # noqa: N818 - an event, not a failure
    """The reader of our output went away (``consolidate issues list | head``)."""


class Commands(TyperGroup):
    """The root command group: a broken pipe leaves it as ``OutputClosed``, which ``main``
    ends quietly; Click would catch the ``BrokenPipeError`` itself and exit 1."""

    def invoke(self, ctx: Any) -> Any:  # a Click context (Typer vendors Click)
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputClosed from exc


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich's own handler exits 1; ours leaves it to ``main``."""
        self.quiet = True
        raise OutputClosed


app = typer.Typer(
    cls=Commands,
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
    probe = _Console(stderr=stderr)
    return probe if probe.is_terminal else _Console(stderr=stderr, width=140)


console = _console()
err_console = _console(stderr=True)

SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="Sources config (YAML); default from settings.", show_default=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
LimitOption = Annotated[
    int, typer.Option("--limit", min=0, help="Show at most this many rows; 0 for all of them.")
]
OffsetOption = Annotated[
    int, typer.Option("--offset", min=0, help="Skip this many rows first (the next page).")
]

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page:
    """Which rows of a list a command shows: ``shown`` of them from ``offset``, of ``total``;
    ``limit`` None when it shows all."""

    total: int
    offset: int
    limit: int | None
    shown: int

    @classmethod
    def of(cls, total: int, offset: int, limit: int, shown: int) -> Page:
        return cls(total=total, offset=offset, limit=limit or None, shown=shown)

    @property
    def truncated(self) -> bool:
        """More rows follow this page."""
        return self.offset + self.shown < self.total

    @property
    def whole(self) -> bool:
        return self.offset == 0 and not self.truncated

    def fields(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "truncated": self.truncated,
        }

    def note(self, noun: str) -> str | None:
        """The line that says a list is cut (None when it shows every row)."""
        if self.whole:
            return None
        if not self.shown:
            return f"showing none of {self.total:,} {noun}: --offset {self.offset} is past the end"
        first, last = self.offset + 1, self.offset + self.shown
        line = f"showing {first:,}–{last:,} of {self.total:,} {noun}"
        if self.truncated:
            line += f"; use --offset {last} for more"
        return line


def paged(rows: Sequence[Row], limit: int, offset: int) -> tuple[list[Row], Page]:
    """A page of a list held whole in memory."""
    end = offset + limit if limit else None
    shown = list(rows[offset:end])
    return shown, Page.of(len(rows), offset, limit, len(shown))


def print_page(
    page: Page, noun: str, rows: list[dict[str, Any]] | None = None, *, key: str = ""
) -> None:
    """Say on stderr that a list is cut; with ``rows``, print them as JSON under ``key`` with
    the page's ``total``, ``offset``, ``limit`` and ``truncated``."""
    if rows is not None:
        document = {key or noun: rows, **page.fields()}
        print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    note = page.note(noun)
    if note is not None:
        err_console.print(note, highlight=False, soft_wrap=True)


def compact_table(title: str) -> Table:
    """A table for many rows and columns: a line under the header, two spaces between columns."""
    return Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False)


def one_line(text: Any, width: int | None = None) -> Text:
    """A table cell kept to one line: cut with an ellipsis at ``width`` characters, or else
    where its column ends."""
    flat = " ".join(str("" if text is None else text).split())
    if width is not None and len(flat) > width:
        flat = flat[: width - 1] + "…"
    return Text(flat, no_wrap=True, overflow="ellipsis")


def amount_text(value: Decimal | str | None) -> str:
    """An amount as a person reads it, at fils with thousands separators (62,289,513.245);
    one the store holds with more decimals is rounded half up and marked ≈."""
    if value is None or value == "":
        return "—"
    exact = Decimal(value)
    at_fils = money.quantize(exact)
    return f"{'≈' if at_fils != exact else ''}{at_fils:,.3f}"


def time_text(value: datetime | str | None, *, zone: bool = True) -> str:
    """A timestamp to the second, in UTC (the store's times are UTC; ``zone`` says so)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}{' UTC' if zone else ''}"


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
