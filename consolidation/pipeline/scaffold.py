"""Draft a source's mapping file: read its columns and a sample of its rows through its
connector, hand them to ``mappings.scaffold``, check that the draft loads with the product's own
loader against the source's columns, and write it where the pipeline will look for it."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connectors import open_connector
from consolidation.core.errors import ConsolidationError
from consolidation.core.types import SOURCE_KEY
from mappings import MappingError, SourceMapping, find_mapping, load_mapping
from mappings.scaffold import Draft, RawSample, render, scaffold

if TYPE_CHECKING:
    from consolidation.pipeline import Pipeline

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE = 1000
"""Rows read from each raw entity: enough for the codes and date layouts of most tables."""


class ScaffoldRefused(ConsolidationError):  # noqa: N818 - a refusal, not a failure
    """The draft would overwrite a file, land where the pipeline cannot find it, or the request
    names what the source does not have."""


@dataclass(frozen=True)
class ScaffoldResult:
    source: str
    path: Path
    draft: Draft
    mapping: SourceMapping
    """The draft as the loader read it back."""
    sample_rows: dict[str, int]
    """Raw entity → the rows read from it."""
    replaced: bool
    """Whether a file was there before (``force``)."""


def scaffold_mapping(
    pipeline: Pipeline,
    source: str,
    *,
    entity: str | None = None,
    out: Path | None = None,
    sample: int = DEFAULT_SAMPLE,
    force: bool = False,
) -> ScaffoldResult:
    """Write a draft mapping of ``source`` (every raw entity, or ``entity``) from up to
    ``sample`` rows of each; to ``out``, or where the pipeline finds the source's mapping
    (``<mappings>/<ministry>/<source>.yaml``). An existing file is replaced only with ``force``."""
    config = pipeline.config
    spec = config.source(source)
    if sample < 1:
        raise ScaffoldRefused(f"--sample {sample}: expected at least 1 row")
    entities = list(spec.entities)
    if entity is not None:
        if entity not in entities:
            raise ScaffoldRefused(
                f"source {source!r} has no raw entity {entity!r}; it declares {', '.join(entities)}"
            )
        entities = [entity]
    path = _target_path(pipeline.mappings_dir, source, spec.ministry, out)
    replaced = path.exists()
    if replaced and not force:
        raise ScaffoldRefused(
            f"{path} exists; give --force to replace it (its content is lost), or --out "
            "another folder"
        )
    samples = _read_samples(pipeline, source, entities, sample)
    draft = scaffold(
        source, spec.ministry, samples, domain=spec.domain, declared=list(spec.entities)
    )
    text = render(draft, sampled=f"up to {sample} rows of each raw entity")
    columns = {s.entity: list(s.columns) for s in samples}
    mapping = _loads(text, source, columns)
    _write(path, text)
    logger.info("wrote a draft mapping of %s to %s", source, path)
    rows = {s.entity: s.rows for s in samples}
    return ScaffoldResult(source, path, draft, mapping, rows, replaced)


def _target_path(mappings_dir: Path, source: str, ministry: str, out: Path | None) -> Path:
    name = f"{source}.yaml"
    if out is None:
        try:
            return find_mapping(mappings_dir, source)
        except MappingError:
            return mappings_dir / ministry.lower() / name
    if out.is_dir() or out.suffix.lower() not in (".yaml", ".yml"):
        return out / name
    if out.name != name:
        raise ScaffoldRefused(
            f"--out {out}: a mapping file is named after its source; expected a folder or a "
            f"file named {name}"
        )
    return out


def _read_samples(
    pipeline: Pipeline, source: str, entities: list[str], sample: int
) -> list[RawSample]:
    """The first ``sample`` rows of each entity, as text, with the entity's columns and key."""
    config = pipeline.config
    spec = config.source(source)
    samples = []
    with open_connector(
        source,
        spec,
        base_dir=config.base_dir,
        chunk_size=min(sample, pipeline.settings.sources.chunk_size),
        limits=pipeline.settings.sources.limits(),
    ) as connector:
        for entity in entities:
            declared = spec.entities[entity]
            columns: list[str] | None = None
            values: dict[str, list[str | None]] = {}
            read = 0
            for chunk in connector.extract(entity):
                table = chunk.table.drop_columns([SOURCE_KEY]).slice(0, sample - read)
                if columns is None:
                    columns = list(table.column_names)
                    values = {column: [] for column in columns}
                for column in columns:
                    values[column].extend(table.column(column).to_pylist())
                read += table.num_rows
                if read >= sample:
                    break
            if columns is None:  # no rows: the columns the source declares
                columns = declared.required_columns()
                values = {column: [] for column in columns}
            key = tuple(part for part in declared.key if isinstance(part, str))  # columns only
            samples.append(RawSample(entity, tuple(columns), values, key))
    return samples


def _loads(text: str, source: str, columns: dict[str, list[str]]) -> SourceMapping:
    """The draft read back by the product's loader, as the pipeline will read it."""
    with tempfile.TemporaryDirectory(prefix="scaffold-") as folder:
        path = Path(folder) / f"{source}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_mapping(path, source_columns=columns)
        except MappingError as exc:
            raise MappingError(f"the draft mapping of {source!r} does not load: {exc}") from None


def _write(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
