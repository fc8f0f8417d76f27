"""MYS's small 2025 journal, as its Excel export holds it: codes and amounts as text, a few lines
with faults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from consolidation.demo.charts import MYS_CHART, SourceAccount, unmapped
from consolidation.demo.faults import (
    ACCOUNT_NOT_IN_CROSSWALK,
    AMOUNT_NOT_NUMERIC,
    FaultRates,
    fault_count,
    not_numeric_amount,
)
from consolidation.demo.mof_ledger import FISCAL_YEAR
from consolidation.demo.seeding import stream
from consolidation.demo.truth import Fault
from consolidation.demo.vendors import VendorRecord


@dataclass(frozen=True)
class MysJournal:
    lines: list[list[object]]
    faults: list[Fault]


_MYS_KINDS = (
    (("0503", "0504", "0505", "0506", "0507", "0508", "0509", "0510"), ("0201", "0101"), 300),
    (("0501", "0502"), ("0101",), 9_000),
    (("0401", "0402"), ("0101",), 1_200),
)


def mys_line_count(journal_lines: int) -> int:
    return max(20, min(journal_lines // 20, 2_000))


def mys_journal(
    seed: int, lines: int, rates: FaultRates, vendors: list[VendorRecord]
) -> MysJournal:
    """MYS's 2025 journal as its Excel export holds it: codes and amounts as text."""
    rng = stream(seed, "mys_fin", "journal")
    sizes: list[int] = []
    while sum(sizes) < lines:
        sizes.append(rng.randint(2, 4))
    sizes[-1] -= sum(sizes) - lines
    if sizes[-1] < 2:
        last = sizes.pop()
        sizes[-1] += last
    days = sorted(rng.randrange(365) for _ in sizes)
    rows: list[list[object]] = []
    for number, (size, day) in enumerate(zip(sizes, days, strict=True), start=1):
        many, single, median = rng.choices(_MYS_KINDS, weights=(6, 1, 2))[0]
        income = many[0].startswith("04")
        balancing = rng.choice(single)
        vendor = rng.choice(vendors).key if balancing == "0201" else None
        amounts = [
            max(1_000, round(rng.lognormvariate(0, 0.8) * median * 1000)) for _ in range(size - 1)
        ]
        accounts = [rng.choice(many) for _ in amounts]
        entry_date = date(FISCAL_YEAR, 1, 1) + timedelta(days=day)
        entry = f"JV-25-{number:04d}"
        posts: list[tuple[str, int, bool, str | None]] = [
            (code, amount, not income, None) for code, amount in zip(accounts, amounts, strict=True)
        ]
        posts.append((balancing, sum(amounts), income, vendor))
        for code, fils, is_debit, supplier in posts:
            rows.append(
                [
                    f"{len(rows) + 1:05d}",
                    entry,
                    entry_date,
                    code,
                    supplier,
                    _mys_description(code, entry_date),
                    _fils3(fils) if is_debit else "0.000",
                    "0.000" if is_debit else _fils3(fils),
                ]
            )
    faults: list[Fault] = []
    wanted = [
        (AMOUNT_NOT_NUMERIC, fault_count(rates.amount_not_numeric, len(rows))),
        (ACCOUNT_NOT_IN_CROSSWALK, fault_count(rates.account_not_in_crosswalk, len(rows))),
    ]
    chosen = iter(rng.sample(range(len(rows)), min(len(rows), sum(n for _, n in wanted))))
    for fault, count in wanted:
        for index in itertools.islice(chosen, count):
            row = rows[index]
            if fault == AMOUNT_NOT_NUMERIC:
                column = 6 if row[6] != "0.000" else 7
                row[column] = not_numeric_amount(rng, str(row[column]))
                field = "debit" if column == 6 else "credit"
            else:
                row[3] = rng.choice(unmapped(MYS_CHART)).code
                field = "account_code"
            faults.append(Fault("mys_fin", "journal_line", str(row[0]), fault, field))
    return MysJournal(lines=rows, faults=faults)


def _fils3(fils: int) -> str:
    return f"{fils // 1000}.{fils % 1000:03d}"


def _mys_description(code: str, day: date) -> str:
    account: SourceAccount = next(item for item in MYS_CHART if item.code == code)
    return f"{account.name_ar} - {day:%m/%Y}"
