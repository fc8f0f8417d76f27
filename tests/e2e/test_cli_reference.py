"""One ministry's wrong reference file, through the real command: its finance source is named
in one line and not run, every other source runs, and the command ends with exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from consolidation.demo import generate
from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def test_a_wrong_crosswalk_names_its_source_and_the_others_run(cli: Run, tmp_path: Path) -> None:
    manifest = generate(tmp_path / "demo", employees=60, journal_lines=200)
    mappings = tmp_path / "mappings"
    shutil.copytree(
        REPO / "mappings", mappings, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    crosswalk = mappings / "mys" / "crosswalk.csv"
    crosswalk.write_text(crosswalk.read_text() + "9999999,424242\n", encoding="utf-8")
    env = {
        "CONSOLIDATION_MAPPINGS__DIRECTORY": str(mappings),
        "CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30",
    }
    assert cli("db", "upgrade").returncode == 0
    result = cli("run", "--all", "--json", sources=manifest.sources_file, **env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert "source 'mys_fin' was not run:" in line and "crosswalk.csv:" in line
    ran = json.loads(result.stdout)
    assert {b["source"] for b in ran["batches"]} == {"moh_hr", "moe_hr", "mof_gl", "mys_hr"}
    assert set(ran["skipped"]) == {"mys_fin"}

    revalidated = cli("revalidate", "--json", sources=manifest.sources_file, **env)
    assert revalidated.returncode == 2
    assert set(json.loads(revalidated.stdout)["skipped"]) == {"mys_fin"}


def test_sources_check_names_what_would_stop_each_source(cli: Run, tmp_path: Path) -> None:
    """Before any row is read: the source, its mapping file and its ministry's reference data,
    per source, in --json too; exit 2 when any would stop."""
    manifest = generate(tmp_path / "demo", employees=30, journal_lines=60)
    mappings = tmp_path / "mappings"
    shutil.copytree(
        REPO / "mappings", mappings, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    env = {"CONSOLIDATION_MAPPINGS__DIRECTORY": str(mappings)}
    assert cli("sources", "check", sources=manifest.sources_file, **env).returncode == 0

    crosswalk = mappings / "mys" / "crosswalk.csv"
    crosswalk.write_text(crosswalk.read_text() + "9999999,424242\n", encoding="utf-8")
    (mappings / "moh" / "moh_hr.yaml").write_text("source: moh_hr\n", encoding="utf-8")
    result = cli("sources", "check", "--json", sources=manifest.sources_file, **env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    found = {row["source"]: row["problems"] for row in json.loads(result.stdout)}
    assert set(found["mys_fin"]) == {"reference"} and "424242" in found["mys_fin"]["reference"]
    assert set(found["moh_hr"]) == {"mapping"} and "moh_hr.yaml" in found["moh_hr"]["mapping"]
    assert found["mys_hr"] == {} and found["mof_gl"] == {} and found["moe_hr"] == {}
    text = cli("sources", "check", sources=manifest.sources_file, **env).stdout
    assert "ok    mys_hr" in text and "fail  mys_fin (reference):" in text
