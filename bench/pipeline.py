"""Benchmark: the finance ministry's ledger from PostgreSQL into a PostgreSQL unified store,
through extract → map → validate → stage.

    python -m bench.pipeline [--lines 1000000 5000000]
    BENCH_TRACE=1 python -m bench.pipeline --lines 2000000   # RSS at each step, on stderr

Each size runs in a child process (its peak RSS is its own) against a fresh store database.
Besides wall time it reports CPU seconds: the pipeline process's (every thread) and the store
database server's processes' (read from /proc; the server runs on this machine). They move less
than wall time when the machine is shared, and their sum over the cores bounds the wall time.
The source (``bench_mof_<lines>``) is generated once and reused. Prints a Markdown table for
docs/benchmarks.md and writes bench/out/pipeline.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bench.extract import OUT, PG_ADMIN

STORE_DB = "bench_store"


def _source(lines: int) -> Path:
    """The whole mof_gl source (its entries are needed by its lines) on PostgreSQL."""
    from consolidation.demo import DemoTargets, generate

    name = f"bench_mof_full_{lines}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    folder = OUT / name
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    if not exists or not (folder / "sources.yaml").exists():
        url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        generate(folder, journal_lines=lines, only=["mof_gl"], targets=DemoTargets(finance_url=url))
        print(f"generated {lines:,} lines in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return folder / "sources.yaml"


def _fresh_store() -> str:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {STORE_DB} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {STORE_DB}"))
    admin.dispose()
    return sa.make_url(PG_ADMIN).set(database=STORE_DB).render_as_string(hide_password=False)


def _trace() -> None:
    """With BENCH_TRACE set: each INFO log line of the run to stderr with the time and the RSS
    (current and the highest sampled since the previous line), to find where memory goes."""
    import threading

    import pyarrow as pa

    def rss_kib() -> int:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024

    high = [0]
    began = time.perf_counter()

    def sample() -> None:
        while True:
            high[0] = max(high[0], rss_kib())
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            now = rss_kib()
            arrow = pa.total_allocated_bytes() // 2**20
            print(
                f"{time.perf_counter() - began:7.1f}s {now // 1024:6d} MiB "
                f"(high {max(high[0], now) // 1024:6d}, arrow {arrow:5d}) "
                f"{record.getMessage()[:100]}",
                file=sys.stderr,
            )
            high[0] = 0

    handler = Handler(logging.INFO)
    for name in ("consolidation", "validation", "mappings", "connectors"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).propagate = False


def _own_cpu() -> float:
    """CPU seconds of this process, every thread (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _store_backends_cpu(engine: sa.Engine) -> float | None:
    """CPU seconds of the store database's server processes that are still connected (the
    pool's, which ran the batch; this query runs on one of them), read from /proc: the server
    runs on this machine. None when they cannot be read."""
    with engine.connect() as connection:
        pids = connection.scalars(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).all()
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
            utime, stime = fields.split()[11:13]
            total += (int(utime) + int(stime)) / ticks
    except OSError:
        return None
    return total


def child(config: Path, store_url: str, raw_dir: Path) -> None:
    from consolidation.core import store
    from consolidation.core.settings import (
        Settings,
        SourcesSettings,
        StoreSettings,
        ValidationSettings,
    )
    from consolidation.pipeline import Pipeline

    if os.environ.get("BENCH_TRACE"):
        _trace()
    settings = Settings(
        store=StoreSettings(url=store_url, raw_dir=raw_dir),
        sources=SourcesSettings(config=config, chunk_size=100_000),
        validation=ValidationSettings(reference_date=date(2026, 6, 30)),
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    pipeline.register_sources()
    reference = pipeline.load_reference()
    phases: dict[str, float] = {}
    cpu_before = _own_cpu()
    started = time.perf_counter()
    extract = pipeline.extract("mof_gl")
    phases["extract"] = time.perf_counter() - started
    result = pipeline.transform(extract.batch_id, "mof_gl", reference=reference)
    total = time.perf_counter() - started
    phases["map+validate+stage"] = total - phases["extract"]
    python_cpu = _own_cpu() - cpu_before
    store_cpu = _store_backends_cpu(pipeline.engine)
    lines = next(o for o in result.outcomes if o.target == "journal_line")
    print(
        json.dumps(
            {
                "lines": lines.extracted,
                "rows": extract.rows,
                "seconds": total,
                "phases": phases,
                "staged": lines.staged,
                "quarantined": lines.quarantined,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "python_cpu": python_cpu,
                "store_cpu": store_cpu,
            }
        )
    )


def measure(lines: int) -> dict[str, object]:
    config = _source(lines)
    store_url = _fresh_store()
    raw_dir = OUT / f"pipeline_raw_{lines}_{int(time.time())}"
    process = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--child", str(config), store_url, str(raw_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    subprocess.run(["rm", "-rf", str(raw_dir)], check=True)
    if process.returncode != 0:
        raise SystemExit(process.stderr[-3000:])
    if os.environ.get("BENCH_TRACE"):
        print(process.stderr, file=sys.stderr)
    result = json.loads(process.stdout.strip().splitlines()[-1])
    return {
        "journal_lines": result["lines"],
        "source_rows": result["rows"],
        "seconds": round(result["seconds"], 1),
        "extract_s": round(result["phases"]["extract"], 1),
        "map_validate_stage_s": round(result["phases"]["map+validate+stage"], 1),
        "lines_per_second": round(result["lines"] / result["seconds"]),
        "staged": result["staged"],
        "quarantined": result["quarantined"],
        "peak_rss_mib": round(result["peak_kib"] / 1024),
        "python_cpu_s": round(result["python_cpu"], 1),
        "store_db_cpu_s": None if result["store_cpu"] is None else round(result["store_cpu"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--child", nargs=3, metavar=("CONFIG", "STORE_URL", "RAW_DIR"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.child:
        child(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    results = [measure(lines) for lines in args.lines]
    columns = list(results[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---:|" * len(columns))
    for r in results:
        print(
            "| "
            + " | ".join(f"{r[c]:,}" if isinstance(r[c], int) else str(r[c]) for c in columns)
            + " |"
        )
    (OUT / "pipeline.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
