"""Progress for long work: a Rich bar on a terminal, plain log-style lines elsewhere (CI)."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    """One bar per step, kept on screen when done."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID | None = None
        self._started = False

    def start(self, label: str, total: int | None) -> None:
        if not self._started:
            self._progress.start()
            self._started = True
        self._task = self._progress.add_task(label, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)

    def finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, total=task.completed)
        self._task = None

    def close(self) -> None:
        if self._started:
            self._progress.stop()


class PlainProgress:
    """A line when a step starts, every ``every`` rows, and when it ends."""

    def __init__(self, every: int = 250_000) -> None:
        self._every = every
        self._label = ""
        self._rows = 0
        self._next = every
        self._started = 0.0

    def start(self, label: str, total: int | None) -> None:
        self._label, self._rows, self._next = label, 0, self._every
        self._started = time.perf_counter()
        expected = f" (~{total:,} rows)" if total else ""
        print(f"  {label}: started{expected}", file=sys.stderr, flush=True)

    def advance(self, rows: int) -> None:
        self._rows += rows
        if self._rows >= self._next:
            print(f"  {self._label}: {self._rows:,} rows", file=sys.stderr, flush=True)
            self._next += self._every

    def finish(self) -> None:
        seconds = time.perf_counter() - self._started
        print(
            f"  {self._label}: {self._rows:,} rows in {seconds:.1f}s", file=sys.stderr, flush=True
        )

    def close(self) -> None:
        pass


def make_progress(console: Console) -> RichProgress | PlainProgress:
    return RichProgress(console) if console.is_terminal else PlainProgress()
