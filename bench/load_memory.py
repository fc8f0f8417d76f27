"""Benchmark: the loader's memory as the ledger grows.

    python -m bench.load_memory [--lines 20000 80000]

For each size, a demo store (SQLite) is built, its dependencies are loaded into the Odoo 17
stand-in (a child process), and then its journal entries are loaded with ``tracemalloc``
tracing this process: the peak of Python memory the load held, and the records it loaded.
Memory that stays flat as the lines grow is the goal (``docs/benchmarks.md``). Writes
bench/out/load_memory.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.load import STANDIN, central_config, make_loader, make_store, write_results
from consolidation.core.odoo_rpc import XmlRpcTransport
from consolidation.load import Selection


def measure(url: str, lines: int) -> dict[str, Any]:
    engine = make_store(Path(tempfile.mkdtemp(prefix="bench_load_memory_")), 200, lines)

    def connect() -> XmlRpcTransport:
        return XmlRpcTransport(url, "central", "admin", SecretStr("admin"))

    dependencies = [
        t for t in central_config().targets if t not in ("journal_entry", "opening_balance")
    ]
    make_loader(engine, connect, dependencies, 2).load(Selection())
    tracemalloc.start()
    started = time.perf_counter()
    report = make_loader(engine, connect, ["journal_entry"], 1).load(Selection())
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    counts = report.counts["journal_entry"]
    return {
        "journal_lines": lines,
        "entries_loaded": counts.created,
        "entries_failed": counts.failed,
        "seconds": round(seconds, 1),
        "peak_traced_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[20_000, 80_000])
    args = parser.parse_args()
    results = []
    for lines in args.lines:  # a fresh stand-in for each size
        child = subprocess.Popen([sys.executable, "-c", STANDIN], stdout=subprocess.PIPE, text=True)
        try:
            url = str(child.stdout.readline()).strip()  # type: ignore[union-attr]
            results.append(measure(url, lines))
        finally:
            child.kill()
        print(results[-1], file=sys.stderr, flush=True)
    write_results("load_memory", results, "{:,}".format)


if __name__ == "__main__":
    main()
