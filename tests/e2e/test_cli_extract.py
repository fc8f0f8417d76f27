"""Central IT's extract workflow, end to end through the real command."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.conftest import Run

pytestmark = pytest.mark.e2e

SOURCES = """\
ministries:
  MYS: {name_ar: وزارة شؤون الشباب, name_en: Ministry of Youth Affairs}
sources:
  mys_hr:
    ministry: MYS
    domain: hr
    name: Youth Affairs HR export
    kind: csv
    entities:
      employee:
        path: employees.csv
        encoding: cp1256
        delimiter: ";"
        key: [emp_id]
        columns: [emp_id, name_ar, salary]
        control: {salary: salary}
"""

ROWS = [
    ("000123", "محمد علي", "850.500"),
    ("000124", "فاطمة حسن", "1200.125"),
    ("000125", "علي", ""),
]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    lines = ["emp_id;name_ar;salary", *(";".join(row) for row in ROWS)]
    (tmp_path / "employees.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1256"))
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return path


def test_extract_batches_show_verify_and_raw(cli: Run, sources: Path) -> None:
    assert cli("db", "upgrade").returncode == 0
    current = cli("db", "current")
    assert "up to date" in current.stdout

    extracted = cli("extract", "--all", "--json", sources=sources)
    assert extracted.returncode == 0, extracted.stderr
    [result] = json.loads(extracted.stdout)
    assert result["rows"] == 3
    assert Decimal(result["control"]["salary"]) == Decimal("2050.625")

    listed = json.loads(cli("batches", "--json", sources=sources).stdout)["batches"]
    assert [(b["id"], b["source"], b["status"], b["rows_extracted"]) for b in listed] == [
        (result["batch_id"], "mys_hr", "extracted", 3)
    ]
    assert listed[0]["operator"] == "e2e-tester"
    assert listed[0]["control_salary_amount"] == "2050.625"

    shown = json.loads(cli("batches", "show", str(result["batch_id"]), "--json").stdout)
    assert shown["entities"][0]["entity"] == "employee"
    assert shown["entities"][0]["rows_extracted"] == 3

    assert cli("batches", "verify", str(result["batch_id"])).returncode == 0

    raw = cli("raw", str(result["batch_id"]), "employee", "000124")
    assert raw.returncode == 0, raw.stderr
    assert json.loads(raw.stdout)["name_ar"] == "فاطمة حسن"


def test_rerun_makes_a_new_batch_and_the_raw_area_keeps_both(cli: Run, sources: Path) -> None:
    cli("db", "upgrade")
    first = json.loads(cli("extract", "--all", "--json", sources=sources).stdout)[0]
    second = json.loads(cli("extract", "--source", "mys_hr", "--json", sources=sources).stdout)[0]
    assert second["batch_id"] == first["batch_id"] + 1
    assert second["control"] == first["control"]
    assert cli("batches", "verify", str(first["batch_id"])).returncode == 0


def test_tampered_raw_file_is_detected(cli: Run, sources: Path, tmp_path: Path) -> None:
    cli("db", "upgrade")
    batch_id = json.loads(cli("extract", "--all", "--json", sources=sources).stdout)[0]["batch_id"]
    [chunk] = (tmp_path / "raw").rglob("*.parquet")
    chunk.chmod(0o644)
    chunk.write_bytes(chunk.read_bytes()[:-10])
    verified = cli("batches", "verify", str(batch_id))
    assert verified.returncode == 1
    assert "differs from recorded" in verified.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("extract", "--source", "nope"), "unknown source 'nope'; the config declares: mys_hr"),
        (("extract",), "give exactly one of --source NAME or --all"),
        (("extract", "--all", "--since", "yesterday"), "--since 'yesterday' is not a date"),
        (("raw", "1", "employee", "x"), "batch 1 has no employee record"),
    ],
)
def test_user_mistakes_are_one_line_without_traceback(
    cli: Run, sources: Path, args: tuple[str, ...], expected: str
) -> None:
    cli("db", "upgrade")
    result = cli(*args, sources=sources)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert result.stderr.strip().startswith("error:")


def test_a_bad_source_fails_its_batch_with_one_line(
    cli: Run, sources: Path, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    (tmp_path / "employees.csv").unlink()
    result = cli("extract", "--all", sources=sources)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "mys_hr" in result.stderr
    assert "employees.csv" in result.stderr
    [batch] = json.loads(cli("batches", "--json").stdout)["batches"]
    assert batch["status"] == "failed"
    assert "employees.csv" in batch["message"]


def test_an_unmigrated_store_says_how_to_fix_it(cli: Run, sources: Path) -> None:
    result = cli("extract", "--all", sources=sources)
    assert result.returncode == 2
    assert "run: consolidate db upgrade" in result.stderr


def test_db_downgrade_to_base_and_back(cli: Run) -> None:
    assert cli("db", "upgrade").returncode == 0
    assert cli("db", "downgrade", "base").returncode == 0
    assert "base" in cli("db", "current").stdout
    assert cli("db", "upgrade").returncode == 0
