"""Benchmark: reconciliation of a seed-scale ledger, source → store, against a naive one; and
the central level's XML-RPC calls.

    python -m bench.reconcile [--lines 1000000 5000000] [--store postgresql|sqlite|both]
                              [--central-lines 2000 20000] [--repeat 3] [--fresh-store]

For each size, the Ministry of Finance's ledger of ``bench.ledger`` (debits of exactly
74,000,000.000 BHD) is generated once on PostgreSQL (``bench_seed_<lines>``) and reused; each
store (a PostgreSQL database ``bench_reconcile_<lines>``, an SQLite file under bench/out/) is
set up once by ``Pipeline.run`` and reused while the source and the store's migration are the
same (``--fresh-store`` builds it again). Then, each in a child process for its own peak RSS:

* product: ``Pipeline.reconciliation``, ``levels="source,store"`` (scope and run, the run
  stored), with the time of its steps;
* naive: every staged line, joined with its entry's period, read into pandas with
  ``pd.read_sql``, grouped by ministry, account and period with exact ``Decimal`` sums, against
  the batch's control totals plus the quarantined lines.

Both must agree (cells, totals, every residual zero). The central level runs against the Odoo 17
stand-in (a child process) at smaller sizes, the store loaded with ``Pipeline.load``, and its
XML-RPC calls are counted per ministry; the demo's four ministries are counted too. Prints
Markdown tables for docs/benchmarks.md and writes bench/out/reconcile.json.
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
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import ledger
from bench.extract import OUT, PG_ADMIN

STORES = ("postgresql", "sqlite")
MINISTRY = "MOF"


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mib() -> float:
    """This process's peak RSS since its exec (VmHWM). Not ru_maxrss: Linux carries that over
    from the parent at fork and exec, so a child of a parent that had just generated a large
    ledger reported the parent's peak."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _database(name: str, *, fresh: bool = False) -> tuple[str, bool]:
    """The URL of PostgreSQL database ``name`` (made if absent), and whether it existed."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if fresh:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        exists = bool(
            connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        )
        if not exists:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), exists


def source(lines: int) -> Path:
    """The seed ledger of ``lines`` lines on PostgreSQL, written once; its sources config."""
    name = f"bench_seed_{lines}"
    url, existed = _database(name)
    folder = OUT / name
    manifest = folder / "ledger.json"
    if existed and manifest.exists():
        written = json.loads(manifest.read_text(encoding="utf-8"))
        if written["lines"] == lines and written["seed"] == ledger.SEED:
            return folder / "sources.yaml"
    started = time.perf_counter()
    seed = ledger.write(folder, lines, url)
    print(f"generated {lines:,} lines in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return seed.config


def _settings(store_url: str, config: Path, raw_dir: Path) -> Any:
    from consolidation.core.settings import (
        Settings,
        SourcesSettings,
        StoreSettings,
        ValidationSettings,
    )

    return Settings(
        store=StoreSettings(url=store_url, raw_dir=raw_dir),
        sources=SourcesSettings(config=config, chunk_size=100_000),
        validation=ValidationSettings(reference_date=date(2026, 6, 30)),
        operator="bench",
    )


def store(kind: str, lines: int, config: Path, *, fresh: bool) -> tuple[str, Path, float, bool]:
    """The store of ``kind`` holding the ledger, set up by a pipeline run unless the one there
    was made from the same source and is at the store's latest migration. Returns its URL, its
    raw folder, the seconds its set-up took and whether it was reused."""
    from consolidation.core import store as unified

    folder = OUT / f"reconcile_{kind}_{lines}"
    marker = folder / "store.json"
    source_manifest = (config.parent / "ledger.json").read_text(encoding="utf-8")
    if kind == "postgresql":
        url, _ = _database(f"bench_reconcile_{lines}")
    else:
        url = f"sqlite:///{folder / 'store.db'}"
    if not fresh and marker.exists() and marker.read_text(encoding="utf-8") == source_manifest:
        engine = sa.create_engine(url)
        try:
            unified.require_current(engine)
            setup = json.loads((folder / "setup.json").read_text(encoding="utf-8"))
            return url, folder / "raw", float(setup["seconds"]), True
        except Exception as exc:  # noqa: BLE001  # anything wrong: build it again
            print(f"store {url} set up again: {exc}", file=sys.stderr)
        finally:
            engine.dispose()
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    if kind == "postgresql":
        url, _ = _database(f"bench_reconcile_{lines}", fresh=True)
    result = _child("setup", url, config, folder / "raw")
    (folder / "setup.json").write_text(json.dumps(result), encoding="utf-8")
    marker.write_text(source_manifest, encoding="utf-8")
    print(f"{kind} store of {lines:,} lines set up in {result['seconds']:.1f} s", file=sys.stderr)
    return url, folder / "raw", float(result["seconds"]), False


def _child(what: str, *args: Any) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, "-m", "bench.reconcile", "--child", what, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(f"bench.reconcile --child {what} failed:\n{process.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    return result


def child_setup(store_url: str, config: Path, raw_dir: Path) -> dict[str, Any]:
    from consolidation.core import store as unified
    from consolidation.pipeline import Pipeline

    pipeline = Pipeline(_settings(store_url, config, raw_dir))
    unified.upgrade(pipeline.engine)
    started = time.perf_counter()
    run = pipeline.run(["mof_gl"])
    seconds = time.perf_counter() - started
    lines = next(o for o in run.transforms[0].outcomes if o.target == "journal_line")
    pipeline.close()
    return {"seconds": seconds, "staged": lines.staged, "quarantined": lines.quarantined}


def _timed(module: Any, name: str, phases: dict[str, float]) -> None:
    """Wrap ``module.name`` so its seconds add up in ``phases[name]``."""
    function = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)


def child_product(store_url: str, config: Path, raw_dir: Path) -> dict[str, Any]:
    """The product's source → store reconciliation, timed by step."""
    from consolidation.pipeline import Pipeline
    from consolidation.reconcile import ledger as ledger_level
    from consolidation.reconcile import runs
    from consolidation.reconcile.model import Comparison

    phases: dict[str, float] = {}
    for name in ("ledger_cells", "opening_cells", "payroll_cells"):
        _timed(ledger_level, name, phases)
    _timed(runs, "save", phases)
    pipeline = Pipeline(_settings(store_url, config, raw_dir))
    service = pipeline.reconciliation
    with pipeline.engine.connect() as connection:  # connect before the clock, as the naive does
        connection.execute(sa.text("SELECT 1"))
    before = _rss_mib()
    started = time.perf_counter()
    result = service.run(service.scope(levels="source,store"))
    seconds = time.perf_counter() - started
    cells = result.cells_of(Comparison.LEDGER_SOURCE_STORE)
    pipeline.close()
    return {
        "seconds": seconds,
        "phases": phases,
        "rss_before_mib": before,
        "peak_rss_mib": _peak_mib(),
        "outcome": result.outcome.value,
        "ledger_cells": len(cells),
        "cells": len(result.cells),
        "residual_zero": all(cell.residual.is_zero for cell in result.cells),
        "source_debit": str(sum((cell.left.debit for cell in cells), Decimal(0))),
        "store_debit": str(sum((cell.right.debit for cell in cells), Decimal(0))),
        "store_lines": sum(cell.right.count for cell in cells),
    }


def child_naive(store_url: str, config: Path, raw_dir: Path) -> dict[str, Any]:
    """Every staged line into pandas, grouped with Decimal sums, against the control totals."""
    import pandas as pd

    from consolidation.core.schema import (
        Batch,
        BatchStatus,
        ControlTotal,
        IssueStatus,
        JournalEntry,
        JournalLine,
        Ministry,
        QuarantineRecord,
        SourceSystem,
    )

    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    before = _rss_mib()
    started = time.perf_counter()
    keys = ["ministry", "account", "period"]
    systems = pd.read_sql(
        sa.select(SourceSystem.code.label("source_system"), Ministry.code.label("ministry")).join(
            Ministry, Ministry.id == SourceSystem.ministry_id
        ),
        engine,
        coerce_float=False,
    )
    staged = pd.read_sql(
        sa.select(
            JournalLine.source_system,
            JournalLine.source_account_code.label("account"),
            JournalEntry.period,
            JournalLine.debit_amount.label("debit"),
            JournalLine.credit_amount.label("credit"),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.withdrawn.is_(False)),
        engine,
        coerce_float=False,
    ).merge(systems, on="source_system")
    read = time.perf_counter() - started
    store_side = staged.groupby(keys).agg(
        store_count=("debit", "size"),
        store_debit=("debit", lambda s: sum(s, Decimal(0))),
        store_credit=("credit", lambda s: sum(s, Decimal(0))),
    )
    latest = (
        sa.select(sa.func.max(Batch.id))
        .where(
            Batch.source_system_id == SourceSystem.id,
            Batch.status.in_([BatchStatus.STAGED, BatchStatus.LOADED]),
            Batch.since.is_(None),
        )
        .scalar_subquery()
    )
    control = pd.read_sql(
        sa.select(
            ControlTotal.source_system,
            ControlTotal.account_code.label("account"),
            ControlTotal.period,
            ControlTotal.row_count.label("source_count"),
            ControlTotal.debit_amount.label("source_debit"),
            ControlTotal.credit_amount.label("source_credit"),
        )
        .join(SourceSystem, SourceSystem.code == ControlTotal.source_system)
        .where(ControlTotal.entity == "journal_line", ControlTotal.batch_id == latest),
        engine,
        coerce_float=False,
    ).merge(systems, on="source_system")
    source_side = control.groupby(keys).agg(
        source_count=("source_count", "sum"),
        source_debit=("source_debit", lambda s: sum(s, Decimal(0))),
        source_credit=("source_credit", lambda s: sum(s, Decimal(0))),
    )
    quarantined = pd.read_sql(
        sa.select(QuarantineRecord.source_system, QuarantineRecord.data).where(
            QuarantineRecord.entity == "journal_line",
            QuarantineRecord.status.in_([IssueStatus.OPEN, IssueStatus.REJECTED]),
        ),
        engine,
        coerce_float=False,
    )
    periods = {}
    if len(quarantined):
        entries = pd.read_sql(sa.select(JournalEntry.source_key, JournalEntry.period), engine)
        periods = dict(zip(entries["source_key"], entries["period"], strict=True))
    explained = pd.DataFrame(
        {
            "source_system": quarantined["source_system"],
            "account": [str(d.get("account_code") or "") for d in quarantined["data"]],
            "period": [
                str(d.get("period") or periods.get(str(d.get("entry_no")), ""))
                for d in quarantined["data"]
            ],
            "q_count": 1,
            "q_debit": [Decimal(str(d.get("debit") or 0)) for d in quarantined["data"]],
            "q_credit": [Decimal(str(d.get("credit") or 0)) for d in quarantined["data"]],
        }
    ).merge(systems, on="source_system")
    explained_side = explained.groupby(keys).agg(
        q_count=("q_count", "sum"),
        q_debit=("q_debit", lambda s: sum(s, Decimal(0))),
        q_credit=("q_credit", lambda s: sum(s, Decimal(0))),
    )
    cells = source_side.join(store_side, how="outer").join(explained_side, how="outer")
    for column in cells.columns:
        zero: Any = 0 if column.endswith("count") else Decimal(0)
        cells[column] = cells[column].apply(lambda v, z=zero: z if pd.isna(v) else v)
    residual_zero = all(
        bool((cells[f"source_{side}"] - cells[f"store_{side}"] - cells[f"q_{side}"] == 0).all())
        for side in ("count", "debit", "credit")
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": seconds,
        "phases": {"read_sql (lines)": read},
        "rss_before_mib": before,
        "peak_rss_mib": _peak_mib(),
        "outcome": "reconciled" if residual_zero else "unexplained",
        "ledger_cells": len(cells),
        "residual_zero": residual_zero,
        "source_debit": str(sum(cells["source_debit"], Decimal(0))),
        "store_debit": str(sum(cells["store_debit"], Decimal(0))),
        "store_lines": int(cells["store_count"].sum()),
    }


def _standin() -> tuple[subprocess.Popen[str], str]:
    from bench.load import STANDIN

    process = subprocess.Popen([sys.executable, "-c", STANDIN], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _with_central(settings: Any, url: str) -> Any:
    from pydantic import SecretStr

    from consolidation.core.settings import OdooSettings

    odoo = OdooSettings(url=url, database="central", login="admin", password=SecretStr("admin"))
    return settings.model_copy(update={"odoo": odoo})


def _central_runs(pipeline: Any, ministries: list[list[str]]) -> list[dict[str, Any]]:
    """The store loaded into the stand-in, then one reconciliation per scope, calls counted."""
    failing = [check for check in pipeline.check_central() if not check.ok]
    if failing:
        raise SystemExit(f"the stand-in's preflight failed: {failing}")
    started = time.perf_counter()
    report = pipeline.load()
    loaded = time.perf_counter() - started
    service = pipeline.reconciliation
    rows = []
    for scope in ministries:
        started = time.perf_counter()
        result = service.run(service.scope(ministries=scope, levels="source,store,central"))
        rows.append(
            {
                "ministries": ",".join(scope) or "all",
                "central_calls": result.central_calls,
                "seconds": round(time.perf_counter() - started, 2),
                "outcome": result.outcome.value,
                "cells": len(result.cells),
                "load_s": round(loaded, 1),
                "records_loaded": report.records_written,
            }
        )
    return rows


def child_central(lines: int, config: Path, folder: Path) -> dict[str, Any]:
    """The seed ledger of ``lines`` into an SQLite store, loaded into the stand-in: the calls
    of the central level for the one ministry."""
    from consolidation.core import store as unified
    from consolidation.pipeline import Pipeline

    process, url = _standin()
    try:
        settings = _settings(f"sqlite:///{folder / 'store.db'}", config, folder / "raw")
        pipeline = Pipeline(_with_central(settings, url))
        unified.upgrade(pipeline.engine)
        pipeline.run(["mof_gl"])
        rows = _central_runs(pipeline, [[MINISTRY]])
        pipeline.close()
    finally:
        process.kill()
    return {"rows": [{"store": f"seed ledger, {lines:,} lines", **row} for row in rows]}


def child_central_demo(folder: Path) -> dict[str, Any]:
    """The demo's four ministries (HR and finance), loaded into the stand-in: the calls of the
    central level per ministry and for all of them."""
    from consolidation.pipeline import Pipeline
    from tests.pipeline_support import demo_pipeline

    process, url = _standin()
    try:
        run = demo_pipeline(folder)
        run.pipeline.run(list(run.pipeline.config.sources))
        pipeline = Pipeline(_with_central(run.pipeline.settings, url))
        codes = sorted(run.pipeline.config.ministries)
        rows = _central_runs(pipeline, [[code] for code in codes] + [[]])
        pipeline.close()
    finally:
        process.kill()
    return {"rows": [{"store": "demo (400 employees, 4,000 lines)", **row} for row in rows]}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def measure(kind: str, lines: int, *, fresh: bool, repeat: int) -> dict[str, Any]:
    config = source(lines)
    url, raw_dir, setup, reused = store(kind, lines, config, fresh=fresh)
    runs: dict[str, list[dict[str, Any]]] = {"product": [], "naive": []}
    for _ in range(repeat):
        for what in runs:
            runs[what].append(_child(what, url, config, raw_dir))
    product, naive = runs["product"][-1], runs["naive"][-1]
    for key in ("ledger_cells", "source_debit", "store_debit", "store_lines"):
        if product[key] != naive[key]:
            raise SystemExit(f"product and naive disagree on {key}: {product} / {naive}")
    if not (product["residual_zero"] and naive["residual_zero"]):
        raise SystemExit(f"a residual is not zero: {product} / {naive}")
    seconds = _median([r["seconds"] for r in runs["product"]])
    naive_seconds = _median([r["seconds"] for r in runs["naive"]])
    return {
        "store": kind,
        "lines": lines,
        "store_setup_s": round(setup, 1),
        "store_reused": reused,
        "product_s": round(seconds, 2),
        "product_peak_rss_mib": round(max(r["peak_rss_mib"] for r in runs["product"])),
        "product_rss_before_mib": round(product["rss_before_mib"]),
        "naive_s": round(naive_seconds, 2),
        "naive_peak_rss_mib": round(max(r["peak_rss_mib"] for r in runs["naive"])),
        "naive_rss_before_mib": round(naive["rss_before_mib"]),
        "speed_up": round(naive_seconds / seconds, 1),
        "outcome": product["outcome"],
        "ledger_cells": product["ledger_cells"],
        "store_debit": product["store_debit"],
        "product_phases": {k: round(v, 2) for k, v in product["phases"].items()},
        "naive_phases": {k: round(v, 2) for k, v in naive["phases"].items()},
        "product_runs_s": [round(r["seconds"], 2) for r in runs["product"]],
        "naive_runs_s": [round(r["seconds"], 2) for r in runs["naive"]],
    }


def central(sizes: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for lines in sizes:
        config = source(lines)
        folder = OUT / f"reconcile_central_{lines}"
        subprocess.run(["rm", "-rf", str(folder)], check=True)
        folder.mkdir(parents=True)
        rows += _child("central", lines, config, folder)["rows"]
    folder = OUT / "reconcile_central_demo"
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    rows += _child("central-demo", folder)["rows"]
    return rows


def _table(rows: list[dict[str, Any]], columns: dict[str, str]) -> None:
    def text(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return "–" if value is None else str(value)

    print("| " + " | ".join(columns.values()) + " |")
    left = ("store", "ministries", "outcome")
    print("|" + "|".join("---" if c in left else "---:" for c in columns) + "|")
    for row in rows:
        print("| " + " | ".join(text(row[c]) for c in columns) + " |")


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "setup": lambda url, config, raw: child_setup(url, Path(config), Path(raw)),
    "product": lambda url, config, raw: child_product(url, Path(config), Path(raw)),
    "naive": lambda url, config, raw: child_naive(url, Path(config), Path(raw)),
    "central": lambda lines, config, folder: child_central(int(lines), Path(config), Path(folder)),
    "central-demo": lambda folder: child_central_demo(Path(folder)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--store", choices=[*STORES, "both"], default="both")
    parser.add_argument("--central-lines", type=int, nargs="*", default=[2_000, 20_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, the median shown")
    parser.add_argument("--fresh-store", action="store_true", help="set the stores up again")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if args.child:
        what, *rest = args.child
        print(json.dumps(CHILDREN[what](*rest)))
        return
    OUT.mkdir(exist_ok=True)
    kinds = STORES if args.store == "both" else (args.store,)
    results = [
        measure(kind, lines, fresh=args.fresh_store, repeat=args.repeat)
        for kind in kinds
        for lines in args.lines
    ]
    _table(
        results,
        {
            "store": "store",
            "lines": "journal lines",
            "product_s": "ours (s)",
            "product_peak_rss_mib": "ours, peak RSS (MiB)",
            "naive_s": "naive pandas (s)",
            "naive_peak_rss_mib": "naive, peak RSS (MiB)",
            "speed_up": "naive / ours",
            "ledger_cells": "ledger cells",
            "outcome": "outcome",
        },
    )
    for kind in kinds:
        sized = sorted((r for r in results if r["store"] == kind), key=lambda r: r["lines"])
        if len(sized) > 1:
            first, last = sized[0], sized[-1]
            print(
                f"\n{kind}: peak RSS at {last['lines']:,} lines is "
                f"{last['product_peak_rss_mib'] / first['product_peak_rss_mib']:.2f}x that at "
                f"{first['lines']:,} (naive {last['naive_peak_rss_mib']}"
                f" / {first['naive_peak_rss_mib']} MiB)"
            )
    for row in results:
        print(f"\n{row['store']} {row['lines']:,}: ours {row['product_phases']}")
    output = OUT / "reconcile.json"
    output.write_text(json.dumps({"reconcile": results, "central": []}, indent=2), "utf-8")
    if not args.central_lines:
        return
    calls = central(args.central_lines)
    print()
    _table(
        calls,
        {
            "store": "store",
            "ministries": "scope",
            "central_calls": "XML-RPC calls",
            "seconds": "seconds",
            "cells": "cells",
            "outcome": "outcome",
        },
    )
    output.write_text(json.dumps({"reconcile": results, "central": calls}, indent=2), "utf-8")


if __name__ == "__main__":
    main()
