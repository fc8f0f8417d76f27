"""``consolidate notify``: each ministry's contacts get a digest of what waits for it.

Exit code 0 when every due digest went (or none was due), 1 when one failed (the next run
retries it), 2 on an error, such as an SMTP server that cannot be reached.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from consolidation.cli.common import JsonOption, SourcesOption, app, console, open_pipeline
from consolidation.core import store
from consolidation.notify import NotifyResult, Outcome

STYLES = {
    Outcome.SENT: "green",
    Outcome.WOULD_SEND: "cyan",
    Outcome.SKIPPED: "dim",
    Outcome.FAILED: "bold red",
}


@app.command("notify")
def notify(
    ministry: Annotated[
        str | None, typer.Option("--ministry", help="Only this ministry (its code, MOH).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be sent, and to whom; send nothing."),
    ] = False,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send each ministry's contacts a digest of what waits for it: counts, no personal data."""
    pipeline = open_pipeline(sources)
    store.require_current(pipeline.engine)
    result = pipeline.notifications.send(ministry, dry_run=dry_run)
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_result(result)
    if result.failed:
        raise typer.Exit(1)


def print_result(result: NotifyResult) -> None:
    title = "Digests (dry run: nothing sent)" if result.dry_run else "Digests"
    table = Table(title=title, title_justify="left")
    table.add_column("ministry")
    table.add_column("channel")
    table.add_column("outcome")
    for column in ("open", "blocking", "resolved", "oldest (days)"):
        table.add_column(column, justify="right")
    table.add_column("to / why")
    for notice in result.notices:
        digest = notice.digest
        figures = ["", "", "", ""]
        if digest is not None:
            oldest = str(digest.oldest_days) if digest.oldest_days is not None else "–"
            figures = [str(digest.open), str(digest.blocking), str(digest.resolved), oldest]
        sent = notice.outcome in (Outcome.SENT, Outcome.WOULD_SEND)
        table.add_row(
            notice.ministry,
            notice.channel,
            f"[{STYLES[notice.outcome]}]{notice.outcome.value}[/]",
            *figures,
            ", ".join(notice.recipients) if sent else notice.reason or "",
        )
    console.print(table)
    for notice in result.of(Outcome.WOULD_SEND):
        if notice.digest is not None:
            console.print(f"{notice.ministry}: {notice.digest.link}", highlight=False)
