"""A target's records read from the store a page at a time, one page ahead of the load."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.load.exceptions import LoadError
from consolidation.load.settings import CentralConfig
from consolidation.load.targets import Record, Selection, Target

PAGE_RECORDS = 2_000
"""Records of a counted target (employees, journal entries) read, planned and loaded at a time;
the next page is read from the store while this one loads."""


@dataclass
class Page:
    records: list[Record]
    whole: bool = False
    """All of the target's records (one scan of its references is faster than look-ups)."""

    @property
    def row_ids(self) -> list[int] | None:
        """The rows to look references up for; None for a whole target."""
        return None if self.whole else [record.row_id for record in self.records]


_END = object()


class Pages:
    """A target's records a page at a time. A target with a count is read page by page on a
    thread of its own, ahead of the load, so reading the store overlaps Odoo's work; memory
    holds at most three pages (the one loading, one waiting, one being read), not the whole
    ledger. A target without a count is read whole."""

    def __init__(
        self,
        engine: sa.Engine,
        target: Target,
        selection: Selection,
        config: CentralConfig,
        size: int | None = None,
    ) -> None:
        self.engine, self.target, self.selection, self.config = engine, target, selection, config
        self.size = size or PAGE_RECORDS
        self.total = 0
        self._whole: list[Record] | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Pages:
        with Session(self.engine) as session:
            if self.target.count is None:
                self._whole = list(self.target.read(session, self.selection, self.config))
                self.total = len(self._whole)
                return self
            self.total = self.target.count(session, self.selection)
        self._thread = threading.Thread(
            target=self._read, daemon=True, name=f"read-{self.target.name}"
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __iter__(self) -> Iterator[Page]:
        if self._whole is not None:
            yield Page(self._whole, whole=True)
            return
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield Page(item)

    def _read(self) -> None:
        try:
            with Session(self.engine) as session:
                page: list[Record] = []
                for record in self.target.read(session, self.selection, self.config):
                    if record.level:
                        raise LoadError(
                            f"{self.target.name} is loaded page by page, so its records must "
                            f"all be of level 0 ({record.xid} is of level {record.level})"
                        )
                    page.append(record)
                    if len(page) == self.size:
                        if not self._put(page):
                            return
                        page = []
                if page and not self._put(page):
                    return
            self._put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the loading thread
            self._put(exc)

    def _put(self, item: Any) -> bool:
        """Hand an item over, waiting while the loader is busy; False once it has stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False
