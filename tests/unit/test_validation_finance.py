"""Finance validation: journal lines and entries, opening balances, accounts and vendors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS
from validation import EntityValidator, ValidationContext

TODAY = date(2026, 6, 30)
D = Decimal


def _texts(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object)


def lines(*specs: tuple[str, str | None, str | None], start: int = 1) -> pd.DataFrame:
    """Journal lines in the mapped shape from (entry, debit, credit) triples."""
    n = len(specs)
    numbers = range(start, start + n)
    return pd.DataFrame(
        {
            "line_no": _texts([f"L{i:04d}" for i in numbers]),
            "entry_no": _texts([s[0] for s in specs]),
            "account_code": _texts(["5100" if i % 2 else "2100" for i in numbers]),
            "vendor_no": _texts([None] * n),
            "debit": _texts([None if s[1] is None else D(s[1]) for s in specs]),
            "credit": _texts([None if s[2] is None else D(s[2]) for s in specs]),
            "currency": _texts(["BHD"] * n),
            "description": _texts([f"دفعة مورد {i}" for i in numbers]),
            "cost_centre": _texts(["CC01"] * n),
            "entry_date": pd.Series(pd.to_datetime(["2026-05-10"] * n), dtype="datetime64[ns]"),
            "period": _texts(["2026-05"] * n),
            "reference": _texts([f"INV{i}" for i in numbers]),
            "_source_key": _texts([f"S{i:04d}" for i in numbers]),
            "_row_hash": _texts(["0" * 64] * n),
        }
    )


def context(**changes: Any) -> ValidationContext:
    settings: dict[str, Any] = {
        "reference_date": TODAY,
        "crosswalk": {"5100", "2100", "1100"},
        "open_periods": {"2026-04", "2026-05", "2026-06"},
        "entries": {"JE1", "JE2", "JE3"},
    }
    settings.update(changes)
    return ValidationContext(**settings)


def validate(
    entity: str, *chunks: pd.DataFrame, ctx: ValidationContext | None = None
) -> pd.DataFrame:
    validator = EntityValidator(entity, ctx or context())
    found = [validator.check_chunk(chunk) for chunk in chunks]
    found.append(validator.finish())
    return pd.concat(found, ignore_index=True)


def rows(issues: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in issues[ISSUE_COLUMNS].itertuples(index=False)]


def balanced() -> pd.DataFrame:
    return lines(
        ("JE1", "100.000", "0"), ("JE1", "0", "100.000"), ("JE2", "5.5", "0"), ("JE2", "0", "5.500")
    )


def test_clean_lines_pass_every_rule() -> None:
    issues = validate("journal_line", balanced())
    assert list(issues.columns) == ISSUE_COLUMNS
    assert issues.empty


# (column, new value, rule id, severity, value as text, message)
LINE_FAULTS = [
    (
        "account_code",
        "9999",
        "journal_line.account_code.in_crosswalk",
        "error",
        "9999",
        "account '9999' is not in this ministry's chart crosswalk",
    ),
    (
        "period",
        "2025-12",
        "journal_line.period.open",
        "error",
        "2025-12",
        "period '2025-12' is not an open posting period",
    ),
    (
        "entry_date",
        pd.Timestamp("2026-07-01"),
        "journal_line.entry_date.not_future",
        "error",
        "2026-07-01",
        "entry date 2026-07-01 is after today (2026-06-30)",
    ),
    (
        "currency",
        "bhd",
        "journal_line.currency.iso_code",
        "error",
        "bhd",
        "currency 'bhd' is not a three-letter ISO 4217 code",
    ),
    (
        "account_code",
        None,
        "journal_line.account_code.present",
        "error",
        None,
        "account is missing",
    ),
    (
        "description",
        "ط¯ظپط¹ط©",
        "journal_line.description.not_mojibake",
        "warning",
        "ط¯ظپط¹ط©",
        "description 'ط¯ظپط¹ط©' is garbled Arabic (UTF-8 read as Windows-1256); "
        "it should read 'دفعة'",
    ),
]


@pytest.mark.parametrize(
    ("column", "bad", "rule_id", "severity", "value", "message"),
    LINE_FAULTS,
    ids=[fault[2] for fault in LINE_FAULTS],
)
def test_line_rule_catches_its_fault(
    column: str, bad: Any, rule_id: str, severity: str, value: str | None, message: str
) -> None:
    frame = balanced()
    frame[column] = frame[column].astype(object)
    frame.at[1, column] = bad
    frame = frame.astype({"entry_date": "datetime64[ns]"})
    issues = validate("journal_line", frame)
    assert rows(issues) == [("S0002", rule_id, severity, column, value, message)]


def test_a_period_not_written_yyyy_mm_is_a_format_error() -> None:
    frame = balanced()
    frame.at[1, "period"] = "2026/05"
    issues = validate("journal_line", frame, ctx=context(open_periods=None))
    assert rows(issues) == [
        (
            "S0002",
            "journal_line.period.format",
            "error",
            "period",
            "2026/05",
            "period '2026/05' is not a month written YYYY-MM",
        )
    ]


def test_amount_faults_are_reported_and_unbalance_their_entry() -> None:
    frame = lines(
        ("JE1", "-100.000", "0"),
        ("JE1", "0", "-100.000"),
        ("JE2", "5.000", "5.000"),
        ("JE3", "1.0005", "0"),
        ("JE3", "0", "1.0005"),
    )
    issues = validate("journal_line", frame)
    assert rows(issues) == [
        (
            "S0001",
            "journal_line.debit.not_negative",
            "error",
            "debit",
            "-100.000",
            "debit -100.000 is negative",
        ),
        (
            "S0002",
            "journal_line.credit.not_negative",
            "error",
            "credit",
            "-100.000",
            "credit -100.000 is negative",
        ),
        (
            "S0003",
            "journal_line.debit.one_sided",
            "error",
            "debit",
            "5.000",
            "the line has both a debit (5.000) and a credit (5.000); it must be one or the other",
        ),
        (
            "S0004",
            "journal_line.debit.max_three_decimals",
            "error",
            "debit",
            "1.0005",
            "debit 1.0005 has more than 3 decimals (BHD is kept to the fils)",
        ),
        (
            "S0005",
            "journal_line.credit.max_three_decimals",
            "error",
            "credit",
            "1.0005",
            "credit 1.0005 has more than 3 decimals (BHD is kept to the fils)",
        ),
    ]


def test_an_entry_split_across_chunks_is_balanced_at_the_end() -> None:
    first = lines(("JE1", "100.000", "0"), ("JE2", "70.250", "0"))
    second = lines(("JE1", "0", "60.000"), ("JE2", "0", "70.250"), ("JE1", "0", "40.000"), start=3)
    assert validate("journal_line", first, second).empty


def test_an_unbalanced_entry_is_an_issue_on_the_entry_once_all_chunks_are_in() -> None:
    first = lines(("JE1", "100.000", "0"), ("JE2", "70.250", "0"))
    second = lines(("JE1", "0", "99.999"), ("JE2", "0", "70.250"), start=3)
    validator = EntityValidator("journal_line", context())
    assert validator.check_chunk(first).empty
    assert validator.check_chunk(second).empty
    issues = validator.finish()
    assert rows(issues) == [
        (
            "JE1",
            "journal_entry.lines.balanced",
            "error",
            None,
            "0.001",
            "journal entry 'JE1' is out of balance: debits 100.000, credits 99.999 "
            "(difference 0.001)",
        )
    ]
    assert issues.at[0, "rule_id"].split(".")[0] == "journal_entry"


def test_an_unbalanced_entry_counts_the_parts_that_balance_within_a_chunk() -> None:
    # JE1 balances within the first chunk and the third, not in the second: its totals in the
    # message include every part. JE2 is out of balance in each chunk but balances overall.
    first = lines(("JE1", "100.000", "0"), ("JE1", "0", "100.000"), ("JE2", "5.000", "0"))
    second = lines(("JE1", "50.000", "0"), ("JE2", "0", "5.000"), start=4)
    third = lines(("JE1", "7.000", "0"), ("JE1", "0", "7.000"), start=6)
    issues = validate("journal_line", first, second, third)
    assert rows(issues) == [
        (
            "JE1",
            "journal_entry.lines.balanced",
            "error",
            None,
            "50.000",
            "journal entry 'JE1' is out of balance: debits 157.000, credits 107.000 "
            "(difference 50.000)",
        )
    ]


def test_an_entry_balanced_in_fils_with_a_finer_line_elsewhere_counts_every_part() -> None:
    first = lines(("JE1", "10.000", "0"), ("JE1", "0", "10.000"))
    second = lines(("JE1", "0.0004", "0"), start=3)
    balance = validate("journal_line", first, second)
    balance = balance[balance["rule_id"] == "journal_entry.lines.balanced"]
    expected = "journal entry 'JE1' is out of balance: debits 10.0004, credits 10.000"
    assert balance["message"].tolist() == [f"{expected} (difference 0.0004)"]


def test_balance_is_exact_even_for_amounts_finer_than_fils() -> None:
    first = lines(("JE1", "0.0004", "0"), ("JE2", "0.0004", "0"))
    second = lines(("JE1", "0.0006", "0.001"), ("JE2", "0", "0.0005"), start=3)
    issues = validate("journal_line", first, second)
    balance = issues[issues["rule_id"] == "journal_entry.lines.balanced"]
    assert rows(balance) == [
        (
            "JE2",
            "journal_entry.lines.balanced",
            "error",
            None,
            "-0.0001",
            "journal entry 'JE2' is out of balance: debits 0.0004, credits 0.0005 "
            "(difference -0.0001)",
        )
    ]


def test_an_entry_with_a_missing_amount_is_not_judged_only_the_line_is_reported() -> None:
    first = lines(("JE1", "10", "0"), ("JE2", "10", "0"))
    second = lines(("JE1", None, "7"), ("JE2", "0", "9"), start=3)
    issues = validate("journal_line", first, second)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["S0003", "journal_line.debit.present"],
        ["JE2", "journal_entry.lines.balanced"],
    ]


def test_lines_need_an_entry_header_only_when_the_source_has_headers() -> None:
    frame = lines(("JE9", "1", "0"), ("JE9", "0", "1"))
    issues = validate("journal_line", frame)
    assert issues[["_source_key", "rule_id", "message"]].values.tolist() == [
        [
            "S0001",
            "journal_line.entry_no.exists",
            "journal entry 'JE9' has no header in this source",
        ],
        [
            "S0002",
            "journal_line.entry_no.exists",
            "journal entry 'JE9' has no header in this source",
        ],
    ]
    assert validate("journal_line", frame, ctx=context(entries=None)).empty


def test_crosswalk_and_periods_are_not_checked_when_unknown_but_an_empty_list_is_a_list() -> None:
    frame = balanced()
    assert validate("journal_line", frame, ctx=context(crosswalk=None, open_periods=None)).empty
    issues = validate("journal_line", frame, ctx=context(open_periods=set()))
    assert set(issues["rule_id"]) == {"journal_line.period.open"}
    assert len(issues) == 4


def test_duplicate_line_numbers_across_chunks() -> None:
    first = balanced()
    second = lines(("JE3", "1", "0"), ("JE3", "0", "1"), start=1)
    second["_source_key"] = _texts(["S0000", "T0002"])
    issues = validate("journal_line", first, second)
    assert issues[["_source_key", "rule_id", "value", "message"]].values.tolist() == [
        [
            "S0001",
            "journal_line.line_no.unique",
            "L0001",
            "line number 'L0001' is used by another record too; "
            "record 'S0000' is kept as the original",
        ],
        [
            "T0002",
            "journal_line.line_no.unique",
            "L0002",
            "line number 'L0002' is used by another record too; "
            "record 'S0002' is kept as the original",
        ],
    ]


def test_a_line_repeated_under_another_number_is_flagged_as_a_likely_duplicate() -> None:
    frame = pd.concat([balanced(), balanced().iloc[[0, 1]]], ignore_index=True)
    frame["line_no"] = _texts(["L1", "L2", "L3", "L4", "L5", "L6"])
    frame["_source_key"] = _texts(["S1", "S2", "S3", "S4", "S0", "S5"])
    issues = validate("journal_line", frame)
    assert issues[["_source_key", "rule_id", "severity", "value"]].values.tolist() == [
        ["S1", "journal_line.record.unique", "warning", "S0"],
        ["S5", "journal_line.record.unique", "warning", "S2"],
    ]
    assert set(issues["rule_id"]) == {"journal_line.record.unique"}


# --- journal entries, opening balances, accounts, vendors ------------------------------------


def _frame(entity: str, **columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    data: dict[str, Any] = {}
    for name, spec in ENTITIES[entity].fields.items():
        values = columns.get(name, [None] * n)
        if spec.type == "date":
            data[name] = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        elif spec.type == "int":
            data[name] = pd.array(values, dtype="Int64")
        else:
            data[name] = _texts(values)
    data["_source_key"] = _texts([f"K{i + 1}" for i in range(n)])
    data["_row_hash"] = _texts(["0" * 64] * n)
    return pd.DataFrame(data)


def test_journal_entries_post_to_open_periods_and_not_in_the_future() -> None:
    frame = _frame(
        "journal_entry",
        entry_no=["JE1", "JE2", "JE3"],
        entry_date=["2026-05-01", "2026-12-01", "2026-03-01"],
        period=["2026-05", "2026-12", "2026-03"],
    )
    issues = validate("journal_entry", frame)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["K2", "journal_entry.entry_date.not_future"],
        ["K2", "journal_entry.period.open"],
        ["K3", "journal_entry.period.open"],
    ]
    assert issues.at[0, "message"] == "entry date 2026-12-01 is after today (2026-06-30)"


def test_opening_balances() -> None:
    frame = _frame(
        "opening_balance",
        account_code=["1100", "7777", "2100", "1100"],
        fiscal_year=[2026, 2026, 1850, 2026],
        debit=[D("10.000"), D("0"), D("0"), D("10.000")],
        credit=[D("0"), D("3.000"), D("-1"), D("0")],
    )
    issues = validate("opening_balance", frame)
    assert issues[["_source_key", "rule_id", "value"]].values.tolist() == [
        ["K2", "opening_balance.account_code.in_crosswalk", "7777"],
        ["K3", "opening_balance.fiscal_year.plausible", "1850"],
        ["K3", "opening_balance.credit.not_negative", "-1"],
        ["K4", "opening_balance.key.unique", "1100 / 2026"],
    ]
    assert issues.at[2, "message"] == "credit -1 is negative"
    assert issues.at[1, "message"] == "fiscal year 1850 is before 1900 or after next year"


def test_vendor_ibans_may_be_foreign_but_must_be_valid() -> None:
    frame = _frame(
        "vendor",
        vendor_no=["V1", "V2", "V3"],
        name_en=["Gulf Supplies", "Acme Ltd", "Bad Bank"],
        iban=["BH67BMAG00001299123456", "GB82 WEST 1234 5698 7654 32", "GB83WEST12345698765432"],
    )
    issues = validate("vendor", frame)
    assert rows(issues) == [
        (
            "K3",
            "vendor.iban.valid",
            "error",
            "iban",
            "GB83WEST12345698765432",
            "IBAN 'GB83WEST12345698765432' fails the ISO 13616 mod-97 check "
            "(a digit is wrong or two are swapped)",
        )
    ]


def test_account_names_are_readable() -> None:
    frame = _frame("account", code=["1100", "1200"], name_ar=["النقد", "ط§ظ„ظ†ظ‚ط¯"])
    issues = validate("account", frame)
    assert issues[["_source_key", "rule_id", "value"]].values.tolist() == [
        ["K2", "account.name_ar.not_mojibake", "ط§ظ„ظ†ظ‚ط¯"]
    ]


def test_entries_with_only_a_date_and_a_period_are_not_content_duplicates() -> None:
    frame = _frame(
        "journal_entry",
        entry_no=["JE1", "JE2", "JE3", "JE4"],
        entry_date=["2026-05-01"] * 4,
        period=["2026-05"] * 4,
        reference=[None, None, "INV-7", "INV-7"],
    )
    issues = validate("journal_entry", frame)
    assert issues[["_source_key", "rule_id", "value"]].values.tolist() == [
        ["K4", "journal_entry.record.unique", "K3"]
    ]
