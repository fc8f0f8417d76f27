"""A planted secret — a source's database password — is looked for in every
output channel: stderr (at DEBUG logging), stdout and --json, batch messages, `batches show`,
`sources check`, the audit log and every table of the store. It is found in none."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import CONSOLIDATE

pytestmark = pytest.mark.e2e

SECRET = "Pl4nted-S3cret-q7Zx"


def test_a_planted_secret_appears_in_no_output_channel(tmp_path: Path, mariadb_url: str) -> None:
    source = sa.create_engine(mariadb_url)
    with source.begin() as connection:
        connection.execute(sa.text("CREATE TABLE emp (emp_no VARCHAR(8), name VARCHAR(40))"))
        connection.execute(sa.text("INSERT INTO emp VALUES ('000001', 'Fatima')"))
    source.dispose()
    url = sa.make_url(mariadb_url)  # root has no password: one sent is refused by the server
    config = tmp_path / "sources.yaml"
    config.write_text(
        "ministries:\n  MOH: {name_ar: وزارة الصحة, name_en: Ministry of Health}\n"
        "sources:\n  moh_hr:\n    ministry: MOH\n    domain: hr\n    name: Health HR\n"
        f"    kind: sql\n    url: {url.render_as_string(hide_password=True)}\n"
        "    password_env: MOH_HR_PASSWORD\n"
        "    entities:\n      employee: {table: emp, key: [emp_no]}\n",
        encoding="utf-8",
    )
    store = tmp_path / "store.db"
    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": f"sqlite:///{store}",
        "CONSOLIDATION_STORE__RAW_DIR": str(tmp_path / "raw"),
        "CONSOLIDATION_SOURCES__CONFIG": str(config),
        "CONSOLIDATION_LOG_LEVEL": "DEBUG",
        "MOH_HR_PASSWORD": SECRET,
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CONSOLIDATE, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip

    # the store's password set for a SQLite store: one line, and not the password
    stray = subprocess.run(
        [CONSOLIDATE, "db", "upgrade"], env={**env, "CONSOLIDATION_STORE__PASSWORD": SECRET},
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert stray.returncode == 2 and "takes no password" in stray.stderr
    assert SECRET not in stray.stderr + stray.stdout and "Traceback" not in stray.stderr
    outputs = [cli("db", "upgrade")]
    outputs.append(cli("sources", "check"))
    outputs.append(cli("sources", "check", "--json"))
    failed = cli("run", "--source", "moh_hr", "--json")
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert "moh_hr" in failed.stderr  # it did fail, on the refused password, in one line
    outputs += [failed, cli("extract", "--source", "moh_hr")]
    outputs += [cli("batches"), cli("batches", "--json"), cli("batches", "show", "1")]
    outputs += [cli("batches", "show", "1", "--json")]
    for output in outputs:
        for channel in (output.stdout, output.stderr):
            assert SECRET not in channel, channel
    engine = sa.create_engine(f"sqlite:///{store}")
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            assert SECRET not in repr(rows), table
        events = connection.execute(sa.text("SELECT COUNT(*) FROM audit_event")).scalar_one()
        failures = (
            connection.execute(sa.text("SELECT message FROM batch WHERE status = 'failed'"))
            .scalars()
            .all()
        )
    assert events > 0 and failures  # the channels were written to, the secret never
