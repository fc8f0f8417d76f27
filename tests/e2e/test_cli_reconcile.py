"""``consolidate reconcile`` through the real command, on both store backends: exit codes like
diff's, the summary, --json, the reports on disk, show, sign-off and reopening, and bad input
as one line with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from consolidation.demo import generate
from tests.e2e.conftest import CONSOLIDATE, Run

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path, store_url: str) -> Run:
    sources = generate(tmp_path / "demo", employees=60, journal_lines=200).sources_file
    env = {
        **os.environ,
        "CONSOLIDATION_VALIDATION__REFERENCE_DATE": "2026-06-30",
        "CONSOLIDATION_STORE__URL": store_url,
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_SOURCES__CONFIG": str(sources),
        "CONSOLIDATION_RECONCILE__REPORTS_DIR": str(tmp_path / "reports"),
        "CONSOLIDATION_OPERATOR": "finance-e2e",
        "COLUMNS": "200",
    }
    for name in ("ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD"):
        env.pop(name, None)

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


def _one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_reconcile_show_signoff_and_reopen(cli: Run, store_url: str, tmp_path: Path) -> None:
    _one_line_error(cli("reconcile", "--levels", "source,store"), "consolidate db upgrade")
    assert cli("db", "upgrade").returncode == 0
    _one_line_error(cli("reconcile", "--levels", "source,store"), "no staged batch")
    assert cli("run", "--all").returncode in (0, 1)
    result = cli("reconcile", "--levels", "source,store")
    assert result.returncode == 0, result.stderr
    assert "EXPLAINED" in result.stdout
    assert "ledger.source-store" in result.stdout
    first = json.loads(cli("reconcile", "--levels", "source,store", "--json").stdout)
    assert first["outcome"] == "explained"
    html, xlsx = Path(first["reports"]["html"]), Path(first["reports"]["xlsx"])
    assert html.parent == tmp_path / "reports"
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert xlsx.stat().st_size > 0
    mof = [c for c in first["cells"] if c["ministry"] == "MOF"]
    period = sorted(c["period"] for c in mof if c["comparison"] == "ledger.source-store")[0]
    run = str(first["run_id"])

    _one_line_error(cli("reconcile", "--ministry", "MOX"), "unknown ministry MOX")
    _one_line_error(cli("reconcile", "--period", "2025-1"), "is not valid")
    _one_line_error(cli("reconcile"), "no central Odoo configured")
    _one_line_error(cli("reconcile", "show", "999"), "no reconciliation run 999")

    signed = cli(
        "reconcile", "signoff", run, "--ministry", "MOF", "--period", period, "--note", "TB ok"
    )
    assert signed.returncode == 0, signed.stderr
    assert "Signed off" in signed.stdout

    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        line_id = connection.execute(
            sa.text(
                "SELECT l.id FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id "
                "WHERE l.source_system = 'mof_gl' AND e.period = :p AND NOT l.withdrawn "
                "ORDER BY l.id LIMIT 1"
            ),
            {"p": period},
        ).scalar_one()
        step = 1 if engine.dialect.name == "sqlite" else Decimal("0.001")  # integer fils there
        connection.execute(
            sa.text("UPDATE journal_line SET debit_amount = debit_amount + :s WHERE id = :i"),
            {"s": step, "i": line_id},
        )
    engine.dispose()
    changed = cli("reconcile", "--levels", "source,store")
    assert changed.returncode == 1, changed.stderr
    assert "REOPENED" in changed.stdout and f"MOF {period}" in changed.stdout
    assert "UNEXPLAINED" in changed.stdout
    later = json.loads(cli("reconcile", "--levels", "source,store", "--json").stdout)
    [cell] = [c for c in later["cells"] if c["status"] == "different"]
    assert (cell["ministry"], cell["period"]) == ("MOF", period)
    assert Decimal(cell["residual"]["debit"]) == Decimal("-0.001")
    assert [s["status"] for s in later["signoffs"]] == ["reopened"]

    shown = cli("reconcile", "show", run, "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["run_id"] == first["run_id"]
    refused = cli(
        "reconcile",
        "signoff",
        str(later["run_id"]),
        "--ministry",
        "MOF",
        "--period",
        period,
        "--note",
        "again",
    )
    _one_line_error(refused, "cannot be signed off")
