"""Match review in the web app: the queue scoped to a steward's ministries, a pair's records side
by side with personal fields masked and differing fields marked, the score hidden until asked,
and a decision that the store keeps, the next match applies, and that can be undone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.pipeline_support import DemoRun
from tests.web_review_support import client, csrf_of, web_demo

pytestmark = pytest.mark.integration

REASONS = "name 83 (arabic 88, latin 77); birth date same; first names differ"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    run = web_demo(tmp_path_factory.mktemp("web-matches"), reconcile=False)
    yield run
    run.pipeline.close()


def _persons(run: DemoRun, source: str, n: int) -> list[tuple[str, int, str]]:
    with run.pipeline.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT source_system || '|' || source_key, person_id, national_id "
                "FROM person_source WHERE source_system = :s AND NOT withdrawn "
                "AND national_id IS NOT NULL ORDER BY id LIMIT :n"
            ),
            {"s": source, "n": n},
        ).all()
    return [(str(r), int(p), str(nid)) for r, p, nid in rows]


def _pair(run: DemoRun, a: str, b: str) -> int:
    with run.pipeline.engine.begin() as connection:
        return int(
            connection.execute(
                sa.text(
                    "INSERT INTO match_review (kind, record_a, record_b, score, reasons, status) "
                    "VALUES ('person', :a, :b, 83.4, :r, 'open') RETURNING id"
                ),
                {"a": a, "b": b, "r": REASONS},
            ).scalar_one()
        )


def _status(run: DemoRun, pair: int) -> tuple[str, str | None]:
    with run.pipeline.engine.connect() as connection:
        status, by = connection.execute(
            sa.text("SELECT status, decided_by FROM match_review WHERE id = :i"), {"i": pair}
        ).one()
    return str(status), by


def _person_of(run: DemoRun, record: str) -> int:
    source, key = record.split("|", 1)
    with run.pipeline.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT person_id FROM person_source WHERE source_system = :s "
                    "AND source_key = :k"
                ),
                {"s": source, "k": key},
            ).scalar_one()
        )


def test_a_decision_through_the_page_is_stored_audited_and_undone(
    demo: DemoRun,
) -> None:
    (a, person_a, national_a), (b, person_b, national_b) = _persons(demo, "moh_hr", 2)
    assert person_a != person_b
    pair = _pair(demo, a, b)
    browser = client(demo, "amal")

    queue = browser.get("/matches")
    assert queue.status_code == 200
    assert f'id="pair-{pair}"' in queue.text
    waiting = re.search(r'id="queue-person">.*?data-waiting>(\d+)<', queue.text, re.S)
    assert waiting and int(waiting.group(1)) >= 1

    page = browser.get(f"/matches/{pair}")
    assert page.status_code == 200
    # the score and its features are not in the page before the steward asks
    assert "83" not in re.sub(r"<head>.*?</head>", "", page.text, flags=re.S)
    assert "arabic 88" not in page.text and 'id="score-features"' not in page.text
    assert 'id="show-score"' in page.text
    # personal fields masked, the national ids differ and are marked
    assert national_a not in page.text and national_b not in page.text
    assert "*****" + national_a[-4:] in page.text
    assert re.search(r'<tr id="field-national_id" class="changed">', page.text)

    shown = browser.get(f"/matches/{pair}?score=1")
    assert "arabic 88" in shown.text and 'id="score-value"' in shown.text
    partial = browser.get(
        f"/matches/{pair}?score=1", headers={"HX-Request": "true", "HX-Target": "score"}
    )
    assert partial.text.lstrip().startswith('<section id="score"')

    token = csrf_of(page.text)
    missing = browser.post(f"/matches/{pair}/decide", data={"decision": "merged"})
    assert missing.status_code == 403
    assert _status(demo, pair) == ("open", None)

    done = browser.post(
        f"/matches/{pair}/decide",
        data={"decision": "merged", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/matches/{pair}"
    assert _status(demo, pair) == ("merged", "amal")
    decided = browser.get(f"/matches/{pair}")
    assert 'id="score-features"' in decided.text  # decided: the score may be seen
    assert 'id="decide-open"' in decided.text
    with demo.pipeline.engine.connect() as connection:
        events = connection.execute(
            sa.text(
                "SELECT action FROM audit_event WHERE target_type = 'match_review' "
                "AND target_id = :i AND actor = 'amal'"
            ),
            {"i": str(pair)},
        ).all()
    assert [e for (e,) in events] == ["match.merged"]

    undone = browser.post(
        f"/matches/{pair}/decide",
        data={"decision": "open", "csrf_token": token},
        follow_redirects=False,
    )
    assert undone.status_code == 303
    assert _status(demo, pair)[0] == "open"
    apart = browser.post(f"/matches/{pair}/decide", data={"decision": "apart", "csrf_token": token})
    assert apart.status_code == 200 and _status(demo, pair)[0] == "apart"


def test_a_steward_of_another_ministry_may_not_see_or_decide_a_pair(demo: DemoRun) -> None:
    (a, _pa, _na), (b, _pb, _nb) = _persons(demo, "moe_hr", 2)
    moe_pair = _pair(demo, a, b)
    [(c, _pc, _nc)] = _persons(demo, "moh_hr", 1)[:1]
    mixed = _pair(demo, c, a)
    amal = client(demo, "amal")
    token = csrf_of(amal.get("/matches").text)
    assert f'id="pair-{moe_pair}"' not in amal.get("/matches?status=").text
    assert amal.get(f"/matches/{moe_pair}").status_code == 403
    refused = amal.post(
        f"/matches/{moe_pair}/decide", data={"decision": "merged", "csrf_token": token}
    )
    assert refused.status_code == 403
    # a pair across MOH and MOE: amal sees it, but deciding needs both ministries
    seen = amal.get(f"/matches/{mixed}")
    assert seen.status_code == 200 and 'id="decide-merged"' not in seen.text
    assert 'id="decide-other"' in seen.text
    refused = amal.post(f"/matches/{mixed}/decide", data={"decision": "apart", "csrf_token": token})
    assert refused.status_code == 403
    assert _status(demo, moe_pair)[0] == "open" and _status(demo, mixed)[0] == "open"
    both = client(demo, "both")
    token = csrf_of(both.get("/matches").text)
    assert (
        both.post(
            f"/matches/{mixed}/decide", data={"decision": "apart", "csrf_token": token}
        ).status_code
        == 200
    )
    assert _status(demo, mixed) == ("apart", "both")
    # a finance officer has no match review at all
    assert client(demo, "fatima").get("/matches").status_code == 403
    # an auditor reads but may not decide
    aisha = client(demo, "aisha")
    assert aisha.get(f"/matches/{moe_pair}").status_code == 200
    token = csrf_of(aisha.get("/matches").text)
    assert (
        aisha.post(
            f"/matches/{moe_pair}/decide", data={"decision": "merged", "csrf_token": token}
        ).status_code
        == 403
    )


def test_bad_input_is_refused_in_one_line(demo: DemoRun) -> None:
    root = client(demo, "root")
    assert root.get("/matches/999999").status_code == 400
    assert root.get("/matches?status=bogus").status_code == 400
    assert root.get("/matches?kind=bogus").status_code == 400
    token = csrf_of(root.get("/matches").text)
    answer = root.post("/matches/1/decide", data={"decision": "maybe", "csrf_token": token})
    assert answer.status_code == 400
    answer = root.post("/matches/999999/decide", data={"decision": "open", "csrf_token": token})
    assert answer.status_code == 400 and "no review pair 999999" in answer.text


def test_a_merge_decided_on_the_page_applies_on_the_next_match(tmp_path: Path) -> None:
    run = web_demo(tmp_path, reconcile=False)
    (a, person_a, _na), (b, person_b, _nb) = _persons(run, "moh_hr", 2)
    assert person_a != person_b
    pair = _pair(run, a, b)
    browser = client(run, "amal")
    token = csrf_of(browser.get(f"/matches/{pair}").text)
    browser.post(f"/matches/{pair}/decide", data={"decision": "merged", "csrf_token": token})
    assert _status(run, pair)[0] == "merged"
    run.pipeline.match()
    assert _person_of(run, a) == _person_of(run, b)
