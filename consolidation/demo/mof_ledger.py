"""MOF's general ledger: the fiscal 2025 journal, streamed in chunks, and its opening balances.

MOF amounts are kept as integers in ten-thousandths of a dinar (its columns are NUMERIC(18,4)),
drawn with numpy a chunk at a time, so millions of lines take flat memory. Every entry has one
line on one side and one or more lines on the other, whose sum it carries, so a clean entry
balances exactly.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from consolidation.demo.charts import MOF_CHART, unmapped
from consolidation.demo.faults import (
    ACCOUNT_NOT_IN_CROSSWALK,
    AMOUNT_4_DECIMALS,
    UNBALANCED_ENTRY,
    FaultRates,
    fault_count,
)
from consolidation.demo.seeding import stream
from consolidation.demo.truth import Fault
from consolidation.demo.vendors import VendorRecord

CHUNK_LINES = 50_000
FISCAL_YEAR = 2025
UNITS = 10_000
"""MOF amounts in units of 0.0001 BHD."""

IntArray = npt.NDArray[np.int64]

_MOF = "mof_gl"
_STREAM = zlib.crc32(_MOF.encode())
_CLEAN, _UNBALANCED, _FOUR_DECIMALS, _UNMAPPED = 0, 1, 2, 3


@dataclass(frozen=True)
class _EntryKind:
    """A kind of entry: where its many lines and its single balancing line post."""

    name_en: str
    name_ar: str
    share: float
    single_is_debit: bool
    many: tuple[str, ...]
    single: tuple[str, ...]
    median_bhd: float
    narrations: tuple[str, str, str]


_KINDS = (
    _EntryKind(
        "Supplier invoices",
        "فواتير موردين",
        0.35,
        False,
        (
            "5201001",
            "5201002",
            "5201003",
            "5202001",
            "5202002",
            "5202003",
            "5203003",
            "5203004",
            "5203005",
            "5301001",
            "5301002",
            "5301003",
            "1401002",
            "1401004",
        ),
        ("2101001",),
        800.0,
        ("Supplier invoice", "فاتورة مورد", "Purchase of goods and services"),
    ),
    _EntryKind(
        "Payment to suppliers",
        "سداد مستحقات الموردين",
        0.25,
        False,
        ("2101001", "2101001", "2101001", "2101002"),
        ("1101001", "1101002", "1101003"),
        2_000.0,
        ("Payment to supplier", "سداد مستحقات مورد", "Bank transfer to supplier"),
    ),
    _EntryKind(
        "Payroll",
        "الرواتب",
        0.10,
        False,
        ("5101001", "5101002", "5101003", "5101004", "5101005", "5102001", "5102002"),
        ("1101003", "2201002"),
        40_000.0,
        ("Monthly payroll", "رواتب الموظفين", "Payroll allowances"),
    ),
    _EntryKind(
        "Revenue collection",
        "تحصيل الإيرادات",
        0.15,
        True,
        ("4101001", "4101002", "4201001", "4201002", "4201003"),
        ("1101001", "1101002", "1101003"),
        5_000.0,
        ("Revenue collection", "تحصيل إيرادات", "Fees collected"),
    ),
    _EntryKind(
        "Accruals and other",
        "الاستحقاقات وقيود أخرى",
        0.15,
        False,
        (
            "5203001",
            "5203002",
            "5401001",
            "5401002",
            "1201001",
            "1201002",
            "1202001",
            "1301001",
            "1401001",
            "1401003",
        ),
        ("2201001", "2102001", "1102001"),
        500.0,
        ("Month-end accrual", "قيد استحقاق", "Petty cash replenishment"),
    ),
)
_COST_CENTRES = tuple(f"CC{code}" for code in (100, 110, 120, 130, 200, 210, 220, 300, 310, 400))
_PAYABLES = ("2101001", "2101002")


@dataclass(frozen=True)
class LedgerChunk:
    headers: Sequence[tuple[object, ...]]
    lines: Sequence[tuple[object, ...]]
    debit_units: int
    credit_units: int
    faults: list[Fault]


class MofLedger:
    """MOF's journal for fiscal 2025: entries of 2-6 lines, ``journal_lines`` lines in all.

    Which entries carry a fault is drawn up front (one small array per entry); the lines are
    drawn per chunk from a generator seeded by the chunk's number, so the data do not depend on
    where it is written.
    """

    def __init__(
        self, *, seed: int, journal_lines: int, rates: FaultRates, suppliers: list[VendorRecord]
    ) -> None:
        if journal_lines < 2:
            raise ValueError(f"journal_lines must be at least 2, got {journal_lines}")
        self.seed = seed
        self.journal_lines = journal_lines
        rng = np.random.default_rng([seed, _STREAM, 0])
        self.sizes = _entry_sizes(rng, journal_lines)
        entries = len(self.sizes)
        self.entries = entries
        self.days = _posting_days(rng, entries)
        shares = np.array([kind.share for kind in _KINDS])
        self.kinds = rng.choice(len(_KINDS), size=entries, p=shares / shares.sum()).astype(np.int8)
        self.suppliers = rng.integers(0, len(suppliers), size=entries).astype(np.int32)
        self.modes = np.zeros(entries, dtype=np.int8)
        wanted = [
            (_UNBALANCED, fault_count(rates.unbalanced_entry, entries)),
            (_FOUR_DECIMALS, -(-fault_count(rates.amount_4_decimals, journal_lines) // 2)),
            (_UNMAPPED, fault_count(rates.account_not_in_crosswalk, journal_lines)),
        ]
        picked = rng.choice(entries, size=min(entries, sum(n for _, n in wanted)), replace=False)
        start = 0
        for mode, count in wanted:
            self.modes[picked[start : start + count]] = mode
            start += count
        self.supplier_ids = np.array([int(record.key) for record in suppliers], dtype=np.int64)

        codes = [account.code for account in MOF_CHART]
        self.codes = np.array(codes)
        index = {code: i for i, code in enumerate(codes)}
        self.pools = [
            (np.array([index[c] for c in kind.many]), np.array([index[c] for c in kind.single]))
            for kind in _KINDS
        ]
        self.unmapped = np.array([index[account.code] for account in unmapped(MOF_CHART)])
        self.payable = np.zeros(len(codes), dtype=bool)
        self.payable[[index[code] for code in _PAYABLES]] = True
        self.single_is_debit = np.array([kind.single_is_debit for kind in _KINDS])
        self.log_median = np.log(np.array([kind.median_bhd * UNITS for kind in _KINDS]))
        self.narrations = np.array([text for kind in _KINDS for text in kind.narrations])
        starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1]))
        bounds = np.searchsorted(starts, np.arange(0, journal_lines, CHUNK_LINES))
        self.bounds = list(dict.fromkeys([*bounds.tolist(), entries]))
        self.line_starts = starts

    def chunks(self) -> Iterator[LedgerChunk]:
        for number in range(len(self.bounds) - 1):
            yield self._chunk(number, self.bounds[number], self.bounds[number + 1])

    def _chunk(self, number: int, first: int, stop: int) -> LedgerChunk:
        rng = np.random.default_rng([self.seed, _STREAM, 1, number])
        sizes = self.sizes[first:stop]
        entries = stop - first
        total = int(sizes.sum())
        entry = np.repeat(np.arange(entries), sizes)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        ends = starts + sizes - 1
        last = np.zeros(total, dtype=bool)
        last[ends] = True
        kinds = self.kinds[first:stop]
        line_kind = kinds[entry]
        is_debit = np.where(last, self.single_is_debit[line_kind], ~self.single_is_debit[line_kind])

        accounts = np.empty(total, dtype=np.int64)
        for k, (many, single) in enumerate(self.pools):
            for pool, side in ((many, False), (single, True)):
                mask = (line_kind == k) & (last == side)
                accounts[mask] = rng.choice(pool, size=int(mask.sum()))

        sigma = 1.0
        drawn = np.exp(rng.normal(self.log_median[line_kind], sigma))
        amounts: IntArray = (np.clip(np.rint(drawn / 10), 100, 500_000_000) * 10).astype(np.int64)
        amounts[last] = 0
        amounts[ends] = np.add.reduceat(amounts, starts)

        modes = self.modes[first:stop]
        faults: list[Fault] = []
        ids = first + 1 + np.arange(entries)
        line_base = int(self.line_starts[first]) + 1
        unbalanced = np.flatnonzero(modes == _UNBALANCED)
        amounts[starts[unbalanced]] += rng.integers(1, 5_001, size=len(unbalanced)) * 10
        faults += [
            Fault(_MOF, "journal_entry", str(je), UNBALANCED_ENTRY, None)
            for je in ids[unbalanced].tolist()
        ]
        four = np.flatnonzero(modes == _FOUR_DECIMALS)
        extra = rng.integers(1, 10, size=len(four))
        amounts[starts[four]] += extra
        amounts[ends[four]] += extra
        for line in np.sort(np.concatenate((starts[four], ends[four]))).tolist():
            column = "dr_amt" if is_debit[line] else "cr_amt"
            faults.append(
                Fault(_MOF, "journal_line", str(line_base + line), AMOUNT_4_DECIMALS, column)
            )
        moved = np.flatnonzero(modes == _UNMAPPED)
        accounts[starts[moved]] = rng.choice(self.unmapped, size=len(moved))
        faults += [
            Fault(_MOF, "journal_line", str(line_base + line), ACCOUNT_NOT_IN_CROSSWALK, "acct_no")
            for line in starts[moved].tolist()
        ]

        debit = np.where(is_debit, amounts, 0)
        credit = np.where(is_debit, 0, amounts)
        supplier_of_line = self.supplier_ids[self.suppliers[first:stop]][entry]
        suppliers = np.where(self.payable[accounts], supplier_of_line, 0)

        days = self.days[first:stop]
        entry_dates = np.datetime64(f"{FISCAL_YEAR}-01-01") + days.astype("timedelta64[D]")
        posted = (
            entry_dates.astype("datetime64[s]")
            + rng.integers(0, 4, size=entries).astype("timedelta64[D]")
            + rng.integers(7 * 3600, 15 * 3600, size=entries).astype("timedelta64[s]")
        )[entry] + (np.arange(total) % 60).astype("timedelta64[s]")
        posted_text = np.datetime_as_string(posted, unit="s")
        date_text = np.datetime_as_string(entry_dates, unit="D").tolist()

        narration = self.narrations[line_kind.astype(np.int64) * 3 + rng.integers(0, 3, size=total)]
        centres = rng.integers(0, len(_COST_CENTRES), size=total)
        lines = list(
            zip(
                range(line_base, line_base + total),
                ids[entry].tolist(),
                self.codes[accounts].tolist(),
                [supplier or None for supplier in suppliers.tolist()],
                _amount_texts(debit),
                _amount_texts(credit),
                ["BHD"] * total,
                narration.tolist(),
                [_COST_CENTRES[c] for c in centres.tolist()],
                [text.replace("T", " ") for text in posted_text.tolist()],
                strict=True,
            )
        )
        headers = [
            (je, day, day[:7], f"JV-{FISCAL_YEAR}-{je:07d}", _description(kind, day))
            for je, day, kind in zip(ids.tolist(), date_text, kinds.tolist(), strict=True)
        ]
        return LedgerChunk(
            headers=headers,
            lines=lines,
            debit_units=int(debit.sum()),
            credit_units=int(credit.sum()),
            faults=faults,
        )


def _entry_sizes(rng: np.random.Generator, lines: int) -> IntArray:
    """Entry sizes of 2 to 6 lines that add up to exactly ``lines``."""
    sizes = rng.integers(2, 7, size=lines // 2 + 1).astype(np.int64)
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, lines)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(ends[count - 1]) - lines
    if sizes[-1] == 1 and sizes[-2] < 6:
        sizes[-2] += 1
        sizes = sizes[:-1]
    elif sizes[-1] == 1:
        sizes[-2:] = (4, 3)
    return sizes


def _posting_days(rng: np.random.Generator, entries: int) -> IntArray:
    """Sorted day offsets into the fiscal year, moving Friday and Saturday to working days."""
    days = rng.integers(0, 365, size=entries).astype(np.int64)
    weekday = (days + date(FISCAL_YEAR, 1, 1).weekday()) % 7
    days = np.where(weekday == 4, days - 1, days)
    days = np.where(weekday == 5, days + 1, days)
    days = np.clip(days, 0, 364)
    days.sort()
    return days


def _amount_texts(units: IntArray) -> list[str]:
    whole, part = np.divmod(units, UNITS)
    return [f"{w}.{p:04d}" for w, p in zip(whole.tolist(), part.tolist(), strict=True)]


def _description(kind: int, day: str) -> str:
    entry_kind = _KINDS[kind]
    return f"{entry_kind.name_en} {day[:7]} - {entry_kind.name_ar}"


def opening_balances(seed: int) -> list[tuple[str, int, str, str]]:
    """Balances brought forward into 2025 on mapped balance-sheet accounts; they balance."""
    rng = stream(seed, _MOF, "opening")
    rows: list[tuple[str, int, int, int]] = []
    for account in MOF_CHART:
        if not account.postable or not account.mapped or account.kind not in ("ASSET", "LIABILITY"):
            continue
        fils = rng.randrange(50_000_000, 5_000_000_000)
        rows.append(
            (account.code, FISCAL_YEAR, fils, 0)
            if account.kind == "ASSET"
            else (account.code, FISCAL_YEAR, 0, fils)
        )
    debit = sum(row[2] for row in rows)
    credit = sum(row[3] for row in rows)
    if debit <= credit:
        code, year, fils, _ = rows[0]
        rows[0] = (code, year, fils + credit - debit + 1_000_000_000, 0)
        debit = sum(row[2] for row in rows)
    rows.append(("3101001", FISCAL_YEAR, 0, debit - credit))
    return [(code, year, _fils4(dr), _fils4(cr)) for code, year, dr, cr in rows]


def _fils4(fils: int) -> str:
    return f"{fils // 1000}.{fils % 1000:03d}0"
