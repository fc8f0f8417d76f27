"""The quarantine from the command line: ``issues`` (list, summary, export, decide) and
``quarantine`` (show, fix)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from consolidation import quarantine
from consolidation.cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    Page,
    app,
    compact_table,
    console,
    one_line,
    open_pipeline,
    print_page,
)
from consolidation.cli.run import print_quarantine_summary
from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import IssueStatus
from consolidation.core.unified import ENTITIES, LINEAGE_COLUMNS

issues_app = typer.Typer(
    help="The quarantine's issues: list, summarize, export, decide.", no_args_is_help=True
)
quarantine_app = typer.Typer(help="Quarantined records: show and correct.", no_args_is_help=True)
app.add_typer(issues_app, name="issues")
app.add_typer(quarantine_app, name="quarantine")

RuleOption = Annotated[str | None, typer.Option("--rule", help="Rule id; * is a wildcard.")]
MinistryOption = Annotated[str | None, typer.Option("--ministry", help="Ministry code.")]
StatusOption = Annotated[
    str | None, typer.Option("--status", help="open, fixed, waived, rejected.")
]
SourceOption = Annotated[str | None, typer.Option("--source", help="Source name.")]


@issues_app.command("list")
def issues_list(
    rule: RuleOption = None,
    ministry: MinistryOption = None,
    status: StatusOption = None,
    source: SourceOption = None,
    limit: LimitOption = 200,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Issues in the quarantine, a page at a time (national ids and IBANs appear here, never
    in logs); a message too long for its column ends in …, whole in --json."""
    pipeline = open_pipeline()
    filters = quarantine.IssueFilter(rule=rule, ministry=ministry, status=status, source=source)
    rows = pipeline.quarantine.list_issues(filters, offset=offset, limit=limit or None)
    page = Page.of(pipeline.quarantine.count_issues(filters), offset, limit, len(rows))
    if as_json:
        print_page(page, "issues", rows)
        return
    table = compact_table(f"{page.total:,} issues")
    for column in ("id", "ministry", "source", "key", "rule", "sev", "value", "status"):
        table.add_column(column, no_wrap=True, justify="right" if column == "id" else "left")
    table.add_column("message", max_width=MESSAGE_WIDTH)  # the one column that gives way
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["ministry"],
            r["source"],
            r["source_key"],
            r["rule_id"],
            severity_text(r["severity"]),
            one_line(r["value"], VALUE_WIDTH),
            r["status"],
            one_line(r["message"]),
        )
    console.print(table)
    print_page(page, "issues")


VALUE_WIDTH = 20
MESSAGE_WIDTH = 80
"""The widest a value and a message are shown in a list; what is longer ends in …, whole in
--json and in ``quarantine show``. The field is left out: a rule id names it
(``entity.field.assertion``)."""


def severity_text(severity: str) -> str:
    return f"[{'red' if severity == 'error' else 'yellow'}]{severity}[/]"


@issues_app.command("summary")
def issues_summary(as_json: JsonOption = False) -> None:
    """Open issues by rule and ministry."""
    pipeline = open_pipeline()
    if as_json:
        print(json.dumps(pipeline.quarantine.summary(), indent=2))
        return
    print_quarantine_summary(pipeline)


@issues_app.command("export")
def issues_export(
    out: Annotated[Path, typer.Option("--out", help="The workbook to write.")] = Path(
        "var/quarantine.xlsx"
    ),
    export_format: Annotated[str, typer.Option("--format", help="xlsx")] = "xlsx",
    rule: RuleOption = None,
    ministry: MinistryOption = None,
    status: StatusOption = "open",
    source: SourceOption = None,
) -> None:
    """A workbook, one sheet per rule, that a ministry uses to fix the data at the source."""
    if export_format != "xlsx":
        raise ConsolidationError(f"--format {export_format!r} is not supported; expected xlsx")
    pipeline = open_pipeline()
    filters = quarantine.IssueFilter(rule=rule, ministry=ministry, status=status, source=source)
    counts = pipeline.quarantine.export_xlsx(out, filters)
    console.print(f"wrote {out}: {sum(counts.values())} issues on {len(counts)} sheets")


def _decide(ids: list[int], status: IssueStatus, note: str | None) -> None:
    pipeline = open_pipeline()
    count = pipeline.quarantine.decide(ids, status, actor=pipeline.settings.operator, note=note)
    console.print(
        f"{count} issues {status.value}; run `consolidate revalidate` to let records flow"
    )


NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept in the audit log).")]


@issues_app.command("waive")
def issues_waive(ids: list[int], note: NoteOption = None) -> None:
    """Accept issues as they are: they no longer block their records."""
    _decide(ids, IssueStatus.WAIVED, note)


@issues_app.command("reject")
def issues_reject(ids: list[int], note: NoteOption = None) -> None:
    """Reject the records behind issues: they stay out of the store, counted as rejected."""
    _decide(ids, IssueStatus.REJECTED, note)


@issues_app.command("reopen")
def issues_reopen(ids: list[int], note: NoteOption = None) -> None:
    """Undo a waiver or a rejection."""
    _decide(ids, IssueStatus.OPEN, note)


@quarantine_app.command("show")
def quarantine_show(source: str, entity: str, key: str, as_json: JsonOption = False) -> None:
    """A quarantined record: its fields (a steward's correction beside the mapped value) and
    its issues; --json for scripts."""
    shown = open_pipeline().quarantine.record(source, entity, key)
    for part in ("data", "corrected"):
        shown[part] = public(shown[part])
    if as_json:
        print(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
        return
    print_record(shown)


def public(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A record's values without the store's own keys (``_row_hash`` and the like)."""
    if values is None:
        return None
    return {name: value for name, value in values.items() if not name.startswith("_")}


def print_record(shown: dict[str, Any]) -> None:
    """A quarantined record as a steward reads it: what it is, its fields, its issues."""
    console.print(
        f"[bold]{shown['entity']} {shown['source_key']}[/] of {shown['source']} "
        f"({shown['ministry']}) · {shown['status']} · version {shown['version']}",
        highlight=False,
    )
    for label, value in (("reason", shown.get("reason")), ("held by", shown.get("held_by"))):
        if value:
            console.print(f"{label}: {value}", highlight=False)
    data = shown["data"] or {}
    corrected = shown["corrected"] or {}
    stale = bool(shown.get("correction_stale"))
    schema = ENTITIES.get(shown["entity"])
    known = [f for f in schema.fields if f not in LINEAGE_COLUMNS] if schema else []
    names = [*known, *sorted((set(data) | set(corrected)) - set(known))]
    fields = Table(box=box.SIMPLE_HEAD, title="Fields", title_justify="left")
    fields.add_column("field", no_wrap=True)
    fields.add_column("value", overflow="fold")
    if corrected and not stale:
        fields.add_column("mapped value", overflow="fold")
    for name in names:
        if corrected and not stale:
            changed = name in corrected
            fields.add_row(
                f"[bold]{name}[/]" if changed else name,
                _cell(corrected[name] if changed else data.get(name)),
                _cell(data.get(name)) if changed else "",
            )
        else:
            fields.add_row(name, _cell(data.get(name)))
    console.print(fields, highlight=False)
    if corrected:
        console.print(
            "The steward's correction (bold) stands over the mapped value until "
            "`consolidate revalidate` re-checks it."
            if not stale
            else f"A correction of {', '.join(sorted(corrected))} is stale: the source record "
            "changed since, so the mapped values stand.",
            highlight=False,
        )
    issues = Table(box=box.SIMPLE_HEAD, title="Issues", title_justify="left")
    for column in ("id", "rule", "sev", "field", "value", "status"):
        issues.add_column(column, no_wrap=True, justify="right" if column == "id" else "left")
    issues.add_column("message", overflow="fold")
    for issue in shown["issues"]:
        issues.add_row(
            str(issue["id"]),
            issue["rule_id"],
            severity_text(issue["severity"]),
            issue["field"] or "—",
            one_line(issue["value"], VALUE_WIDTH),
            issue["status"],
            str(issue["message"] or ""),
        )
    console.print(issues, highlight=False)


def _cell(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


@quarantine_app.command("fix")
def quarantine_fix(
    source: str,
    entity: str,
    key: str,
    values: Annotated[list[str], typer.Option("--set", help="field=value (repeatable).")],
) -> None:
    """Correct fields of a quarantined record; `consolidate revalidate` then re-checks it."""
    pairs: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConsolidationError(f"--set {item!r}: expected field=value")
        pairs[name.strip()] = value
    pipeline = open_pipeline()
    pipeline.quarantine.correct(source, entity, key, pairs, actor=pipeline.settings.operator)
    console.print(
        f"corrected {', '.join(pairs)} of {source} {entity} {key}; "
        "run `consolidate revalidate` to re-check it"
    )
