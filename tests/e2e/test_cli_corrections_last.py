"""A steward's correction survives every later run while the source record is unchanged, and is
flagged as possibly stale (never silently dropped) once the source record changes: through the
real command, on both store backends."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.demo import generate
from tests.e2e.conftest import CONSOLIDATE, Run

pytestmark = pytest.mark.e2e

GOOD_IBAN = "BH67BMAG00001299123456"
ENV = {"CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30"}


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    return generate(tmp_path / "demo", employees=80, journal_lines=200).sources_file


@pytest.fixture
def store_cli(tmp_path: Path, store_url: str, sources: Path) -> Run:
    env = {
        **os.environ,
        **ENV,
        "CONSOLIDATION_STORE__URL": store_url,
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_SOURCES__CONFIG": str(sources),
        "CONSOLIDATION_OPERATOR": "steward-e2e",
        "COLUMNS": "200",
    }

    def run(*args: str, **_: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CONSOLIDATE, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=600,
            check=False,
        )

    return run


def _json(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _only_iban_fault(cli: Run) -> str:
    listed = _json(cli("issues", "list", "--ministry", "MOH", "--status", "open", "--json"))
    assert isinstance(listed, dict) and not listed["truncated"]
    issues = listed["issues"]
    by_key: dict[str, set[str]] = {}
    for issue in issues:
        if issue["entity"] == "employee":
            by_key.setdefault(issue["source_key"], set()).add(issue["rule_id"])
    return next(k for k, rules in sorted(by_key.items()) if rules == {"employee.iban.valid"})


def _show(cli: Run, key: str) -> dict[str, object]:
    shown = _json(cli("quarantine", "show", "moh_hr", "employee", key, "--json"))
    assert isinstance(shown, dict)
    return shown


def _iban_status(cli: Run, key: str) -> str:
    shown = _show(cli, key)
    issues = shown["issues"]
    assert isinstance(issues, list)
    [issue] = [i for i in issues if i["rule_id"] == "employee.iban.valid"]
    return str(issue["status"])


def _staged(cli: Run, key: str) -> int:
    accounting = _json(cli("run", "--source", "moh_hr", "--json"))
    assert isinstance(accounting, dict)
    [batch] = accounting["batches"]
    for entity in batch["entities"]:
        assert entity["balanced"], entity
    return int(next(e for e in batch["entities"] if e["entity"] == "employee")["staged"])


def test_a_correction_lasts_until_the_source_record_changes(
    store_cli: Run, sources: Path, store_url: str
) -> None:
    cli = store_cli
    assert cli("db", "upgrade").returncode == 0
    first = _staged(cli, "")
    key = _only_iban_fault(cli)

    fixed = cli("quarantine", "fix", "moh_hr", "employee", key, "--set", f"iban={GOOD_IBAN}")
    assert fixed.returncode == 0, fixed.stderr
    revalidated = cli("revalidate", "--source", "moh_hr")
    assert revalidated.returncode == 0, revalidated.stderr
    assert "released 1 employee" in revalidated.stdout
    assert _iban_status(cli, key) == "fixed"

    # the next runs of the unchanged source keep the correction: the record stays in the store
    assert _staged(cli, "") == first + 1
    assert _staged(cli, "") == first + 1
    shown = _show(cli, key)
    assert shown["status"] == "fixed"
    assert shown["corrected"] == {"iban": GOOD_IBAN}
    assert shown["correction_stale"] is False
    assert _iban_status(cli, key) == "fixed"
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        iban = connection.execute(
            sa.text(
                "SELECT iban FROM employment WHERE source_system = 'moh_hr' AND source_key = :k "
                "AND NOT withdrawn"
            ),
            {"k": key},
        ).scalar_one()
    assert iban == GOOD_IBAN

    # the source record itself changes (and still has its bad IBAN): the correction is kept,
    # flagged as possibly stale, and no longer applied; the old version is withdrawn
    source = sa.create_engine(f"sqlite:///{sources.parent / 'moh_hr.sqlite'}")
    with source.begin() as connection:
        changed = connection.execute(
            sa.text("UPDATE HR_EMP SET MOB_NO = '+973 3999 0000' WHERE EMP_NO = :k"),
            {"k": key},
        ).rowcount
    source.dispose()
    assert changed == 1
    assert _staged(cli, "") == first
    shown = _show(cli, key)
    assert shown["status"] == "open"
    assert shown["corrected"] == {"iban": GOOD_IBAN}
    assert shown["correction_stale"] is True
    assert _iban_status(cli, key) == "open"
    with engine.connect() as connection:
        withdrawn = connection.execute(
            sa.text(
                "SELECT withdrawn FROM employment WHERE source_system = 'moh_hr' "
                "AND source_key = :k"
            ),
            {"k": key},
        ).scalar_one()
        stale_events = connection.execute(
            sa.text("SELECT COUNT(*) FROM audit_event WHERE action = 'correction.stale'")
        ).scalar_one()
    engine.dispose()
    assert bool(withdrawn) is True
    assert stale_events == 1

    # the steward confirms the correction against the new version: it applies again
    again = cli("quarantine", "fix", "moh_hr", "employee", key, "--set", f"iban={GOOD_IBAN}")
    assert again.returncode == 0, again.stderr
    assert _staged(cli, "") == first + 1
    assert _show(cli, key)["correction_stale"] is False
