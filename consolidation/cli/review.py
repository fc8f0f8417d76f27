"""Data stewards' commands for grey-zone matches: ``review list`` and ``review decide``."""

from __future__ import annotations

from typing import Annotated

import typer

from consolidation.cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    app,
    compact_table,
    console,
    one_line,
    open_pipeline,
    paged,
    print_page,
)

review_app = typer.Typer(help="Grey-zone matches waiting for a steward.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="open, merged, apart or all")] = "open",
    limit: LimitOption = 200,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Candidate pairs of persons or vendors that scored in the grey zone, best first, a page
    at a time."""
    every = open_pipeline().quarantine.reviews(status=None if status == "all" else status)
    rows, page = paged(every, limit, offset)
    if as_json:
        print_page(page, "pairs", rows)
        return
    table = compact_table(f"{page.total:,} pairs")
    for column in ("id", "kind", "record a", "record b", "score", "status"):
        table.add_column(
            column, no_wrap=True, justify="right" if column in ("id", "score") else "left"
        )
    table.add_column("reasons")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["record_a"],
            r["record_b"],
            f"{r['score']:.1f}",
            r["status"],
            one_line(r["reasons"]),
        )
    console.print(table)
    print_page(page, "pairs")


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
