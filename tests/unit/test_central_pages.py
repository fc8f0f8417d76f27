"""The loader reads a large target a page at a time, one page ahead of the load: every record
once and in order, never more than a bounded number of pages read ahead, and a failure of the
store read reaches the load instead of hanging it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.load import CentralConfig, LoadError, Selection, load_central_config
from consolidation.load.pages import Pages
from consolidation.load.targets import Record, Target


class _Source:
    """A reader over ``count`` records that notes how far it has read."""

    def __init__(self, count: int, *, fail_at: int | None = None, level_at: int | None = None):
        self.count, self.fail_at, self.level_at = count, fail_at, level_at
        self.read = 0
        self.finished = threading.Event()

    def records(
        self, session: Session, selection: Selection, config: CentralConfig
    ) -> Iterator[Record]:
        try:
            for number in range(self.count):
                if number == self.fail_at:
                    raise RuntimeError(f"the store went away at record {number}")
                level = 1 if number == self.level_at else 0
                self.read = number + 1
                yield Record("thing", number, f"consolidation.thing_{number}", {}, "g", level=level)
        finally:
            self.finished.set()

    def target(self, counted: bool = True) -> Target:
        return Target(
            "thing",
            "x.thing",
            (),
            self.records,
            count=(lambda session, selection: self.count) if counted else None,
        )


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def _pages(engine: sa.Engine, target: Target, size: int) -> Pages:
    return Pages(engine, target, Selection(), load_central_config(None), size=size)


def test_a_counted_target_comes_in_pages_of_every_record_once_in_order(engine: sa.Engine) -> None:
    source = _Source(23)
    with _pages(engine, source.target(), 5) as pages:
        assert pages.total == 23
        sizes, ids = [], []
        for page in pages:
            sizes.append(len(page.records))
            ids.extend(record.row_id for record in page.records)
            assert page.row_ids == [record.row_id for record in page.records]
    assert sizes == [5, 5, 5, 5, 3]
    assert ids == list(range(23))


def test_the_reader_stays_at_most_two_pages_ahead_of_the_load(engine: sa.Engine) -> None:
    source = _Source(100)
    with _pages(engine, source.target(), 10) as pages:
        for number, page in enumerate(pages, start=1):
            # the page in hand, one waiting in the queue, one being filled
            threading.Event().wait(0.02)  # the load's work, while the reader runs ahead
            assert source.read <= (number + 2) * 10, (number, source.read)
            assert len(page.records) == 10


def test_a_target_without_a_count_is_read_whole(engine: sa.Engine) -> None:
    source = _Source(7)
    with _pages(engine, source.target(counted=False), 2) as pages:
        assert pages.total == 7
        [page] = list(pages)
    assert len(page.records) == 7
    assert page.row_ids is None  # its references are read in one scan


def test_a_failing_store_read_reaches_the_load(engine: sa.Engine) -> None:
    source = _Source(50, fail_at=17)
    seen = 0
    with (
        pytest.raises(RuntimeError, match="at record 17"),
        _pages(engine, source.target(), 5) as pages,
    ):
        for page in pages:
            seen += len(page.records)
    assert seen == 15  # the pages read before the failure were loaded


def test_a_load_that_stops_early_stops_the_reader(engine: sa.Engine) -> None:
    source = _Source(10_000)
    with _pages(engine, source.target(), 10) as pages:
        next(iter(pages))
    assert source.finished.wait(5), "the reader thread is still reading"
    assert source.read < 100


def test_a_paged_target_refuses_a_record_of_a_higher_level(engine: sa.Engine) -> None:
    source = _Source(20, level_at=12)
    with pytest.raises(LoadError, match="level 0"), _pages(engine, source.target(), 5) as pages:
        for _ in pages:
            pass
