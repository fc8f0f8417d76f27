"""Run the real ``consolidate`` command in a subprocess, against a store in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CONSOLIDATE = str(Path(sys.executable).parent / "consolidate")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """``cli("extract", "--all", sources=path)`` runs the command with a temp store."""
    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": f"sqlite:///{tmp_path / 'store.db'}",
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_OPERATOR": "e2e-tester",
        "COLUMNS": "200",
    }

    def run(
        *args: str, sources: Path | None = None, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**env, **extra_env}
        if sources is not None:
            full_env["CONSOLIDATION_SOURCES__CONFIG"] = str(sources)
        return subprocess.run(
            [CONSOLIDATE, *args],
            capture_output=True,
            text=True,
            env=full_env,
            cwd=tmp_path,
            timeout=600,
            check=False,
        )

    return run
