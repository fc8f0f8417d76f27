"""Central IT runs the pipeline and stewards work the quarantine, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from consolidation.demo import generate
from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = generate(tmp_path_factory.mktemp("demo"), employees=120, journal_lines=400)
    return manifest.sources_file


def test_run_issues_export_fix_and_revalidate(cli: Run, sources: Path, tmp_path: Path) -> None:
    env = {"CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30"}
    assert cli("db", "upgrade").returncode == 0
    ran = cli("run", "--all", "--json", sources=sources, **env)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    for batch in result["batches"]:
        for entity in batch["entities"]:
            assert entity["balanced"], entity
    assert result["persons"]["records"] > 0

    listed = cli("issues", "list", "--rule", "employee.iban.*", "--json", sources=sources)
    issues = json.loads(listed.stdout)["issues"]
    assert issues and all(i["rule_id"] == "employee.iban.valid" for i in issues)
    assert {i["status"] for i in issues} == {"open"}
    moh = json.loads(cli("issues", "list", "--ministry", "MOH", "--json", sources=sources).stdout)[
        "issues"
    ]
    assert moh and {i["ministry"] for i in moh} == {"MOH"}

    out = tmp_path / "quarantine.xlsx"
    exported = cli("issues", "export", "--format", "xlsx", "--out", str(out), sources=sources)
    assert exported.returncode == 0, exported.stderr
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert workbook.sheetnames[0] == "Index"
    sheets = {row[1]: row[0] for row in workbook["Index"].iter_rows(min_row=2, values_only=True)}
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    rows = list(workbook[sheets["employee.iban.valid"]].iter_rows(values_only=True))
    assert rows[0][:3] == ("issue id", "ministry", "source")
    assert len(rows) - 1 == len(issues)

    issue = issues[0]
    fixed = cli(
        "quarantine",
        "fix",
        issue["source"],
        "employee",
        issue["source_key"],
        "--set",
        "iban=BH67BMAG00001299123456",
        sources=sources,
    )
    assert fixed.returncode == 0, fixed.stderr
    revalidated = cli("revalidate", sources=sources, **env)
    assert revalidated.returncode == 0, revalidated.stderr
    assert "released 1 employee" in revalidated.stdout
    after = json.loads(
        cli(
            "issues",
            "list",
            "--rule",
            "employee.iban.valid",
            "--status",
            "fixed",
            "--json",
            sources=sources,
        ).stdout
    )["issues"]
    assert [i["source_key"] for i in after] == [issue["source_key"]]


def test_steward_mistakes_are_one_line(cli: Run, sources: Path) -> None:
    cli("db", "upgrade")
    for args, expected in [
        (("issues", "list", "--status", "closed"), "unknown status 'closed'"),
        (("issues", "waive", "999999"), "no issue 999999"),
        (
            ("quarantine", "fix", "moh_hr", "employee", "nope", "--set", "iban=x"),
            "no quarantined employee record 'nope'",
        ),
        (("issues", "export", "--format", "csv"), "--format 'csv' is not supported"),
    ]:
        result = cli(*args, sources=sources)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_demo_prints_the_whole_consolidation(cli: Run, tmp_path: Path) -> None:
    result = cli(
        "demo", "--employees", "120", "--journal-lines", "400", "--dir", str(tmp_path / "demo")
    )
    assert result.returncode == 0, result.stderr
    for text in (
        "Row accounting",
        "totals match",
        "precision",
        "recall",
        "Open issues in the quarantine, by rule and ministry",
        "journal_entry.lines.balanced",
    ):
        assert text in result.stdout, text


def test_a_bad_mapping_file_stops_the_run_before_any_batch(
    cli: Run, sources: Path, tmp_path: Path
) -> None:
    import shutil

    mappings = tmp_path / "mappings"
    shutil.copytree(
        Path(__file__).resolve().parents[2] / "mappings",
        mappings,
        ignore=shutil.ignore_patterns("*.py", "__pycache__"),
    )
    path = mappings / "moh" / "moh_hr.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "transform: money, scale: 3}", "transform: monee, scale: 3}", 1
        ),
        encoding="utf-8",
    )
    cli("db", "upgrade")
    result = cli(
        "run",
        "--source",
        "moh_hr",
        sources=sources,
        CONSOLIDATION_MAPPINGS__DIRECTORY=str(mappings),
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"{path}:10:" in line
    assert "unknown transform 'monee'" in line
    assert json.loads(cli("batches", "--json").stdout)["batches"] == []


def test_a_repeated_source_key_is_quarantined_before_the_store_sees_it(
    cli: Run, tmp_path: Path
) -> None:
    """A CSV export whose key repeats (a line written twice) used to stop staging on the
    store's unique constraint. The connector finds the repeat while reading: the later row is
    quarantined under its own key with a rule id and both rows' positions, the run exits 0,
    its accounting adds up, and a rerun of the same file changes nothing."""
    manifest = generate(tmp_path / "demo", employees=60, journal_lines=100)
    employees = manifest.sources_file.parent / "mys_employees.csv"
    lines = employees.read_text(encoding="cp1256").splitlines()
    employees.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="cp1256")
    cli("db", "upgrade")
    for _attempt in range(2):
        result = cli("run", "--source", "mys_hr", "--json", sources=manifest.sources_file)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        [batch] = json.loads(result.stdout)["batches"]
        for entity in batch["entities"]:
            assert entity["balanced"], entity
    listed = cli(
        "issues", "list", "--rule", "employee.source_key.unique", "--json",
        sources=manifest.sources_file,
    )  # fmt: skip
    [issue] = json.loads(listed.stdout)["issues"]
    assert issue["source_key"].endswith("#2")
    rows = len(lines) - 1  # data rows before the copy
    assert f"is on rows 1 and {rows + 1} of the source" in issue["message"]
