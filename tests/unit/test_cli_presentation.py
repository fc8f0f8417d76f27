"""How the command line presents lists, amounts and times (issue 17 §3): a page says what it
leaves out, an amount reads at fils with separators, a time to the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from consolidation.cli.common import Page, amount_text, one_line, paged, time_text


def test_a_first_page_says_where_the_next_one_starts() -> None:
    page = Page.of(total=1342, offset=0, limit=200, shown=200)
    assert page.truncated
    assert page.fields() == {"total": 1342, "offset": 0, "limit": 200, "truncated": True}
    assert page.note("issues") == "showing 1–200 of 1,342 issues; use --offset 200 for more"


def test_the_last_page_and_a_page_past_the_end() -> None:
    last = Page.of(total=1342, offset=1200, limit=200, shown=142)
    assert not last.truncated
    assert last.note("issues") == "showing 1,201–1,342 of 1,342 issues"
    past = Page.of(total=10, offset=40, limit=200, shown=0)
    assert past.note("issues") == "showing none of 10 issues: --offset 40 is past the end"


def test_a_whole_list_says_nothing_and_limit_0_is_all() -> None:
    rows, page = paged(list(range(5)), 0, 0)
    assert rows == [0, 1, 2, 3, 4]
    assert page.note("users") is None
    assert page.fields() == {"total": 5, "offset": 0, "limit": None, "truncated": False}
    rows, page = paged(list(range(5)), 2, 2)
    assert rows == [2, 3] and page.truncated


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("62289513.2445", "≈62,289,513.245"),
        ("62289485.6685", "≈62,289,485.669"),
        (Decimal("218725.580"), "218,725.580"),
        ("0.000", "0.000"),
        ("-1234.5", "-1,234.500"),
        (None, "—"),
    ],
)
def test_amounts_read_at_fils_with_separators(value: Decimal | str | None, shown: str) -> None:
    assert amount_text(value) == shown


def test_times_read_to_the_second_in_utc() -> None:
    assert time_text("2026-06-30T18:05:07.123456") == "2026-06-30 18:05:07 UTC"
    bahrain = timezone(timedelta(hours=3))
    assert time_text(datetime(2026, 6, 30, 21, 5, 7, tzinfo=bahrain)) == "2026-06-30 18:05:07 UTC"
    assert time_text(datetime(2026, 6, 30, tzinfo=UTC), zone=False) == "2026-06-30 00:00:00"
    assert time_text(None) == "—"


def test_a_cell_stays_on_one_line() -> None:
    assert one_line("a\nlong   message", 10).plain == "a long me…"
    assert one_line("short", 10).plain == "short"
    assert one_line(None).plain == ""
