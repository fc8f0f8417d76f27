"""Benchmark: the stewards' web app on a store of 100,000 open issues.

    python -m bench.web [--issues 100000] [--bulk 10000] [--requests 100] [--store both]

The demo pipeline runs into a fresh store (SQLite file, or a PostgreSQL database) for its
ministries, sources and batches; then ``--issues`` open issues and their quarantined records are
bulk-inserted, spread over MOH, MOE and MOF and over ten bench rules, one of which holds exactly
``--bulk`` issues. ``consolidate serve`` runs in a subprocess (uvicorn, as in production) and
httpx measures, signed in as an admin through the sign-in form:

* the issue list (``GET /issues``, the default filter: open issues) ``--requests`` times,
  median and p95 — goal ≤ 150 ms median, ≤ 400 ms p95;
* the dashboard (``GET /dashboard``) — goal ≤ 300 ms median;
* a bulk waive of every issue matching ``rule=<the bench rule of --bulk issues>`` through
  ``POST /issues/bulk`` (confirmed, the password given again) — goal ≤ 5 s, and exactly
  ``--bulk`` ``issue.waived`` audit events.

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.extract import PG_ADMIN
from consolidation.core import store
from consolidation.core.schema import QuarantineRecord, ValidationIssue, table_of
from consolidation.core.settings import Settings, SourcesSettings, StoreSettings, ValidationSettings
from consolidation.demo import generate
from consolidation.pipeline import Pipeline

STORES = ("sqlite", "postgresql")
CONSOLIDATE = str(Path(sys.executable).parent / "consolidate")
ADMIN, PASSWORD = "bench-admin", "a-long-bench-password-1"
RULES = 10
SOURCES = (("moh_hr", "employee"), ("moe_hr", "employee"), ("mof_gl", "vendor"))
_META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _database(name: str) -> str:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def build(kind: str, folder: Path, issues: int, bulk: int) -> Settings:
    """A store the demo ran into, with ``issues`` more open issues bulk-inserted."""
    started = time.perf_counter()
    manifest = generate(folder / "demo", employees=120, journal_lines=300)
    truth = json.loads(manifest.ground_truth_file.read_text(encoding="utf-8"))
    url = f"sqlite:///{folder / 'store.db'}" if kind == "sqlite" else _database("bench_web")
    settings = Settings(
        store=StoreSettings(url=url, raw_dir=folder / "raw"),
        sources=SourcesSettings(config=manifest.sources_file),
        validation=ValidationSettings(reference_date=date.fromisoformat(truth["reference_date"])),
        operator="bench",
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    pipeline.run(["moh_hr", "moe_hr", "mof_gl"])
    pipeline.users.add(ADMIN, "admin", PASSWORD, actor="bench")
    _insert(pipeline.engine, issues, bulk)
    pipeline.close()
    print(
        f"{kind}: store of {issues:,} more issues in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return settings


def rule_of(n: int, issues: int, bulk: int) -> str:
    """Rule r0 takes the first ``bulk`` issues, the others share the rest."""
    if n < bulk:
        return "bench.rule.r0"
    return f"bench.rule.r{1 + (n - bulk) % (RULES - 1)}"


def _insert(engine: sa.Engine, issues: int, bulk: int) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        batches = {
            source: connection.execute(
                sa.text(
                    "SELECT MAX(b.id) FROM batch b JOIN source_system s "
                    "ON s.id = b.source_system_id WHERE s.code = :s"
                ),
                {"s": source},
            ).scalar_one()
            for source, _entity in SOURCES
        }
    chunk = 10_000
    for start in range(0, issues, chunk):
        records, rows = [], []
        for n in range(start, min(issues, start + chunk)):
            source, entity = SOURCES[n % len(SOURCES)]
            key = f"B{n:08d}"
            records.append(
                {
                    "batch_id": batches[source],
                    "source_system": source,
                    "entity": entity,
                    "source_key": key,
                    "reason": "issue",
                    "status": "open",
                    "version": 1,
                    "correction_stale": False,
                    "data": {
                        "name_en": f"Bench Person {n}",
                        "name_ar": "موظف تجريبي",
                        "national_id": f"9{n:08d}",
                        "iban": f"BH00BENCH{n:013d}",
                    },
                }
            )
            rows.append(
                {
                    "batch_id": batches[source],
                    "source_system": source,
                    "entity": entity,
                    "source_key": key,
                    "rule_id": rule_of(n, issues, bulk),
                    "severity": "error",
                    "field": "email",
                    "value": f"person{n}@",
                    "message": "not an e-mail address",
                    "status": "open",
                    "created_at": now,
                    "version": 1,
                }
            )
        with engine.begin() as connection:
            connection.execute(sa.insert(table_of(QuarantineRecord)), records)
            connection.execute(sa.insert(table_of(ValidationIssue)), rows)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))  # fresh statistics, as autovacuum would give


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: Settings) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": settings.store.url,
        "CONSOLIDATION_STORE__RAW_DIR": str(settings.store.raw_dir),
        "CONSOLIDATION_SOURCES__CONFIG": str(settings.sources.config),
        "CONSOLIDATION_OPERATOR": "bench",
    }
    process = subprocess.Popen(
        [CONSOLIDATE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("consolidate serve did not come up")


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    token = _FORM_CSRF.search(client.get("/login").text)
    assert token
    answer = client.post(
        "/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code in (200, 303), answer.status_code
    return client


def timed(client: httpx.Client, path: str, requests: int) -> dict[str, float]:
    client.get(path)  # warm
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "max": times[-1],
    }


def bulk_waive(client: httpx.Client, settings: Settings, bulk: int) -> dict[str, Any]:
    token = _META_CSRF.search(client.get("/issues").text)
    assert token
    form = {
        "csrf_token": token.group(1),
        "action": "waive",
        "every": "yes",
        "status": "open",
        "rule": "bench.rule.r0",
        "note": "bench",
        "confirm": "yes",
        "password": PASSWORD,
    }
    started = time.perf_counter()
    answer = client.post("/issues/bulk", data=form)
    seconds = time.perf_counter() - started
    assert answer.status_code == 200, answer.text[-500:]
    done = re.search(r'id="bulk-result"[^>]*>([^<]+)', answer.text)
    engine = sa.create_engine(settings.store.url)
    with engine.connect() as connection:
        audited = connection.execute(
            sa.text("SELECT COUNT(*) FROM audit_event WHERE action = 'issue.waived'")
        ).scalar_one()
        waived = connection.execute(
            sa.text("SELECT COUNT(*) FROM validation_issue WHERE status = 'waived'")
        ).scalar_one()
    engine.dispose()
    assert audited == bulk and waived == bulk, (audited, waived)
    return {
        "seconds": seconds,
        "reported": done.group(1).strip() if done else "",
        "audited": audited,
    }


def bench(kind: str, issues: int, bulk: int, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        settings = build(kind, Path(folder), issues, bulk)
        process, base = serve(settings)
        try:
            client = signed_in(base)
            listed = timed(client, "/issues", requests)
            filtered = timed(client, "/issues?ministry=MOH&rule=bench.rule.r3", requests)
            searched = timed(client, "/issues?key=B0001", requests // 2)
            dashboard = timed(client, "/dashboard", max(10, requests // 5))
            waived = bulk_waive(client, settings, bulk)
            after = timed(client, "/issues", requests // 2)
            client.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "store": kind,
        "issues": issues,
        "list": listed,
        "filtered": filtered,
        "search": searched,
        "dashboard": dashboard,
        "bulk": waived,
        "after": after,
    }


def ms(timing: dict[str, float]) -> str:
    return f"{timing['median']:.0f} / {timing['p95']:.0f} ms"


def table(results: list[dict[str, Any]], bulk: int) -> None:
    print(
        "| store | open issues | GET /issues median / p95 | filtered (ministry+rule) | "
        "key search | GET /dashboard median / p95 | bulk waive of "
        f"{bulk:,} (audited) | /issues after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['store']} | {r['issues']:,} | {ms(r['list'])} | {ms(r['filtered'])} | "
            f"{ms(r['search'])} | {ms(r['dashboard'])} | {r['bulk']['seconds']:.2f} s "
            f"({r['bulk']['audited']:,}) | {ms(r['after'])} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--store", choices=[*STORES, "both"], default="both")
    args = parser.parse_args()
    kinds = STORES if args.store == "both" else (args.store,)
    results = [bench(kind, args.issues, args.bulk, args.requests) for kind in kinds]
    print()
    table(results, args.bulk)


if __name__ == "__main__":
    main()
