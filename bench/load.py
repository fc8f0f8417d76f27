"""Benchmark: the loader's records/s into an Odoo, against the ceiling and the floor on the same
server and data.

    python -m bench.load [--employees 1000] [--lines 4000] [--odoo URL DB USER PASSWORD]
                         [--company-mode single|per_ministry]

* loader: ``CentralLoader`` (``load`` with external ids, bulk look-ups, checkpoints, posting);
* ceiling: raw batched ``create`` of the same records (200 per call, tracking off), entries
  posted per batch; no external ids, no checkpoint;
* floor: one ``create`` per record (and one ``action_post`` per entry), on the first records.

Without ``--odoo`` the Odoo 17 stand-in runs in a child process. The store is a demo pipeline
run into SQLite. Ceiling and floor records are deleted afterwards. Prints a Markdown table for
docs/benchmarks.md and writes bench/out/load.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from bench.extract import OUT
from consolidation.core.odoo_rpc import XmlRpcTransport
from consolidation.load import CentralLoader, Selection, load_central_config
from consolidation.load.isolation import QUIET
from consolidation.load.preflight import preflight
from consolidation.load.settings import CentralConfig
from consolidation.load.targets import TARGETS, Record, Target, configured

STANDIN = """
import sys, time
from tests.odoo_standin import central_standin
with central_standin() as odoo:
    print(odoo.url, flush=True)
    while True:
        time.sleep(3600)
"""
FLOOR_RECORDS = 100
_MODE: list[str] = ["single"]
"""The company mode of this run (``--company-mode``)."""


def central_config() -> CentralConfig:
    return _config_for(_MODE[0])


@functools.cache
def _config_for(mode: str) -> CentralConfig:
    """Read once: the floor builds a payload per record inside its timing."""
    return load_central_config(None).model_copy(update={"company_mode": mode})


def _target(name: str) -> Target:
    """The target as this run's mode loads it (with ``company_id`` per ministry)."""
    return configured(TARGETS[name], central_config())


def make_store(folder: Path, employees: int, lines: int) -> sa.Engine:
    from tests.pipeline_support import demo_pipeline

    run = demo_pipeline(folder, employees=employees, journal_lines=lines)
    run.pipeline.run(list(run.pipeline.config.sources))
    return run.pipeline.engine


def make_loader(engine: sa.Engine, connect: Any, targets: list[str], workers: int) -> CentralLoader:
    config = central_config().model_copy(update={"targets": targets})
    return CentralLoader(engine, connect, config, batch_size=200, workers=workers, operator="bench")


def _resolved(engine: sa.Engine, record: Record, fields: tuple[str, ...]) -> dict[str, Any]:
    """A record's values as ``create`` takes them: external ids resolved through central_ref."""
    xids = _xid_map(engine)
    values: dict[str, Any] = {}
    for name in fields:
        text = record.values.get(name, "")
        if name.endswith("/id"):
            values[name[:-3]] = xids.get(text, False) if text else False
        elif name in ("active", "is_company", "reconcile"):
            values[name] = text == "1"
        else:
            values[name] = text or False
    return values


_XIDS: dict[str, int] = {}


def _xid_map(engine: sa.Engine) -> dict[str, int]:
    if not _XIDS:
        with engine.connect() as connection:
            for xid, central_id in connection.execute(
                sa.text("SELECT external_id, central_id FROM central_ref")
            ):
                _XIDS[xid] = central_id
    return _XIDS


def _create_payload(engine: sa.Engine, target: str, record: Record, tag: str) -> dict[str, Any]:
    spec = _target(target)
    values = _resolved(engine, record, spec.fields)
    if target == "employment":
        values["name"] = f"{values['name']} {tag}"
        values.pop("bank_account_id", None)  # a bank account belongs to one employee's contact
    if spec.line_fields:
        values["line_ids"] = [
            (0, 0, {k: v for k, v in _line(engine, line.values).items() if k != "id"})
            for line in record.lines
        ]
    return values


def _line(engine: sa.Engine, line: dict[str, str]) -> dict[str, Any]:
    xids = _xid_map(engine)
    return {
        "account_id": xids[line["account_id/id"]],
        "name": line["name"],
        "debit": float(line["debit"]),
        "credit": float(line["credit"]),
        "partner_id": xids.get(line["partner_id/id"], False) if line["partner_id/id"] else False,
    }


def _records(engine: sa.Engine, target: str) -> list[Record]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        records = _target(target).read(session, Selection(), central_config())
        return [record for record in records if not record.refusal]


def _ceiling(odoo: XmlRpcTransport, engine: sa.Engine, target: str) -> tuple[float, list[int]]:
    spec = TARGETS[target]
    payloads = [_create_payload(engine, target, r, "(ceiling)") for r in _records(engine, target)]
    ids: list[int] = []
    started = time.perf_counter()
    for start in range(0, len(payloads), 200):
        created = odoo.execute(spec.model, "create", payloads[start : start + 200], context=QUIET)
        if spec.posts:
            odoo.execute_void(spec.model, "action_post", created)
        ids.extend(created)
    return len(payloads) / (time.perf_counter() - started), ids


def _floor(odoo: XmlRpcTransport, engine: sa.Engine, target: str) -> tuple[float, list[int]]:
    spec = TARGETS[target]
    records = _records(engine, target)[:FLOOR_RECORDS]
    ids: list[int] = []
    started = time.perf_counter()
    for record in records:
        created = odoo.execute(
            spec.model, "create", _create_payload(engine, target, record, "(floor)")
        )
        if spec.posts:
            odoo.execute_void(spec.model, "action_post", [created])
        ids.append(created)
    return len(records) / (time.perf_counter() - started), ids


def _cleanup(odoo: XmlRpcTransport, target: str, ids: list[int]) -> None:
    model = TARGETS[target].model
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        if TARGETS[target].posts:
            odoo.execute_void(model, "button_draft", chunk)
        odoo.execute(model, "unlink", chunk)


def measure(
    connect: Any, label: str, employees: int, lines: int, workers: list[int]
) -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="bench_load_"))
    engine = make_store(folder, employees, lines)
    odoo = connect()
    failing = [c for c in preflight(odoo, engine, central_config()) if not c.ok]
    if failing:
        raise SystemExit(f"preflight failed: {[(c.name, c.detail) for c in failing]}")
    dependencies = [
        t
        for t in central_config().targets
        if t not in ("employment", "journal_entry", "opening_balance")
        and (t != "ministry_company" or _MODE[0] == "per_ministry")
    ]
    make_loader(engine, connect, dependencies, 2).load(Selection())
    results = []
    for target in ("employment", "journal_entry"):
        count = len(_records(engine, target))
        rates: dict[str, float] = {}
        client: dict[str, float] = {}
        for n in workers:
            with engine.begin() as connection:  # a fresh load of this target each time
                connection.execute(
                    sa.text("DELETE FROM central_ref WHERE entity IN (:t, 'journal_line')"),
                    {"t": target},
                )
            loaded = odoo.execute(
                "ir.model.data",
                "search_read",
                [["module", "=", "consolidation"], ["model", "=", TARGETS[target].model]],
                ["res_id"],
            )
            if loaded:
                _cleanup(odoo, target, [row["res_id"] for row in loaded])
            started, cpu = time.perf_counter(), time.process_time()
            report = make_loader(engine, connect, [target], n).load(Selection())
            seconds = time.perf_counter() - started
            rates[f"loader_{n}w"] = report.counts[target].created / seconds
            # the loader's own CPU (all its threads) per record, against the wall time per record
            created = max(1, report.counts[target].created)
            client[f"client_ms_{n}w"] = (time.process_time() - cpu) / created
        ceiling, ceiling_ids = _ceiling(odoo, engine, target)
        _cleanup(odoo, target, ceiling_ids)
        floor, floor_ids = _floor(odoo, engine, target)
        _cleanup(odoo, target, floor_ids)
        one_worker = rates[f"loader_{workers[0]}w"]
        results.append(
            {
                "server": label,
                "target": target,
                "records": count,
                **{key: round(value, 1) for key, value in rates.items()},
                "ceiling": round(ceiling, 1),
                "floor": round(floor, 1),
                "of_ceiling": round(one_worker / ceiling, 3),
                "x_floor": round(one_worker / floor, 1),
                # with the best of the worker counts run (parallel lanes are the loader's own)
                "best_of_ceiling": round(max(rates.values()) / ceiling, 3),
                "best_x_floor": round(max(rates.values()) / floor, 1),
                **{key: round(value * 1000, 3) for key, value in client.items()},
            }
        )
        print(results[-1], file=sys.stderr, flush=True)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=4000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--odoo", nargs=4, metavar=("URL", "DB", "USER", "PASSWORD"))
    parser.add_argument("--company-mode", choices=["single", "per_ministry"], default="single")
    args = parser.parse_args()
    _MODE[0] = args.company_mode
    child = None
    if args.odoo:
        url, db, user, password = args.odoo
        label = f"Odoo 17 at {url}"
    else:
        child = subprocess.Popen([sys.executable, "-c", STANDIN], stdout=subprocess.PIPE, text=True)
        url, db, user, password = str(child.stdout.readline()).strip(), "central", "admin", "admin"  # type: ignore[union-attr]
        label = "stand-in"

    if args.company_mode == "per_ministry":
        label += ", a company per ministry"

    def connect() -> XmlRpcTransport:
        return XmlRpcTransport(url, db, user, SecretStr(password))

    try:
        results = measure(connect, label, args.employees, args.lines, args.workers)
    finally:
        if child is not None:
            child.kill()
    write_results("load", results)


def write_results(
    name: str, results: list[dict[str, Any]], cell: Callable[[Any], str] = str
) -> None:
    """bench/out/NAME.json, and the rows as a Markdown table for docs/benchmarks.md."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    keys = list(results[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in results:
        print("| " + " | ".join(cell(row[key]) for key in keys) + " |")


if __name__ == "__main__":
    main()
