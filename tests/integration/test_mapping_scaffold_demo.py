"""The scaffold on every demo source: the unedited draft loads with the product's loader, maps
nearly every field the hand-written mapping maps from the same column and to the same values,
and runs through the whole pipeline with every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.scaffold import SourceScore, copy_reference, measure
from consolidation.core.settings import MappingSettings
from consolidation.demo import SOURCES
from consolidation.pipeline import Pipeline
from consolidation.staging import source_mapping
from tests.pipeline_support import DemoRun, demo_pipeline

pytestmark = pytest.mark.integration

MOST = 0.9
"""What the draft must get right of each source's hand-written fields (measured: 96 to 100%,
see docs/scaffold.md)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoRun, Path, list[SourceScore]]:
    folder = tmp_path_factory.mktemp("scaffold")
    run = demo_pipeline(folder, employees=150, journal_lines=600)
    drafts = folder / "drafts"
    copy_reference(drafts)
    return run, drafts, measure(run.pipeline, drafts)


@pytest.mark.parametrize("source", SOURCES)
def test_the_unedited_draft_maps_most_fields_right(
    demo: tuple[DemoRun, Path, list[SourceScore]], source: str
) -> None:
    _, _, scores = demo
    [score] = [s for s in scores if s.source == source]
    wrong = [(v.raw, v.target, v.field, v.hand, v.draft) for v in score.wrong()]
    assert score.total >= 20
    assert score.columns_right >= MOST * score.total, wrong
    assert score.values_right >= MOST * score.total, wrong
    assert not score.extra


def test_each_draft_is_where_the_pipeline_finds_it_and_loads_against_the_source(
    demo: tuple[DemoRun, Path, list[SourceScore]],
) -> None:
    run, drafts, _ = demo
    for source in SOURCES:
        spec = run.pipeline.config.source(source)
        mapping = source_mapping(drafts, source, spec)
        assert mapping.path == drafts / spec.ministry.lower() / f"{source}.yaml"
        text = mapping.path.read_text(encoding="utf-8")
        assert text.startswith(f"# DRAFT mapping of {source}")
        assert "# confirm:" in text


def test_the_drafts_run_through_the_pipeline_with_every_row_accounted_for(
    demo: tuple[DemoRun, Path, list[SourceScore]],
) -> None:
    run, drafts, _ = demo
    settings = run.pipeline.settings.model_copy(
        update={"mappings": MappingSettings(directory=drafts)}
    )
    pipeline = Pipeline(settings)
    result = pipeline.run(list(SOURCES))
    assert [t.source for t in result.transforms] == list(SOURCES)
    for transform in result.transforms:
        for outcome in transform.outcomes:
            assert outcome.balanced, (transform.source, outcome)
            if not outcome.derived:
                assert outcome.staged > 0.5 * outcome.extracted, (transform.source, outcome)
    assert result.persons.records > 0
    pipeline.close()
