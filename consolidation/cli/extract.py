"""Central IT's extract commands: the store's schema, sources, extraction, batches, raw records."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from consolidation.cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    Page,
    SourcesOption,
    amount_text,
    app,
    batches_app,
    compact_table,
    console,
    db_app,
    err_console,
    open_pipeline,
    paged,
    print_page,
    read_settings,
    selected_sources,
    sources_app,
    time_text,
)
from consolidation.cli.progress import make_progress
from consolidation.core import store
from consolidation.core.errors import ConsolidationError
from consolidation.pipeline import ExtractResult, Pipeline


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the store's schema (to head by default)."""
    engine = store.make_engine(read_settings().store)
    store.upgrade(engine, revision)
    console.print(f"store {store.describe(engine)} is at revision {store.current_revision(engine)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")],
) -> None:
    """Downgrade the store's schema to a revision."""
    engine = store.make_engine(read_settings().store)
    store.downgrade(engine, revision)
    console.print(
        f"store {store.describe(engine)} is at revision {store.current_revision(engine) or 'base'}"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the store's revision and the head revision."""
    engine = store.make_engine(read_settings().store)
    current = store.current_revision(engine)
    head = store.head_revision(engine)
    state = "up to date" if current == head else "needs: consolidate db upgrade"
    console.print(f"{store.describe(engine)}: {current or 'base'} (head {head}, {state})")


@sources_app.command("list")
def sources_list(
    sources: SourcesOption = None,
    limit: LimitOption = 0,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """List the declared ministries' source systems (all of them unless --limit)."""
    config = open_pipeline(sources).config
    every: list[dict[str, Any]] = [
        {
            "source": name,
            "ministry": s.ministry,
            "domain": s.domain,
            "kind": s.kind,
            "name": s.name,
            "entities": list(s.entities),
        }
        for name, s in config.sources.items()
    ]
    rows, page = paged(every, limit, offset)
    if as_json:
        print_page(page, "sources", rows)
        return
    table = Table("source", "ministry", "domain", "kind", "entities", "name", title="Sources")
    for row in rows:
        table.add_row(
            row["source"],
            row["ministry"],
            row["domain"],
            row["kind"],
            ", ".join(row["entities"]),
            row["name"],
        )
    console.print(table)
    print_page(page, "sources")


@sources_app.command("check")
def sources_check(
    sources: SourcesOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Check one source only.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Reach every source and check its declared columns (reading no rows), its mapping file
    and, for a finance source, its ministry's reference data."""
    pipeline = open_pipeline(sources)
    names = [source] if source else list(pipeline.config.sources)
    if source:
        pipeline.config.source(source)  # an unknown name fails here, listing the known ones
    found = pipeline.check_sources(names)
    if as_json:
        shown = [{"source": n, "ok": not p, "problems": p} for n, p in found.items()]
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        for name, problems in found.items():
            if not problems:
                console.print(f"[green]ok[/]    {name}", highlight=False)
            for check, problem in problems.items():
                console.print(f"[red]fail[/]  {name} ({check}): {problem}", highlight=False)
    if any(found.values()):
        raise typer.Exit(2)


def parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    try:
        return datetime.fromisoformat(since)
    except ValueError:
        raise ConsolidationError(
            f"--since {since!r} is not a date or timestamp; expected ISO 8601 like 2025-06-30 "
            "or 2025-06-30T18:00:00"
        ) from None


@app.command("extract")
def extract(
    source: Annotated[str | None, typer.Option("--source", help="One source by name.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every declared source.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only rows whose watermark is newer (ISO).")
    ] = None,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Extract sources into the raw area of the store, one batch per source."""
    pipeline = open_pipeline(sources)
    names = selected_sources(pipeline, source, all_sources)
    store.require_current(pipeline.engine)
    pipeline.register_sources()
    results = _extract(pipeline, names, parse_since(since))
    if as_json:
        print(json.dumps([_result_dict(r) for r in results], indent=2))
    else:
        print_extract_summary(results)


def _extract(pipeline: Pipeline, names: list[str], since: datetime | None) -> list[ExtractResult]:
    progress = make_progress(err_console)
    try:
        return [pipeline.extract(name, since=since, progress=progress) for name in names]
    finally:
        progress.close()


def _result_dict(result: ExtractResult) -> dict[str, Any]:
    return {
        "batch_id": result.batch_id,
        "source": result.source,
        "ministry": result.ministry,
        "domain": result.domain,
        "rows": result.rows,
        "seconds": round(result.seconds, 3),
        "control": {role: str(result.amount(role)) for role in ("debit", "credit", "salary")},
        "unparseable_amounts": result.unparseable,
        "entities": {e.entity: e.rows for e in result.entities},
    }


def print_extract_summary(
    results: list[ExtractResult], expected: dict[str, bool] | None = None
) -> None:
    """One row per source and entity: rows and the source's control totals, exact."""
    table = Table(title="Extracted into the raw area — one batch per source", box=box.SIMPLE_HEAD)
    for column in (
        "batch",
        "source",
        "entity",
        "rows",
        "debit BHD",
        "credit BHD",
        "salaries BHD",
        "bad",
        "time",
    ):
        justify = "left" if column in ("source", "entity") else "right"
        table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    if expected is not None:
        table.add_column("check", no_wrap=True)
    for r in results:
        for position, e in enumerate(r.entities):
            first = position == 0
            row = [
                str(r.batch_id) if first else "",
                r.source if first else "",
                e.entity,
                f"{e.rows:,}",
                _amount(e.totals.amount("debit")),
                _amount(e.totals.amount("credit")),
                _amount(e.totals.amount("salary")),
                str(e.totals.unparseable() or ""),
                f"{r.seconds:.1f}s" if first else "",
            ]
            if expected is not None:
                verdict = "totals match" if expected.get(r.source) else "[red]DIFFER[/]"
                row.append(verdict if first else "")
            table.add_row(*row, end_section=position == len(r.entities) - 1)
    console.print(table)
    total_rows = sum(r.rows for r in results)
    total_seconds = sum(r.seconds for r in results)
    console.print(f"{len(results)} batches, {total_rows:,} rows in {total_seconds:.1f}s")


def _amount(value: Decimal) -> str:
    return f"{value:,}" if value else ""


@batches_app.callback()
def batches(
    ctx: typer.Context,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """List batches, newest first, a page at a time."""
    if ctx.invoked_subcommand is not None:
        return
    pipeline = open_pipeline()
    pipeline.close_interrupted()
    rows = pipeline.batches.recent(limit=limit or None, offset=offset)
    page = Page.of(pipeline.batches.count(), offset, limit, len(rows))
    for row in rows:
        row["accounting"] = _accounting(row["status"])
    if as_json:
        print_page(page, "batches", rows)
        return
    table = compact_table(f"{page.total:,} batches")
    for column in ("id", "source", "ministry", "domain", "status", "started (UTC)", "rows"):
        table.add_column(column, justify="right" if column in ("id", "rows") else "left")
    for column in ("debit BHD", "credit BHD", "salaries BHD"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("operator")
    for b in rows:
        table.add_row(
            str(b["id"]),
            b["source"],
            b["ministry"],
            b["domain"],
            b["status"] + (" (accounting incomplete)" if b["accounting"] == "incomplete" else ""),
            time_text(b["started_at"], zone=False),
            f"{b['rows_extracted']:,}",
            *(amount_text(b[f"control_{role}_amount"]) for role in ("debit", "credit", "salary")),
            b["operator"],
        )
    console.print(table)
    _footnote_rounded(rows)
    print_page(page, "batches")


def _footnote_rounded(rows: list[dict[str, Any]]) -> None:
    amounts = [v for row in rows for k, v in row.items() if k.endswith("_amount")]
    if any(amount_text(v).startswith("≈") for v in amounts):
        console.print(
            "≈ rounded to the fils: the source's amounts carry more decimals (--json has the "
            "exact total).",
            highlight=False,
        )


def _accounting(status: str) -> str:
    """Whether a batch's rows add up: an interrupted or failed batch never finished counting;
    a running one has not yet."""
    if status in ("interrupted", "failed"):
        return "incomplete"
    return {"running": "in progress", "extracted": "awaiting transform"}.get(status, "complete")


BATCH_LABELS = {
    "id": "Batch",
    "source": "Source",
    "ministry": "Ministry",
    "domain": "Domain",
    "status": "Status",
    "accounting": "Row accounting",
    "operator": "Operator",
    "started_at": "Started",
    "finished_at": "Finished",
    "rows_extracted": "Rows extracted",
    "rows_staged": "  staged",
    "rows_quarantined": "  quarantined",
    "rows_rejected": "  rejected",
    "rows_withdrawn": "  withdrawn",
    "control_row_count": "Rows the source counts",
    "control_debit_amount": "Debit total",
    "control_credit_amount": "Credit total",
    "control_salary_amount": "Salary total",
    "control_unparseable": "Unparseable amounts",
    "currency": "Currency",
    "message": "Message",
}
"""How ``batches show`` names a batch's fields; one not named here reads from its key."""


def batch_cell(key: str, value: Any, currency: str) -> str:
    """A batch's field as a person reads it: — for none, amounts at fils with their currency,
    times to the second, counts with separators."""
    if value is None or value == "":
        return "—"
    if key.endswith("_amount"):
        return f"{amount_text(value)} {currency}"
    if key.endswith("_at"):
        return time_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and key != "id":
        return f"{value:,}"
    return str(value)


@batches_app.command("show")
def batches_show(batch_id: int, as_json: JsonOption = False) -> None:
    """One batch, with row accounting and control totals per entity."""
    pipeline = open_pipeline()
    pipeline.close_interrupted()
    batch, entities = pipeline.batches.show(batch_id)
    batch["accounting"] = _accounting(batch["status"])
    if as_json:
        print(json.dumps({**batch, "entities": entities}, ensure_ascii=False, indent=2))
        return
    currency = batch.get("currency") or "BHD"
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    order = [key for key in BATCH_LABELS if key in batch]
    for key in [*order, *(key for key in batch if key not in BATCH_LABELS)]:
        label = BATCH_LABELS.get(key) or key.replace("_", " ").capitalize()
        fields.add_row(label, batch_cell(key, batch[key], currency))
    console.print(fields, highlight=False)
    table = compact_table(f"Batch {batch_id} by entity")
    table.add_column("entity", no_wrap=True)
    for column in ("extracted", "staged", "quarantined", "rejected", "withdrawn"):
        table.add_column(column, justify="right")
    for column in (f"debit {currency}", f"credit {currency}", f"salaries {currency}"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("bad amounts", justify="right")
    for e in entities:
        table.add_row(
            e["entity"],
            f"{e['rows_extracted']:,}",
            f"{e['rows_staged']:,}",
            f"{e['rows_quarantined']:,}",
            f"{e['rows_rejected']:,}",
            f"{e['rows_withdrawn']:,}",
            *(amount_text(e[f"control_{role}_amount"]) for role in ("debit", "credit", "salary")),
            f"{e['control_unparseable']:,}",
        )
    console.print(table)
    _footnote_rounded([batch, *entities])


@batches_app.command("verify")
def batches_verify(batch_id: int) -> None:
    """Check that the batch's raw files are all present and unaltered."""
    problems = open_pipeline().batches.verify(batch_id)
    for problem in problems:
        console.print(f"[red]altered[/] {problem}")
    if problems:
        raise typer.Exit(1)
    console.print(f"batch {batch_id}: every raw file matches its checksum")


@app.command("raw")
def raw(batch_id: int, entity: str, source_key: str) -> None:
    """Show the original source record behind a batch, entity and source key."""
    record = open_pipeline().batches.raw_record(batch_id, entity, source_key)
    if record is None:
        raise ConsolidationError(f"batch {batch_id} has no {entity} record with key {source_key!r}")
    print(json.dumps(record, ensure_ascii=False, indent=2))
