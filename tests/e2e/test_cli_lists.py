"""Issue 17 §3: every list command says when it is cut (a line on stderr, and ``total``,
``offset``, ``limit`` and ``truncated`` in its JSON) and pages with --limit and --offset; the
tables read as a person reads them; a reader that goes away ends the command quietly. Through
the real ``consolidate``, over a demo store the pipeline ran into."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.web_support import CONSOLIDATE, WebStore, build_web_store

pytestmark = pytest.mark.e2e

LISTS = [
    # (command, the key of its rows in --json, the noun on stderr)
    (("issues", "list"), "issues", "issues"),
    (("batches",), "batches", "batches"),
    (("review", "list"), "pairs", "pairs"),
    (("users", "list"), "users", "users"),
    (("sources", "list"), "sources", "sources"),
]
IDS = [" ".join(command) for command, _key, _noun in LISTS]
FILS = Decimal("0.001")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    return build_web_store(tmp_path_factory.mktemp("lists"), reconcile=False)


def cli(store: WebStore, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CONSOLIDATE, *args],
        env=store.env(),
        cwd=store.directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def listed(store: WebStore, *args: str) -> dict[str, Any]:
    result = cli(store, *args, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize(("command", "key", "noun"), LISTS, ids=IDS)
def test_a_cut_list_says_so_on_stderr_and_in_its_json(
    store: WebStore, command: tuple[str, ...], key: str, noun: str
) -> None:
    every = cli(store, *command, "--limit", "0", "--json")
    assert every.returncode == 0, every.stderr
    assert "showing" not in every.stderr  # a whole list says nothing
    whole = json.loads(every.stdout)
    total = whole["total"]
    assert total >= 3, f"the demo store has too few {noun} to page"
    assert len(whole[key]) == total
    assert (whole["offset"], whole["limit"], whole["truncated"]) == (0, None, False)

    first = cli(store, *command, "--limit", "2", "--json")
    assert first.returncode == 0, first.stderr
    page = json.loads(first.stdout)
    assert (page["total"], page["offset"], page["limit"], page["truncated"]) == (total, 0, 2, True)
    assert page[key] == whole[key][:2]
    assert f"showing 1–2 of {total:,} {noun}; use --offset 2 for more" in first.stderr

    table = cli(store, *command, "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert f"showing 1–2 of {total:,} {noun}; use --offset 2 for more" in table.stderr

    last = cli(store, *command, "--offset", str(total - 1), "--json")
    page = json.loads(last.stdout)
    assert (page["offset"], page["truncated"], page[key]) == (total - 1, False, whole[key][-1:])
    assert f"showing {total:,}–{total:,} of {total:,} {noun}" in last.stderr
    assert "--offset" not in last.stderr.replace(f"of {total:,} {noun}", "")

    past = cli(store, *command, "--offset", str(total + 5), "--json")
    assert json.loads(past.stdout)[key] == []
    assert "past the end" in past.stderr


def test_pages_of_issues_add_up_to_the_whole_list_without_repeats(store: WebStore) -> None:
    whole = listed(store, "issues", "list", "--limit", "0")["issues"]
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = listed(store, "issues", "list", "--limit", "40", "--offset", str(offset))
        pages += page["issues"]
        offset += 40
        if not page["truncated"]:
            break
    assert [i["id"] for i in pages] == [i["id"] for i in whole]
    assert len({i["id"] for i in pages}) == len(whole)


def test_issues_list_defaults_to_200_and_says_so(store: WebStore) -> None:
    page = listed(store, "issues", "list")
    assert page["limit"] == 200
    assert len(page["issues"]) == min(200, page["total"])
    assert page["truncated"] == (page["total"] > 200)


def test_issues_list_shows_whole_rule_ids_and_one_line_per_issue(store: WebStore) -> None:
    issues = listed(store, "issues", "list", "--limit", "0")["issues"]
    result = cli(store, "issues", "list", "--limit", "0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if re.match(r"^\s*\d+\s{2}", line)]
    assert len(rows) == len(issues)  # no message wraps onto a second line
    for issue, row in zip(issues, rows, strict=True):
        assert row.split()[0] == str(issue["id"])
        assert f" {issue['rule_id']} " in row, row
    long_messages = [i for i in issues if len(i["message"]) > 80]
    assert long_messages, "the demo has no message long enough to be cut"
    assert any("…" in row for row in rows)


def test_batches_print_amounts_at_fils_with_separators(store: WebStore) -> None:
    batches = listed(store, "batches")["batches"]
    table = cli(store, "batches").stdout
    raw = [
        Decimal(b[f"control_{r}_amount"]) for b in batches for r in ("debit", "credit", "salary")
    ]
    shown = [f"{amount.quantize(FILS, ROUND_HALF_UP):,.3f}" for amount in raw if amount]
    assert any("," in text for text in shown)
    for text in shown:
        assert text in table, text
    for amount in raw:  # the exact text, 4 decimals and no separators, is in --json only
        if amount != amount.quantize(FILS):
            assert str(amount) not in table
            assert "≈" in table and "rounded to the fils" in table
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", table)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", table)  # to the second


def test_batches_show_reads_as_labels_without_none_or_microseconds(store: WebStore) -> None:
    [batch] = [b for b in listed(store, "batches")["batches"] if b["source"] == "mof_gl"]
    shown = cli(store, "batches", "show", str(batch["id"]))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    for label in ("Source", "Status", "Started", "Finished", "Rows extracted", "Debit total"):
        assert re.search(rf"^{label}\s", text, re.MULTILINE), label
    assert "None" not in text
    assert "control_" not in text and "rows_extracted" not in text
    assert re.search(r"^Message\s+—", text, re.MULTILINE)
    assert re.search(r"^Started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s*$", text, re.MULTILINE)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text)
    debit = Decimal(batch["control_debit_amount"]).quantize(FILS, ROUND_HALF_UP)
    assert f"{debit:,.3f} BHD" in text
    as_json = json.loads(cli(store, "batches", "show", str(batch["id"]), "--json").stdout)
    assert as_json["control_debit_amount"] == batch["control_debit_amount"]  # exact, unchanged


def _quarantined_issue(store: WebStore) -> dict[str, Any]:
    issues = listed(store, "issues", "list", "--rule", "employee.iban.valid", "--limit", "1")
    return dict(issues["issues"][0])


def test_quarantine_show_is_readable_and_json_for_scripts(store: WebStore) -> None:
    issue = _quarantined_issue(store)
    record = (issue["source"], issue["entity"], issue["source_key"])
    shown = cli(store, "quarantine", "show", *record)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert not text.lstrip().startswith("{")
    assert "_row_hash" not in text
    assert re.search(r"^\s*iban\s+BH", text, re.MULTILINE)  # a field and its value, one row
    assert re.search(r"^\s*national_id\s+\S", text, re.MULTILINE)
    assert "employee.iban.valid" in text and str(issue["id"]) in text

    as_json = cli(store, "quarantine", "show", *record, "--json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert "_row_hash" not in as_json.stdout
    assert document["source_key"] == issue["source_key"]
    assert document["data"]["iban"] == issue["value"]
    assert [i["id"] for i in document["issues"] if i["rule_id"] == "employee.iban.valid"] == [
        issue["id"]
    ]


@pytest.mark.parametrize(
    "command",
    [
        ("issues", "list", "--json", "--limit", "0"),
        ("issues", "list", "--limit", "0"),
        ("batches", "--json"),
        ("batches", "show", "1"),
        ("users", "list"),
    ],
    ids=" ".join,
)
def test_a_reader_gone_ends_the_command_quietly(store: WebStore, command: tuple[str, ...]) -> None:
    """As ``consolidate … | head`` does when head has read what it wanted and left: the pipe's
    reading end is closed before the command writes, so its every write meets a broken pipe."""
    process = subprocess.Popen(
        [CONSOLIDATE, *command],
        env=store.env(),
        cwd=store.directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "Exception" not in stderr
    assert "error" not in stderr.lower(), stderr


def test_a_pipe_into_head_exits_0(store: WebStore) -> None:
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {CONSOLIDATE} issues list --json --limit 0 | head -3"],
        env=store.env(),
        cwd=store.directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{", '  "issues": [', "    {"]
    assert "Traceback" not in result.stderr and "Broken" not in result.stderr


def test_the_quarantine_workbook_of_the_demo(store: WebStore, tmp_path: Path) -> None:
    """Short sheet names with an index mapping each to its rule, one header name per column
    (an employee's own ``status`` apart from the issue's), and every sheet, a warning rule's
    too, carrying its records' fields."""
    issues = listed(store, "issues", "list", "--status", "open", "--limit", "0")["issues"]
    out = tmp_path / "quarantine.xlsx"
    exported = cli(store, "issues", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    names = book.sheetnames
    assert names[0] == "Index" and all(len(name) <= 31 for name in names)
    assert len({name.lower() for name in names}) == len(names)
    index = list(book["Index"].iter_rows(values_only=True))
    sheets = {row[1]: row for row in index[1:]}
    assert set(sheets) == {i["rule_id"] for i in issues}
    warnings = {i["rule_id"] for i in issues if i["severity"] == "warning"}
    assert warnings, "the demo has no warning rule"
    for rule, (sheet, _rule, entity, severity, count, _records, _sources) in sheets.items():
        rows = list(book[sheet].iter_rows(values_only=True))
        header = rows[0]
        assert len(set(header)) == len(header), (sheet, header)
        assert count == len(rows) - 1 == sum(1 for i in issues if i["rule_id"] == rule)
        first_field = header.index("issue status") + 1
        for row in rows[1:]:
            assert any(cell not in (None, "") for cell in row[first_field:]), (rule, row[:5])
        if entity == "employee":
            assert "status" in header and "issue status" in header
        if rule in warnings:
            assert severity == "warning"
            record_status = [row[header.index("status")] for row in rows[1:]]
            assert all(record_status), "a warning's records carry their own fields"
