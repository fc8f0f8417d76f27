"""``consolidate central check`` talks to the central Odoo whatever the store's state, and says
apart what the store needs; a user lacking analytic rights is told which group to add."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Run
from tests.odoo_standin import central_standin

pytestmark = pytest.mark.e2e


def _odoo_env(url: str, db: str, login: str, password: str) -> dict[str, str]:
    return {
        "CONSOLIDATION_ODOO__URL": url,
        "CONSOLIDATION_ODOO__DATABASE": db,
        "CONSOLIDATION_ODOO__LOGIN": login,
        "CONSOLIDATION_ODOO__PASSWORD": password,
    }


def test_the_preflight_runs_on_an_unmigrated_store_and_says_what_the_store_needs(
    cli: Run, tmp_path: Path
) -> None:
    with central_standin() as odoo:
        env = _odoo_env(odoo.url, odoo.db, odoo.login, odoo.password)
        before = cli("central", "check", "--json", **env)
        assert before.returncode == 1, before.stderr
        checks = {c["name"]: c for c in json.loads(before.stdout)}
        assert checks["server version"]["ok"] and checks["module account"]["ok"]
        assert checks["access rights"]["ok"]
        assert not checks["unified store"]["ok"]
        assert "run: consolidate db upgrade" in checks["unified store"]["detail"]

        assert cli("db", "upgrade").returncode == 0
        after = cli("central", "check", "--json", **env)
        assert after.returncode == 0, after.stdout
        assert {c["name"]: c["ok"] for c in json.loads(after.stdout)}["unified store"] is True

        odoo.denied.add(("account.analytic.account", "create"))
        denied = cli("central", "check", **env)
        assert denied.returncode == 1
        assert "Analytic Accounting" in denied.stdout
        assert "Traceback" not in denied.stderr
