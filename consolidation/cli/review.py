"""Data stewards' commands for grey-zone matches: ``review list`` and ``review decide``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from consolidation.cli.common import JsonOption, app, console, open_pipeline

review_app = typer.Typer(help="Grey-zone matches waiting for a steward.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="open, merged, apart or all")] = "open",
    as_json: JsonOption = False,
) -> None:
    """Candidate pairs of persons or vendors that scored in the grey zone."""
    rows = open_pipeline().quarantine.reviews(status=None if status == "all" else status)
    if as_json:
        print(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(
        "id",
        "kind",
        "record a",
        "record b",
        "score",
        "status",
        "reasons",
        box=box.SIMPLE_HEAD,
        title=f"{len(rows)} pairs",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["record_a"],
            r["record_b"],
            f"{r['score']:.1f}",
            r["status"],
            r["reasons"],
        )
    console.print(table)


@review_app.command("decide")
def review_decide(
    review_id: int,
    decision: Annotated[str, typer.Argument(help="merged or apart (or open to undo)")],
) -> None:
    """Merge a pair or keep it apart; matching applies it now and on every later run."""
    pipeline = open_pipeline()
    pipeline.quarantine.decide_review(review_id, decision, actor=pipeline.settings.operator)
    persons, vendors = pipeline.match()
    console.print(
        f"pair {review_id}: {decision}; re-matched {persons.clusters:,} persons, "
        f"{vendors.clusters:,} partners"
    )
