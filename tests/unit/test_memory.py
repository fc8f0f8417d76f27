"""The allocator arena cap: in force on glibc, and an explicit environment setting wins."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

PROBE = "from consolidation.core.memory import cap_malloc_arenas; print(cap_malloc_arenas())"


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the cap is glibc's")
def test_the_cap_is_set_on_glibc() -> None:
    assert _probe() == "True"


def test_an_explicit_environment_setting_wins() -> None:
    assert _probe(MALLOC_ARENA_MAX="4") == "False"
