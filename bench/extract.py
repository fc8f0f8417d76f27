"""Benchmark: extract journal lines into the raw area, from PostgreSQL and from a CSV file.

    python -m bench.extract [--rows 1000000 5000000] [--source pg csv]

Each measurement runs in a child process so its peak RSS is its own. Source data is generated
once per size and reused (PostgreSQL database ``bench_mof_<rows>``, CSV under bench/out/).
Prints a Markdown table for docs/benchmarks.md and writes bench/out/extract.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
import yaml

OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_source(rows: int) -> Path:
    """A PostgreSQL finance ministry with ``rows`` journal lines, and a config of just those."""
    from consolidation.demo import DemoTargets, generate

    name = f"bench_mof_{rows}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    url = sa.make_url(PG_ADMIN).set(database=name)
    folder = OUT / name
    config = folder / "bench_sources.yaml"
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    if not exists or not config.exists():
        started = time.perf_counter()
        manifest = generate(
            folder,
            journal_lines=rows,
            only=["mof_gl"],
            targets=DemoTargets(finance_url=url.render_as_string(hide_password=False)),
        )
        print(
            f"generated {rows:,} lines on PostgreSQL in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
        )
        document = yaml.safe_load(manifest.sources_file.read_text(encoding="utf-8"))
        source = document["sources"]["mof_gl"]
        source["entities"] = {"journal_line": source["entities"]["journal_line"]}
        document["sources"] = {"mof_gl": source}
        config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return config


def _csv_source(rows: int) -> Path:
    folder = OUT / f"bench_csv_{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "journal_lines.csv"
    config = folder / "bench_sources.yaml"
    if not path.exists():
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "line_id",
                    "je_id",
                    "acct_no",
                    "supp_id",
                    "dr_amt",
                    "cr_amt",
                    "currency",
                    "narration",
                    "cost_center",
                ]
            )
            for i in range(rows):
                fils = (i * 7919) % 5_000_000
                debit = f"{fils // 1000}.{fils % 1000:03d}" if i % 2 == 0 else "0.000"
                credit = "0.000" if i % 2 == 0 else f"{fils // 1000}.{fils % 1000:03d}"
                writer.writerow(
                    [
                        f"{i:09d}",
                        f"JE{i // 2:08d}",
                        f"5{i % 97:06d}",
                        f"S{i % 500:04d}",
                        debit,
                        credit,
                        "BHD",
                        "دفعة مورد - supplier payment",
                        f"CC{i % 40:03d}",
                    ]
                )
    config.write_text(
        yaml.safe_dump(
            {
                "ministries": {
                    "MYS": {"name_ar": "وزارة شؤون الشباب", "name_en": "Ministry of Youth Affairs"}
                },
                "sources": {
                    "mys_fin_csv": {
                        "ministry": "MYS",
                        "domain": "finance",
                        "name": "bench CSV",
                        "kind": "csv",
                        "entities": {
                            "journal_line": {
                                "path": str(path),
                                "encoding": "utf-8",
                                "key": ["line_id"],
                                "control": {"debit": "dr_amt", "credit": "cr_amt"},
                            }
                        },
                    }
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return config


def child(config: Path, store_dir: Path) -> None:
    """Extract every source of ``config`` into a fresh store; print rows and seconds as JSON."""
    from consolidation.core import store
    from consolidation.core.settings import Settings, SourcesSettings, StoreSettings
    from consolidation.pipeline import Pipeline

    settings = Settings(
        store=StoreSettings(url=f"sqlite:///{store_dir / 'store.db'}", raw_dir=store_dir / "raw"),
        sources=SourcesSettings(config=config),
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    pipeline.register_sources()
    started = time.perf_counter()
    results = pipeline.extract_all()
    seconds = time.perf_counter() - started
    rows = sum(result.rows for result in results)
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def measure(kind: str, rows: int) -> dict[str, object]:
    config = _pg_source(rows) if kind == "pg" else _csv_source(rows)
    store_dir = OUT / f"store_{kind}_{rows}_{int(time.time())}"
    store_dir.mkdir(parents=True)
    process = subprocess.run(
        [sys.executable, "-m", "bench.extract", "--child", str(config), str(store_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(process.stderr)
    result = json.loads(process.stdout.strip().splitlines()[-1])
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    return {
        "source": "PostgreSQL table" if kind == "pg" else "CSV file (UTF-8)",
        "rows": result["rows"],
        "seconds": round(result["seconds"], 2),
        "rows_per_second": round(result["rows"] / result["seconds"]),
        "peak_rss_mib": round(result["peak_kib"] / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--source", nargs="+", choices=["pg", "csv"], default=["pg", "csv"])
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "STORE_DIR"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    OUT.mkdir(exist_ok=True)
    results = [measure(kind, rows) for kind in args.source for rows in args.rows]
    print("| source | rows | seconds | rows/s | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        cells = [r["source"], f"{r['rows']:,}", r["seconds"], f"{r['rows_per_second']:,}"]
        print("| " + " | ".join(str(cell) for cell in [*cells, r["peak_rss_mib"]]) + " |")
    (OUT / "extract.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
