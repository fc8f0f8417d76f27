"""``mappings``: the first draft of a source's mapping file, for a person to confirm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from consolidation.cli.common import JsonOption, SourcesOption, app, console, open_pipeline
from consolidation.pipeline.scaffold import DEFAULT_SAMPLE, ScaffoldResult, scaffold_mapping

mappings_app = typer.Typer(help="Mapping files: draft one from a source.", no_args_is_help=True)
app.add_typer(mappings_app, name="mappings")


@mappings_app.command("scaffold")
def scaffold(
    source: Annotated[str, typer.Option("--source", help="The source to draft a mapping of.")],
    entity: Annotated[
        str | None, typer.Option("--entity", help="One raw entity only (default: all).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="A folder, or a file named <source>.yaml (default: where the pipeline looks, "
            "<mappings>/<ministry>/<source>.yaml).",
            show_default=False,
        ),
    ] = None,
    sample: Annotated[
        int, typer.Option("--sample", help="Rows read from each raw entity.")
    ] = DEFAULT_SAMPLE,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read a source's columns and sample rows and write a draft mapping file: a unified field
    proposed for each column, every guess marked with a comment to confirm."""
    result = scaffold_mapping(
        open_pipeline(sources), source, entity=entity, out=out, sample=sample, force=force
    )
    if as_json:
        print(json.dumps(result_dict(result), ensure_ascii=False, indent=2))
        return
    table = Table(
        "raw entity",
        "unified entity",
        "rows read",
        "fields",
        "to decide",
        "REQUIRED, not found",
        "columns not placed",
        title=f"Draft mapping of {source}",
        box=box.SIMPLE_HEAD,
    )
    for entity_draft in result.draft.entities:
        table.add_row(
            entity_draft.raw,
            entity_draft.target + (" (derived)" if entity_draft.distinct else ""),
            f"{result.sample_rows.get(entity_draft.raw, 0):,}",
            str(sum(not f.placeholder for f in entity_draft.fields)),
            str(sum(len(f.warnings) for f in entity_draft.fields)),
            ", ".join(f.name for f in entity_draft.fields if f.placeholder),
            ", ".join(note.column for note in entity_draft.unplaced),
        )
    for skipped in result.draft.skipped:
        table.add_row(skipped.raw, "[red]not mapped[/]", "", "", "", "", skipped.reason)
    console.print(table)
    verb = "replaced" if result.replaced else "wrote"
    console.print(
        f"{verb} {result.path}: it loads and runs as it is; confirm every field marked "
        "'confirm', decide the lines marked '!', then delete the comments"
    )


def result_dict(result: ScaffoldResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "path": str(result.path),
        "replaced": result.replaced,
        "entities": [
            {
                "from": entity.raw,
                "to": entity.target,
                "distinct": entity.distinct,
                "rows_read": result.sample_rows.get(entity.raw, 0),
                "why": entity.why,
                "fields": {
                    f.name: {
                        "from": list(f.columns),
                        "const": f.const,
                        "transform": list(f.transforms),
                        "basis": f.basis,
                        "why": f.why,
                        "read": f.read,
                        "decide": f.warnings,
                    }
                    for f in entity.fields
                },
                "not_found": entity.missing,
                "not_placed": {note.column: note.summary for note in entity.unplaced},
            }
            for entity in result.draft.entities
        ],
        "not_mapped": {skipped.raw: skipped.reason for skipped in result.draft.skipped},
    }
