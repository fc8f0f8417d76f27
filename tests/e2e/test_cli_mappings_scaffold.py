"""``consolidate mappings scaffold`` through the real command: a draft for each demo source where
the pipeline looks for it, refusals in one line, and ``consolidate run`` on the unedited drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench.scaffold import copy_reference
from consolidation.demo import SOURCES, generate
from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e

MINISTRY = {"moh_hr": "moh", "moe_hr": "moe", "mof_gl": "mof", "mys_hr": "mys", "mys_fin": "mys"}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo"), employees=100, journal_lines=300).sources_file


@pytest.fixture
def drafts(tmp_path: Path) -> Path:
    """A mappings folder with the reference data a run needs (the chart, the calendar, each
    ministry's crosswalk) and no mapping file."""
    folder = tmp_path / "drafts"
    copy_reference(folder)
    return folder


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_scaffold_every_demo_source_then_run_the_unedited_drafts(
    cli: Run, sources: Path, drafts: Path
) -> None:
    env = {
        "CONSOLIDATION_MAPPINGS__DIRECTORY": str(drafts),
        "CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30",
    }
    for source in SOURCES:
        made = cli("mappings", "scaffold", "--source", source, sources=sources, **env)
        assert made.returncode == 0, made.stderr
        path = drafts / MINISTRY[source] / f"{source}.yaml"
        assert f"wrote {path}" in " ".join(made.stdout.split())
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["source"] == source
    assert cli("sources", "check", sources=sources).returncode == 0
    assert cli("db", "upgrade").returncode == 0
    ran = cli("run", "--all", "--json", sources=sources, **env)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
    batches = json.loads(ran.stdout)["batches"]
    assert [b["source"] for b in batches] == list(SOURCES)
    for batch in batches:
        for entity in batch["entities"]:
            assert entity["balanced"], (batch["source"], entity)
            assert entity["derived"] or entity["staged"] > 0, (batch["source"], entity)


def test_an_existing_mapping_is_replaced_only_with_force(
    cli: Run, sources: Path, drafts: Path
) -> None:
    env = {"CONSOLIDATION_MAPPINGS__DIRECTORY": str(drafts)}
    first = cli("mappings", "scaffold", "--source", "mys_hr", sources=sources, **env)
    assert first.returncode == 0, first.stderr
    path = drafts / "mys" / "mys_hr.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# reviewed by a person\n", "utf-8")
    again = cli("mappings", "scaffold", "--source", "mys_hr", sources=sources, **env)
    assert again.returncode == 2
    line = one_error_line(again.stderr)
    assert f"{path} exists; give --force to replace it" in line
    assert path.read_text(encoding="utf-8").endswith("# reviewed by a person\n")
    forced = cli("mappings", "scaffold", "--source", "mys_hr", "--force", sources=sources, **env)
    assert forced.returncode == 0, forced.stderr
    assert "replaced" in forced.stdout
    assert "reviewed by a person" not in path.read_text(encoding="utf-8")


def test_one_entity_to_a_folder_as_json(cli: Run, sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    made = cli(
        "mappings", "scaffold", "--source", "moe_hr", "--entity", "employee", "--sample", "20",
        "--out", str(out), "--json", sources=sources,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["path"] == str(out / "moe_hr.yaml")
    [entity] = result["entities"]
    assert (entity["from"], entity["to"], entity["rows_read"]) == ("employee", "employee", 20)
    assert entity["fields"]["birth_date"]["from"] == ["birth_date"]
    assert entity["fields"]["name_ar"]["transform"] == ["join", "collapse_spaces"]
    assert entity["not_placed"] == {"last_modified": entity["not_placed"]["last_modified"]}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "nope"], "unknown source 'nope'"),
        (["--source", "moh_hr", "--entity", "staff"], "source 'moh_hr' has no raw entity 'staff'"),
        (
            ["--source", "moh_hr", "--out", "x.yaml"],
            "expected a folder or a file named moh_hr.yaml",
        ),
        (["--source", "moh_hr", "--sample", "0"], "--sample 0: expected at least 1 row"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    cli: Run, sources: Path, drafts: Path, args: list[str], expected: str
) -> None:
    env = {"CONSOLIDATION_MAPPINGS__DIRECTORY": str(drafts)}
    result = cli("mappings", "scaffold", *args, sources=sources, **env)
    assert result.returncode == 2, result.stdout
    assert expected in one_error_line(result.stderr)
    assert not [path for path in drafts.glob("*/*.yaml") if path.name != "calendar.yaml"]


def test_a_draft_with_required_fields_not_found_runs_and_quarantines(
    cli: Run, tmp_path: Path, drafts: Path
) -> None:
    """A ministry's CSV export with Arabic headers and too few columns: the draft names what
    it found, puts placeholders for the required fields it did not, and runs — every record
    quarantined for what is missing, none lost, no traceback."""
    (tmp_path / "staff.csv").write_text(
        "رقم الموظف,الاسم,الجنس,الراتب,ملاحظات\n"
        'E001,محمد علي حسن,ذكر,"1,250.500",x\n'
        "E002,فاطمة أحمد جاسم,أنثى,٩٨٠٫٠٠٠,\n"
        "E003,جاسم محمد علي,ذكر,720.000,y\n",
        encoding="utf-8",
    )
    config = tmp_path / "sources.yaml"
    config.write_text(
        "ministries:\n  MOX: {name_ar: وزارة, name_en: Ministry X}\n"
        "sources:\n  mox_hr:\n    kind: csv\n    ministry: MOX\n    domain: hr\n"
        "    name: an export\n    entities:\n      employee:\n        path: staff.csv\n"
        "        key: [رقم الموظف]\n",
        encoding="utf-8",
    )
    env = {"CONSOLIDATION_MAPPINGS__DIRECTORY": str(drafts)}
    made = cli("mappings", "scaffold", "--source", "mox_hr", sources=config, **env)
    assert made.returncode == 0, made.stderr
    text = (drafts / "mox" / "mox_hr.yaml").read_text(encoding="utf-8")
    assert 'employee_no:   {from: "رقم الموظف", transform: trim}' in text
    assert 'base_salary:   {from: "الراتب", transform: money, scale: 3}' in text
    assert text.count("# REQUIRED: no column found") == 7
    assert '#   "ملاحظات"' in text
    assert cli("db", "upgrade").returncode == 0
    ran = cli("run", "--source", "mox_hr", "--json", sources=config, **env)
    assert ran.returncode == 0, ran.stderr
    [entity] = json.loads(ran.stdout)["batches"][0]["entities"]
    assert (entity["extracted"], entity["quarantined"], entity["balanced"]) == (3, 3, True)
