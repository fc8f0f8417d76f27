"""Issue 16: ``consolidate run --all`` killed with SIGKILL at 10 random points across extract,
map, validate, stage and match. After each rerun: no duplicates, every batch closed, every
batch's rows add up, and the store equals the store of an uninterrupted run.

Where a kill lands is proved, not guessed. The progress lines the run writes on stderr say
that a stage has been reached; after a seeded random delay the run is sent SIGTSTP, which a
test-only ``sitecustomize`` handles in the main thread by writing its Python stack and stopping
the process there (SIGSTOP). The stack names the stage, and the stopped process is killed where
it stands with SIGKILL. A stop outside the stage aimed at is resumed (SIGCONT) and the run
stopped again a few milliseconds later, so every stage is covered however fast the machine is.
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import consolidation
from consolidation.core.schema import Base
from tests.e2e.conftest import CONSOLIDATE
from tests.pipeline_support import demo_pipeline

pytestmark = pytest.mark.e2e

STAGES = ("extract", "map", "validate", "stage", "match")
STATES = ("first load", "rerun")
"""Each stage is killed twice: in a fresh store (every source's first load, which stages in
pass 1 while it maps), then in the same store after its rerun (every row already there)."""

STACK_HOOK = '''\
"""Test-only: on SIGTSTP the main thread writes its Python stack, innermost frame first, to
$KILL_POINT_STACKS, then stops the whole process right there (SIGSTOP)."""
import os
import signal


def _stop_here(_signum, frame):
    lines = []
    while frame is not None:
        code = frame.f_code
        lines.append(f"{code.co_filename}:{frame.f_lineno or ''}:{code.co_name}\\n")
        frame = frame.f_back
    with open(os.environ["KILL_POINT_STACKS"], "a", encoding="utf-8") as stacks:
        stacks.write("".join(lines))
    os.kill(os.getpid(), signal.SIGSTOP)


if os.environ.get("KILL_POINT_STACKS"):
    open(os.environ["KILL_POINT_STACKS"], "a").close()  # says the hook is in
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTSTP})
    signal.signal(signal.SIGTSTP, _stop_here)
'''
"""faulthandler's C-level dump is not used: written from inside the signal, while a thread
changes its frames, it crashed the run (SIGSEGV) about once in a thousand stops. A Python
handler runs between two bytecodes of the main thread, where the stack is whole; the run is
stopped there, so the stack is where the kill lands."""

MAX_STOPS = 1000
"""Stops a kill may take to find the run in its stage, a few milliseconds apart."""


def test_sigkill_at_random_points_of_every_stage_leaves_the_store_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("KILL_POINTS_SEED") or random.SystemRandom().randrange(10**6))
    print(f"kill points: seed {seed} (KILL_POINTS_SEED={seed} replays its choices)")
    chance = random.Random(seed)
    demo = demo_pipeline(tmp_path, employees=400, journal_lines=200)
    template = Path(str(demo.pipeline.engine.url.database))
    sources = list(demo.pipeline.config.sources)
    demo.pipeline.close()
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(STACK_HOOK, encoding="utf-8")

    def fresh(name: str) -> Store:
        """A store of its own: a copy of the migrated empty one, and its raw area. Every store
        reads the same generated sources (a run only reads them; the demo is deterministic)."""
        folder = tmp_path / name
        folder.mkdir()
        with sqlite3.connect(template) as empty, sqlite3.connect(folder / "store.db") as copy:
            empty.backup(copy)
        return Store(folder, demo.manifest.sources_file, demo.truth["reference_date"])

    uninterrupted = fresh("uninterrupted")
    run = uninterrupted.cli("run", "--all", "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    expected = Expected(json.loads(run.stdout), accounting(uninterrupted), uninterrupted.dump())
    for entity in reported(expected.run).values():
        for name, *_kind, extracted, staged, quarantined, rejected, _withdrawn in entity:
            assert extracted == staged + quarantined + rejected, name

    first_loads, reruns = list(STAGES), list(STAGES)
    chance.shuffle(first_loads)
    chance.shuffle(reruns)
    kills: list[KillPoint] = []
    for pair, stages in enumerate(zip(first_loads, reruns, strict=True), start=1):
        store = fresh(f"killed-{pair}")
        for stage, state in zip(stages, STATES, strict=True):
            trigger, delay = aim(stage, sources, chance)
            point = KillPoint(len(kills) + 1, stage, state, trigger, delay)
            kill(store, point, tmp_path / "hook", chance)
            kills.append(point)
            rerun = store.cli("run", "--all", "--json")
            assert rerun.returncode == 0, f"seed {seed}, {point}: {rerun.stderr[-2000:]}"
            check_rerun(store, json.loads(rerun.stdout), expected, f"seed {seed}, {point}")
            print(point)
        check_listed(store, f"seed {seed}, store {pair}")
    assert sorted(p.stage for p in kills) == sorted(STAGES * len(STATES))


@dataclass
class Store:
    """A store of its own with its raw area, over the demo's sources."""

    folder: Path
    sources_file: Path
    reference_date: str
    killed: dict[int, int] = field(default_factory=dict)
    """The batches kills left open, and the process that held each."""

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "CONSOLIDATION_STORE__URL": f"sqlite:///{self.folder / 'store.db'}",
            "CONSOLIDATION_STORE__RAW_DIR": str(self.folder / "raw"),
            "CONSOLIDATION_SOURCES__CONFIG": str(self.sources_file),
            "CONSOLIDATION_VALIDATION__REFERENCE_DATE": self.reference_date,
            "CONSOLIDATION_OPERATOR": "e2e-tester",
            **extra,
        }

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CONSOLIDATE, *args], env=self.env(), cwd=self.folder, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip

    def query(self, statement: str, **values: Any) -> list[Any]:
        engine = sa.create_engine(f"sqlite:///{self.folder / 'store.db'}")
        try:
            with engine.connect() as connection:
                return list(connection.execute(sa.text(statement), values).all())
        finally:
            engine.dispose()

    def dump(self) -> dict[str, list[str]]:
        engine = sa.create_engine(f"sqlite:///{self.folder / 'store.db'}")
        try:
            return canonical(engine)
        finally:
            engine.dispose()


@dataclass
class KillPoint:
    number: int
    stage: str
    state: str
    trigger: str
    delay: float
    stops: int = 0
    frame: Frame | None = None
    pid: int = 0
    open_batches: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"kill {self.number} ({self.state}): {self.stage} at {self.frame} — "
            f"{self.delay * 1000:.0f} ms after /{self.trigger}/, {self.stops} stop(s); "
            f"batches left open {self.open_batches}"
        )


@dataclass(frozen=True)
class Expected:
    """What the uninterrupted run reported, its batches' accounting, and the store it left."""

    run: dict[str, Any]
    accounts: dict[str, Any]
    store: dict[str, list[str]]


def aim(stage: str, sources: list[str], chance: random.Random) -> tuple[str, float]:
    """The progress line that says the stage has been reached, and a random delay after it.

    The line is a random source's but the last (the stage comes again with the next source if
    the first stop falls past it); the match follows the last source's staging."""
    source = re.escape(chance.choice(sources[:-1]))
    if stage == "extract":
        return rf"  {source}\.\w+: started", chance.uniform(0, 0.01)
    if stage in ("map", "validate"):
        return rf"  map\+validate {source}\.", chance.uniform(0, 0.03 if stage == "map" else 0.15)
    if stage == "stage":  # pass 1, staged while mapping (a first load), or pass 2
        step = chance.choice([r"map\+validate", "(quarantine|stage)"])
        return rf"  {step} {source}\.", chance.uniform(0, 0.01)
    return rf"  (quarantine|stage) {re.escape(sources[-1])}\.", chance.uniform(0, 0.05)


def kill(store: Store, point: KillPoint, hook: Path, chance: random.Random) -> None:
    """Run ``consolidate run --all`` until ``point``'s trigger line, wait its delay, stop the
    run until it is found in ``point.stage``, and kill it there with SIGKILL."""
    stacks = store.folder / f"stacks-{point.number}.txt"
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        [CONSOLIDATE, "run", "--all", "--json"],
        env=store.env(PYTHONPATH=path, KILL_POINT_STACKS=str(stacks)), cwd=store.folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, encoding="utf-8", errors="replace",
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()
    said: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        trigger = re.compile(point.trigger)
        while not said or not trigger.match(said[-1]):
            line = lines.get(timeout=120)
            assert line is not None, f"{point}: the run ended first: {''.join(said)[-2000:]}"
            said.append(line)
        time.sleep(point.delay)
        assert stacks.exists(), "the test's sitecustomize was not loaded"
        while True:
            dump = stop(process, stacks)
            assert dump is not None, (
                f"{point}: the run ended (exit {process.returncode}) before a stop found it "
                f"in {point.stage}: {''.join(said)[-2000:]}"
            )
            point.stops += 1
            stage, point.frame = where(dump)  # nothing dumped: Python is ending, its handler gone
            if stage == point.stage:
                break
            assert point.stops < MAX_STOPS, f"{point}: never found in {point.stage}"
            os.kill(process.pid, signal.SIGCONT)
            time.sleep(chance.uniform(0.001, 0.006))
        point.pid = process.pid
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        reader.join(timeout=30)
    held = store.query("SELECT id, pid FROM batch WHERE status IN ('running', 'extracted')")
    assert {pid for _id, pid in held} <= {point.pid}, f"{point}: open batches {held}"
    point.open_batches = sorted(batch_id for batch_id, _pid in held)
    if point.stage in ("map", "validate"):  # the transform holds its batch open throughout
        assert len(point.open_batches) == 1, point
    if point.stage == "match":  # every batch rests before the match
        assert point.open_batches == [], point
    store.killed.update(dict.fromkeys(point.open_batches, point.pid))


def stop(process: subprocess.Popen[str], stacks: Path) -> str | None:
    """Stop the run and return its main thread's stack; None if it had ended."""
    offset = stacks.stat().st_size
    os.kill(process.pid, signal.SIGTSTP)
    deadline = time.monotonic() + 60
    while not (waited := os.waitpid(process.pid, os.WUNTRACED | os.WNOHANG))[0]:
        assert time.monotonic() < deadline, "the run neither stopped nor ended"
        time.sleep(0.0005)
    status = waited[1]
    if not os.WIFSTOPPED(status):
        process.returncode = os.waitstatus_to_exitcode(status)
        return None
    with stacks.open(encoding="utf-8") as file:
        file.seek(offset)
        return file.read()


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.function}"


REPO = Path(consolidation.__file__).resolve().parent.parent
MAPPING = {
    "consolidation/staging/batch.py": {"map_and_validate", "_raw_chunks", "_remember"},
    "consolidation/staging/mapping.py": {"source_mapping"},
}
"""The transform's own steps of the map stage: the mapping file, the raw chunks read, a mapped
chunk remembered and written (the rest of ``staging`` stages, but for ``VALIDATING``)."""
VALIDATING = {"consolidation/staging/mapping.py": {"explained_once"}}
SERVING = ("consolidation/staging/controls.py",)
"""Staging modules that serve whichever step called them: the control totals are counted
as records are mapped and written as the batch is staged."""


def stage_of(frame: Frame) -> str | None:
    """The stage a frame of the run belongs to; None for one that serves its caller
    (libraries, the kernel, the quarantine's writers)."""
    path, function = frame.file, frame.function
    if path.startswith("validation/") or function in VALIDATING.get(path, ()):
        return "validate"
    if path.startswith("mappings/") or function in MAPPING.get(path, ()):
        return "map"
    if path.startswith(("connectors/", "consolidation/extract/")):
        return "extract"
    if path.startswith("consolidation/matching/"):
        return "match"
    if path.startswith("consolidation/staging/") and not path.startswith(SERVING):
        return "stage"
    if path.startswith(("consolidation/pipeline/", "consolidation/cli/")):
        return "other"  # the sources registered, the reference data, locks, the CLI's own
    return None


def where(dump: str) -> tuple[str, Frame | None]:
    """The stage the main thread is in, and the innermost frame that says so."""
    for line in dump.splitlines():
        file, number, function = line.rsplit(":", 2)
        frame = Frame(file.removeprefix(f"{REPO}/"), int(number or 0), function)
        stage = stage_of(frame)
        if stage is not None:
            return stage, frame
    return "other", None


def check_rerun(store: Store, run: dict[str, Any], expected: Expected, context: str) -> None:
    """After a rerun: no batch left open, those the kills left open interrupted (and audited
    so); every staged batch's rows add up, per entity too, and the rerun's are the
    uninterrupted run's; no lock held; no duplicate; and the store is the uninterrupted run's."""
    assert reported(run) == reported(expected.run), context
    batches = store.query("SELECT id, status, pid, message FROM batch ORDER BY id")
    resting = {b.id for b in batches if b.status == "staged"}
    assert {b.id for b in batches} - resting == set(store.killed), f"{context}: {batches}"
    for batch in batches:
        if batch.id in store.killed:
            assert batch.status == "interrupted", (context, batch)
            assert f"process {store.killed[batch.id]} " in batch.message, (context, batch)
        else:
            assert batch.pid is None, f"{context}: a batch at rest still held: {batch}"
    unbalanced = store.query(
        "SELECT b.id, e.entity, e.rows_extracted, e.rows_staged, e.rows_quarantined, "
        "e.rows_rejected FROM batch b LEFT JOIN batch_entity e ON e.batch_id = b.id "
        "WHERE b.status = 'staged' AND (b.rows_extracted != b.rows_staged + "
        "b.rows_quarantined + b.rows_rejected OR e.rows_extracted != e.rows_staged + "
        "e.rows_quarantined + e.rows_rejected)"
    )
    assert unbalanced == [], f"{context}: rows that do not add up: {unbalanced}"
    [(audited,)] = store.query(
        "SELECT count(*) FROM audit_event WHERE action = 'batch.interrupted'"
    )
    assert audited == len(store.killed), context
    locks = store.query("SELECT id, kind, lock_key FROM background_job WHERE state = 'running'")
    assert locks == [], f"{context}: locks left held: {locks}"
    assert duplicates(store) == [], context
    assert accounting(store) == expected.accounts, context
    differences = compare(expected.store, store.dump())
    assert not differences, f"{context}: the store differs from the uninterrupted run's:\n" + (
        "\n".join(differences)
    )


def check_listed(store: Store, context: str) -> None:
    """``consolidate batches`` shows the interrupted batches' accounting as incomplete, every
    other batch's as complete, adding up."""
    listed = store.cli("batches", "--json")
    assert listed.returncode == 0, f"{context}: {listed.stderr[-2000:]}"
    page = json.loads(listed.stdout)
    if isinstance(page, dict):  # a page of the list: {"batches": [...], "truncated": ...}
        assert not page["truncated"], page
        batches = page["batches"]
    else:  # the newest 50, newest first
        batches = page
        assert len(batches) < 50, "more batches than batches lists"
    assert {b["id"] for b in batches if b["status"] == "interrupted"} == set(store.killed)
    for batch in batches:
        if batch["status"] == "interrupted":
            assert batch["accounting"] == "incomplete", (context, batch)
        else:
            assert (batch["status"], batch["accounting"]) == ("staged", "complete"), batch
            assert batch["rows_extracted"] == (
                batch["rows_staged"] + batch["rows_quarantined"] + batch["rows_rejected"]
            ), (context, batch)


def reported(run: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """A run's accounting as ``run --json`` reports it, per source and entity (what was new,
    changed or unchanged differs between a first load and a rerun by design)."""
    counts = ("target", "derived", "extracted", "staged", "quarantined", "rejected", "withdrawn")
    return {
        batch["source"]: [(e["entity"], *(e[c] for c in counts)) for e in batch["entities"]]
        for batch in run["batches"]
    }


BATCH_COUNTS = (
    "rows_extracted", "rows_staged", "rows_quarantined", "rows_rejected", "rows_withdrawn",
    "control_debit_amount", "control_credit_amount", "control_salary_amount",
    "control_unparseable",
)  # fmt: skip


def accounting(store: Store) -> dict[str, Any]:
    """Each source's newest batch: its row accounting and control totals, per entity too."""
    columns = ", ".join(BATCH_COUNTS)
    newest = store.query(
        f"SELECT s.code, b.id, b.control_row_count, {columns} FROM batch b "
        "JOIN source_system s ON s.id = b.source_system_id WHERE b.id IN "
        "(SELECT max(id) FROM batch GROUP BY source_system_id)"
    )
    return {
        source: (
            tuple(counts),
            store.query(
                f"SELECT entity, {columns} FROM batch_entity WHERE batch_id = :b ORDER BY entity",
                b=batch_id,
            ),
        )
        for source, batch_id, *counts in newest
    }


def duplicates(store: Store) -> list[str]:
    """Records held twice: a source record in a unified table (or a golden record's lineage),
    the quarantine or the issues; a golden record; a pair in the match review; an entity's
    accounting or a raw chunk of a batch."""
    identities = [
        (table.name, "source_system, source_key")
        for table in Base.metadata.sorted_tables
        if {"source_system", "source_key", "row_hash"} <= set(table.c.keys())
    ]
    identities += [
        ("validation_issue", "source_system, entity, source_key, rule_id, field"),
        ("quarantine_record", "source_system, entity, source_key"),
        ("match_review", "kind, record_a, record_b"),
        ("person", "person_key"),
        ("partner", "partner_key"),
        ("batch_entity", "batch_id, entity"),
        ("raw_chunk", "batch_id, entity, number"),
    ]
    return [
        f"{table} ({key}): {tuple(row)}"
        for table, key in identities
        for row in store.query(
            f"SELECT {key}, count(*) FROM {table} GROUP BY {key} HAVING count(*) > 1"
        )[:5]
    ]


HISTORY = {"batch", "batch_entity", "raw_chunk", "control_total", "audit_event", "background_job"}
"""What a run records of itself: its batches with their raw files, accounting and control
totals, its locks, its audit events. A rerun adds its own by design, and the killed run's
interrupted batch stays, as it should. They are checked, not compared: every batch closed,
every staged one adding up, each source's newest counting what the uninterrupted run's did."""

REFERENCES = {
    ("journal_line", "entry_id"): "journal_entry",
    ("journal_line", "account_id"): "account",
    ("journal_line", "partner_id"): "partner",
}
"""Lineage references that are not foreign keys (see ``JournalLine``)."""

NATURAL_KEYS = {
    "ministry": ("code",),
    "source_system": ("code",),
    "account": ("code",),
    "person": ("person_key",),
    "partner": ("partner_key",),
}
"""How a row is named without its id; a staged row is named by its source record."""


def canonical(engine: sa.Engine) -> dict[str, list[str]]:
    """Every table but the runs' own history, as sorted rows of their content.

    Left out of each row, and only these: the surrogate ``id`` (a reference to a row is
    replaced by the row's natural key: its code, cluster key or source record); ``batch_id``
    (the batch that last wrote the row: a rerun's batch is another by design; the content is
    what must be equal); DateTime columns (when a run staged, raised or decided something:
    the wall clock of the run, not data — survivorship's ``recency`` among them, whose effect
    on the golden records is compared; the records' own dates are ``Date`` and kept). An
    issue's ``version`` (the stewards' optimistic lock) is compared too: a run that finds an
    issue again leaves it alone (e6c9a31), so a killed run and its rerun bump nothing.
    """
    tables = [t for t in Base.metadata.sorted_tables if t.name not in HISTORY]
    with engine.connect() as connection:
        names: dict[str, dict[Any, Any]] = {}
        for table in tables:
            key: tuple[str, ...] | None = NATURAL_KEYS.get(table.name)
            if key is None and {"source_system", "source_key"} <= set(table.c.keys()):
                key = ("source_system", "source_key")
            if key is not None:
                query = sa.select(table.c.id, *(table.c[c] for c in key))
                names[table.name] = {row[0]: tuple(row[1:]) for row in connection.execute(query)}
        dump: dict[str, list[str]] = {}
        for table in tables:
            kept = [
                c for c in table.c
                if c.name not in ("id", "batch_id")
                and not isinstance(c.type, sa.DateTime)
            ]  # fmt: skip
            rows = []
            for row in connection.execute(sa.select(*kept)).mappings():
                content = {}
                for column in kept:
                    value = row[column.name]
                    target = _referenced(table.name, column)
                    if value is not None and target in names:
                        value = names[target].get(value, ("no such row", value))
                    content[column.name] = value
                rows.append(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False))
            dump[table.name] = sorted(rows)
    return dump


def _referenced(table: str, column: sa.Column[Any]) -> str | None:
    """The table whose id ``column`` holds, if it holds one."""
    for foreign in column.foreign_keys:
        if foreign.column.name == "id":
            return str(foreign.column.table.name)
    return REFERENCES.get((table, column.name))


def compare(expected: dict[str, list[str]], actual: dict[str, list[str]]) -> list[str]:
    """Each table that differs, with a few rows on either side."""
    differences = []
    for table in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(table, []), actual.get(table, [])
        if want != have:
            missing, extra = sorted(set(want) - set(have))[:3], sorted(set(have) - set(want))[:3]
            differences.append(
                f"{table}: {len(want)} rows expected, {len(have)} found; "
                f"missing {missing}; unexpected {extra}"
            )
    return differences
