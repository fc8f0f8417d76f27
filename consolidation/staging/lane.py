"""The staging transaction's connection as a lane: database work queued on a thread of its
own, so the database loads one chunk while Python prepares the next."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class DatabaseLane:
    """The transaction's connection, used by one thread at a time. Database work is queued
    here and runs on the database's core while Python prepares the next chunk; at most two
    prepared chunks wait, so memory stays flat. Each result is handed to its ``then`` in the
    calling thread, and the first failure is raised there."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage")
        self._pending: list[tuple[Future[Any], Callable[[Any], None] | None]] = []

    def submit(
        self, work: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None
    ) -> None:
        while len(self._pending) >= 2 or (self._pending and self._pending[0][0].done()):
            self._collect()
        self._pending.append((self._pool.submit(work, *args), then))

    def call(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run ``work`` after everything queued, and return its result."""
        self.drain()
        return self._pool.submit(work, *args).result()

    def drain(self) -> None:
        while self._pending:
            self._collect()

    def _collect(self) -> None:
        future, then = self._pending.pop(0)
        result = future.result()
        if then is not None:
            then(result)

    def close(self) -> None:
        for future, _then in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
