"""A seed-scale ledger: a year (2025) of the Ministry of Finance's journal whose debits, and
credits, total exactly 74,000,000.000 BHD, written as the demo's ``mof_gl`` source.

    python -m bench.ledger --lines 1000000 --url postgresql+psycopg://postgres@127.0.0.1/seed \
        --out bench/out/seed_1000000

The tables, the chart, the suppliers, the opening balances and the sources config are the
demo's (``consolidation.demo``), so ``mappings/mof/mof_gl.yaml`` maps it unchanged; the journal
is drawn here, with no injected fault. Every entry has one line on one side and 1–5 lines on the
other, over 45 mapped accounts and the twelve months of 2025, with bilingual narrations. The
many-side amounts are drawn in integer fils, then scaled in integer arithmetic so that they add
up to the target exactly; each entry's single line carries their sum, so every entry balances
and the debits of the whole journal are the target to the fils. Written with COPY (CSV made by
Arrow): a million lines in a few seconds. The same seed and size give the same rows.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa

from consolidation.demo import FaultRates
from consolidation.demo.charts import MOF_CHART
from consolidation.demo.mof_ledger import opening_balances
from consolidation.demo.sources_config import sql_entity, sql_source, write_sources
from consolidation.demo.tables import mof_metadata
from consolidation.demo.vendors import plan_vendors

TOTAL_FILS = 74_000_000_000
"""74,000,000.000 BHD in fils: the debits (and the credits) of the year."""
SEED = 20250101
YEAR = 2025
MIN_FILS = 10
"""The smallest amount a line carries (0.010 BHD)."""
VENDORS = 200
COPY_ROWS = 250_000
"""Rows per CSV block sent to COPY: bounds the memory of the text, not of the arrays."""

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Kind:
    """A kind of entry: where its many lines and its single balancing line post."""

    name_en: str
    name_ar: str
    share: float
    single_is_debit: bool
    many: tuple[str, ...]
    single: tuple[str, ...]
    median: float
    """Relative size of a many-side line (the whole journal is scaled to the target)."""
    narrations: tuple[tuple[str, str], ...]


KINDS = (
    _Kind(
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
            "1301001",
        ),
        ("2101001",),
        800.0,
        (
            ("Supplier invoice", "فاتورة مورد"),
            ("Purchase of goods and services", "شراء سلع وخدمات"),
        ),
    ),
    _Kind(
        "Payments to suppliers",
        "سداد مستحقات الموردين",
        0.25,
        False,
        ("2101001", "2101001", "2101001", "2101002"),
        ("1101001", "1101002", "1101003"),
        2_000.0,
        (("Payment to supplier", "سداد مستحقات مورد"), ("Bank transfer", "تحويل بنكي")),
    ),
    _Kind(
        "Payroll",
        "الرواتب",
        0.10,
        False,
        ("5101001", "5101002", "5101003", "5101004", "5101005", "5102001", "5102002"),
        ("1101003", "2201002"),
        40_000.0,
        (("Monthly payroll", "رواتب الموظفين"), ("Payroll allowances", "علاوات الرواتب")),
    ),
    _Kind(
        "Revenue collection",
        "تحصيل الإيرادات",
        0.15,
        True,
        ("4101001", "4101002", "4201001", "4201002", "4201003"),
        ("1101001", "1101002", "1101003"),
        5_000.0,
        (("Revenue collection", "تحصيل إيرادات"), ("Fees collected", "رسوم محصلة")),
    ),
    _Kind(
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
            "1401001",
            "1401003",
        ),
        ("2201001", "2102001", "1102001"),
        500.0,
        (("Month-end accrual", "قيد استحقاق"), ("Petty cash replenishment", "تعويض النثرية")),
    ),
)
PAYABLES = ("2101001", "2101002")
COST_CENTRES = tuple(f"CC{code}" for code in (100, 110, 120, 130, 200, 210, 220, 300, 310, 400))


@dataclass(frozen=True)
class SeedLedger:
    """What was written: the sources config to run, and the journal's own figures."""

    config: Path
    url: str
    lines: int
    entries: int
    debit_fils: int
    credit_fils: int
    seed: int

    @property
    def manifest(self) -> Path:
        return self.config.parent / "ledger.json"


@dataclass(frozen=True)
class Journal:
    """The journal as arrays, one value per entry or per line."""

    sizes: IntArray
    kinds: IntArray
    days: IntArray
    suppliers: IntArray
    """Per entry, an index into the suppliers (used by its lines on payable accounts)."""
    accounts: IntArray
    """Per line, an index into ``CODES``."""
    debit: IntArray
    credit: IntArray
    narrations: IntArray
    """Per line, an index into ``NARRATIONS``."""
    centres: IntArray
    posted_offsets: IntArray
    """Per line, seconds from its entry's date to its posting."""


CODES = np.array(sorted({code for kind in KINDS for code in (*kind.many, *kind.single)}))
NARRATIONS = np.array([f"{en} - {ar}" for kind in KINDS for en, ar in kind.narrations])


def draw(lines: int, *, seed: int = SEED, total_fils: int = TOTAL_FILS) -> Journal:
    """The journal of ``lines`` lines whose debits and credits are each ``total_fils``."""
    if lines < 2:
        raise ValueError(f"lines must be at least 2, got {lines}")
    rng = np.random.default_rng([seed, lines])
    sizes = _entry_sizes(rng, lines)
    entries = len(sizes)
    shares = np.array([kind.share for kind in KINDS])
    kinds = rng.choice(len(KINDS), size=entries, p=shares / shares.sum()).astype(np.int64)
    days = _posting_days(rng, entries)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ends = starts + sizes - 1
    single = np.zeros(lines, dtype=bool)
    single[ends] = True
    line_kind = np.repeat(kinds, sizes)

    index = {code: i for i, code in enumerate(CODES.tolist())}
    accounts = np.empty(lines, dtype=np.int64)
    for k, kind in enumerate(KINDS):
        for pool, side in ((kind.many, False), (kind.single, True)):
            mask = (line_kind == k) & (single == side)
            choices = np.array([index[code] for code in pool])
            accounts[mask] = rng.choice(choices, size=int(mask.sum()))

    log_median = np.log(np.array([kind.median for kind in KINDS]))
    many = ~single
    drawn = np.exp(rng.normal(log_median[line_kind[many]], 1.0))
    amounts = np.zeros(lines, dtype=np.int64)
    amounts[many] = _scaled(drawn, total_fils)
    amounts[ends] = np.add.reduceat(amounts, starts)
    single_is_debit = np.array([kind.single_is_debit for kind in KINDS])
    is_debit = np.where(single, single_is_debit[line_kind], ~single_is_debit[line_kind])

    per_kind = np.array([len(kind.narrations) for kind in KINDS])
    first = np.concatenate(([0], np.cumsum(per_kind)[:-1]))
    narrations = first[line_kind] + rng.integers(0, per_kind[line_kind])
    posted = rng.integers(0, 4, size=entries) * 86_400 + rng.integers(7 * 3600, 15 * 3600, entries)
    return Journal(
        sizes=sizes,
        kinds=kinds,
        days=days,
        suppliers=rng.integers(0, VENDORS, size=entries),
        accounts=accounts,
        debit=np.where(is_debit, amounts, 0),
        credit=np.where(is_debit, 0, amounts),
        narrations=narrations,
        centres=rng.integers(0, len(COST_CENTRES), size=lines),
        posted_offsets=np.repeat(posted, sizes) + np.arange(lines) % 60,
    )


def _scaled(drawn: npt.NDArray[np.float64], total: int) -> IntArray:
    """Whole fils proportional to ``drawn``, none under ``MIN_FILS``, adding up to ``total``
    exactly: floor of the scaled value, then the remainder spread one fils at a time."""
    if total < MIN_FILS * len(drawn):
        raise ValueError(f"{total} fils cannot give {len(drawn)} lines {MIN_FILS} fils each")
    fils: IntArray = np.maximum(np.floor(drawn * (total / drawn.sum())), MIN_FILS).astype(np.int64)
    remainder = total - int(fils.sum())
    while remainder:
        if remainder > 0:
            each, rest = divmod(remainder, len(fils))
            fils += each
            fils[:rest] += 1
        else:
            room = fils - MIN_FILS
            largest = np.argsort(-room, kind="stable")[: min(-remainder, len(fils))]
            take = np.minimum(room[largest], 1)
            fils[largest] -= take
        remainder = total - int(fils.sum())
    return fils


def _entry_sizes(rng: np.random.Generator, lines: int) -> IntArray:
    """Entry sizes of 2 to 6 lines that add up to exactly ``lines``."""
    sizes = rng.integers(2, 7, size=lines // 2 + 1).astype(np.int64)
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, lines)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(ends[count - 1]) - lines
    if count > 1 and sizes[-1] == 1:
        sizes[-2] += 1
        sizes = sizes[:-1]
        if sizes[-1] == 7:
            sizes = np.concatenate((sizes[:-1], [4, 3]))
    return sizes


def _posting_days(rng: np.random.Generator, entries: int) -> IntArray:
    """Sorted day offsets into the year, on working days (Friday and Saturday moved)."""
    days = rng.integers(0, 365, size=entries).astype(np.int64)
    weekday = (days + date(YEAR, 1, 1).weekday()) % 7
    days = np.where(weekday == 4, days - 1, days)
    days = np.where(weekday == 5, days + 1, days)
    days = np.clip(days, 0, 364)
    days.sort()
    return days


def _fils_text(fils: IntArray) -> pa.Array:
    """Amounts as the legacy system's NUMERIC(18,4) text: ``1234.5670``."""
    whole = pc.cast(pa.array(fils // 1000), pa.string())
    fraction = pc.utf8_lpad(pc.cast(pa.array(fils % 1000 * 10), pa.string()), 4, "0")
    return pc.binary_join_element_wise(whole, fraction, ".")


def _headers(journal: Journal) -> Iterator[pa.Table]:
    entries = len(journal.sizes)
    ids = np.arange(1, entries + 1, dtype=np.int64)
    dates = np.datetime64(f"{YEAR}-01-01") + journal.days.astype("timedelta64[D]")
    periods = pa.array(np.datetime_as_string(dates.astype("datetime64[M]"), unit="M"))
    english = np.array([kind.name_en for kind in KINDS])
    arabic = np.array([f"- {kind.name_ar}" for kind in KINDS])
    for start in range(0, entries, COPY_ROWS):
        part = slice(start, start + COPY_ROWS)
        number = pc.cast(pa.array(ids[part]), pa.string())
        yield pa.table(
            {
                "je_id": ids[part],
                "je_date": pa.array(dates[part]).cast(pa.date32()),
                "period": periods[part],
                "ref": pc.binary_join_element_wise(f"JV-{YEAR}", pc.utf8_lpad(number, 7, "0"), "-"),
                "description": pc.binary_join_element_wise(
                    pa.array(english[journal.kinds[part]]),
                    periods[part],
                    pa.array(arabic[journal.kinds[part]]),
                    " ",
                ),
            }
        )


def _lines(journal: Journal, supplier_ids: IntArray) -> Iterator[pa.Table]:
    lines = len(journal.accounts)
    entry = np.repeat(np.arange(len(journal.sizes)), journal.sizes)
    payable = np.isin(CODES, PAYABLES)
    dates = np.datetime64(f"{YEAR}-01-01", "s") + (journal.days * 86_400).astype("timedelta64[s]")
    for start in range(0, lines, COPY_ROWS):
        part = slice(start, start + COPY_ROWS)
        accounts = journal.accounts[part]
        suppliers = supplier_ids[journal.suppliers[entry[part]]]
        posted = dates[entry[part]] + journal.posted_offsets[part].astype("timedelta64[s]")
        yield pa.table(
            {
                "line_id": np.arange(start + 1, start + 1 + len(accounts), dtype=np.int64),
                "je_id": entry[part] + 1,
                "acct_no": pa.array(CODES[accounts]),
                "supp_id": pa.array(suppliers, mask=~payable[accounts], type=pa.int32()),
                "dr_amt": _fils_text(journal.debit[part]),
                "cr_amt": _fils_text(journal.credit[part]),
                "currency": pa.array(np.full(len(accounts), "BHD")),
                "narration": pa.array(NARRATIONS[journal.narrations[part]]),
                "cost_center": pa.array(np.array(COST_CENTRES)[journal.centres[part]]),
                "posted_at": pa.array(posted),
            }
        )


def _copy(cursor: Any, table: str, blocks: Iterator[pa.Table]) -> None:
    """COPY Arrow blocks into a table, as CSV (an empty unquoted field is NULL)."""
    for block in blocks:
        buffer = io.BytesIO()
        pacsv.write_csv(block, buffer, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(block.column_names)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())


def _rows(rows: list[tuple[Any, ...]], names: list[str]) -> Iterator[pa.Table]:
    yield pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})


def write(
    folder: Path, lines: int, url: str, *, seed: int = SEED, total_fils: int = TOTAL_FILS
) -> SeedLedger:
    """Write the ledger into the (PostgreSQL) database at ``url`` and its sources config into
    ``folder``; the database's tables are replaced."""
    engine = sa.create_engine(url)
    if engine.dialect.name != "postgresql":
        raise ValueError(f"the seed ledger is written with COPY: PostgreSQL only, not {url}")
    journal = draw(lines, seed=seed, total_fils=total_fils)
    vendors = plan_vendors(
        seed, {"mof_gl": VENDORS, "mys_fin": 0}, FaultRates(bad_iban_checksum=0)
    )["mof_gl"]
    supplier_ids = np.array([int(record.key) for record in vendors], dtype=np.int64)
    metadata = mof_metadata()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    try:
        with driver.cursor() as cursor:
            accounts = [(a.code, a.name_ar, a.name_en, a.kind, a.parent) for a in MOF_CHART]
            names = [column.name for column in metadata.tables["gl_accounts"].columns]
            _copy(cursor, "gl_accounts", _rows(accounts, names))
            suppliers = [
                (int(r.key), r.vendor.cr, r.vendor.vat, r.name_ar, r.name_en, r.iban)
                for r in vendors
            ]
            names = [column.name for column in metadata.tables["suppliers"].columns]
            _copy(cursor, "suppliers", _rows(suppliers, names))
            names = [column.name for column in metadata.tables["opening_bal"].columns]
            _copy(cursor, "opening_bal", _rows(list(opening_balances(seed)), names))
            _copy(cursor, "je_header", _headers(journal))
            _copy(cursor, "je_lines", _lines(journal, supplier_ids))
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()

    amounts = {"debit": "dr_amt", "credit": "cr_amt"}
    entities = {
        "account": sql_entity(metadata, "gl_accounts", ["acct_no"]),
        "vendor": sql_entity(metadata, "suppliers", ["supp_id"]),
        "journal_entry": sql_entity(metadata, "je_header", ["je_id"]),
        "journal_line": sql_entity(
            metadata, "je_lines", ["line_id"], watermark="posted_at", control=amounts
        ),
        "opening_balance": sql_entity(
            metadata, "opening_bal", ["acct_no", "fiscal_year"], control=amounts
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "sources.yaml"
    spec = sql_source("mof_gl", "MOF", "finance", "MOF general ledger (seed scale)", url, entities)
    write_sources(config, {"mof_gl": spec})
    ledger = SeedLedger(
        config=config,
        url=sa.make_url(url).render_as_string(hide_password=True),
        lines=lines,
        entries=len(journal.sizes),
        debit_fils=int(journal.debit.sum()),
        credit_fils=int(journal.credit.sum()),
        seed=seed,
    )
    document = {**asdict(ledger), "config": str(config)}
    ledger.manifest.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--url", required=True, help="a PostgreSQL database (its tables go)")
    parser.add_argument("--out", type=Path, required=True, help="where sources.yaml goes")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    ledger = write(args.out, args.lines, args.url, seed=args.seed)
    print(
        f"{ledger.lines:,} lines in {ledger.entries:,} entries, debits "
        f"{ledger.debit_fils / 1000:,.3f} BHD, in {time.perf_counter() - started:.1f} s: "
        f"{ledger.config}"
    )


if __name__ == "__main__":
    main()
