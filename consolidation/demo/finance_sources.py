"""The finance sources a demo run writes: MOF's general ledger database and MYS's finance
workbook, with their specs, control totals and ground truth."""

from __future__ import annotations

import logging
from datetime import datetime, time
from decimal import Decimal

from consolidation.demo.charts import MOF_CHART, MYS_CHART, unmapped
from consolidation.demo.mof_ledger import MofLedger, opening_balances
from consolidation.demo.mys_journal import mys_journal
from consolidation.demo.sources_config import (
    DemoRun,
    database_url,
    sql_entity,
    sql_source,
    text_sum,
)
from consolidation.demo.tables import mof_metadata
from consolidation.demo.vendors import VendorRecord
from consolidation.demo.writers import Sheet, SqlSink, write_workbook

logger = logging.getLogger(__name__)

_MOF_TABLES = {
    "account": "gl_accounts",
    "vendor": "suppliers",
    "journal_entry": "je_header",
    "journal_line": "je_lines",
    "opening_balance": "opening_bal",
}

_MYS_ACCOUNT_COLUMNS = ("account_code", "name_ar", "name_en", "account_type")


_MYS_VENDOR_COLUMNS = ("vendor_code", "cr_no", "vat_no", "name_ar", "name_en", "iban")


_MYS_JOURNAL_COLUMNS = (
    "line_no",
    "entry_no",
    "entry_date",
    "account_code",
    "vendor_code",
    "description",
    "debit",
    "credit",
)


def write_mof(
    run: DemoRun, journal_lines: int, suppliers: list[VendorRecord], url: str | None
) -> None:
    """MOF's general ledger database: chart, suppliers, opening balances and the journal."""
    source = "mof_gl"
    target = database_url(run, source, url)
    metadata = mof_metadata()
    ledger = MofLedger(
        seed=run.seed, journal_lines=journal_lines, rates=run.rates, suppliers=suppliers
    )
    debit = credit = 0
    with SqlSink(target, metadata) as sink:
        accounts = [(a.code, a.name_ar, a.name_en, a.kind, a.parent) for a in MOF_CHART]
        sink.append("gl_accounts", accounts)
        run.tick(source, "account", len(accounts))
        vendors = [
            (int(r.key), r.vendor.cr, r.vendor.vat, r.name_ar, r.name_en, r.iban) for r in suppliers
        ]
        sink.append("suppliers", vendors)
        run.tick(source, "vendor", len(vendors))
        opening = opening_balances(run.seed)
        sink.append("opening_bal", opening)
        run.tick(source, "opening_balance", len(opening))
        for chunk in ledger.chunks():
            sink.append("je_header", chunk.headers)
            sink.append("je_lines", chunk.lines)
            run.tick(source, "journal_entry", len(chunk.headers))
            run.tick(source, "journal_line", len(chunk.lines))
            debit += chunk.debit_units
            credit += chunk.credit_units
            run.truth.faults.extend(chunk.faults)
    run.control[source] = {
        "journal_line": {"debit": _units(debit), "credit": _units(credit)},
        "opening_balance": {
            "debit": sum((Decimal(row[2]) for row in opening), Decimal("0.0000")),
            "credit": sum((Decimal(row[3]) for row in opening), Decimal("0.0000")),
        },
    }
    for record in suppliers:
        if record.fault is not None:
            run.truth.fault(source, "vendor", record.key, record.fault, "iban")
    run.truth.unmapped_accounts += [
        {"source": source, "source_key": account.code} for account in unmapped(MOF_CHART)
    ]
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
    run.specs[source] = sql_source(source, "MOF", "finance", "MOF general ledger", target, entities)
    logger.info("%s: %d journal lines written", source, journal_lines)


def write_mys_fin(run: DemoRun, lines: int, vendors: list[VendorRecord]) -> None:
    """MYS's finance workbook: accounts, vendors and the journal sheet."""
    source = "mys_fin"
    journal = mys_journal(run.seed, lines, run.rates, vendors)
    accounts: list[list[object]] = [list(_MYS_ACCOUNT_COLUMNS)]
    accounts += [[a.code, a.name_ar, a.name_en, a.kind] for a in MYS_CHART]
    suppliers: list[list[object]] = [list(_MYS_VENDOR_COLUMNS)]
    suppliers += [[r.key, r.vendor.cr, r.vendor.vat, r.name_ar, r.name_en, r.iban] for r in vendors]
    title = "دفتر اليومية العامة 2025 - General Journal 2025 - وزارة شؤون الشباب"
    journal_rows: list[list[object]] = [[title], [], list(_MYS_JOURNAL_COLUMNS), *journal.lines]
    moment = datetime.combine(run.reference, time())
    path = run.out_dir / "mys_finance.xlsx"
    write_workbook(
        path,
        [Sheet("Accounts", accounts), Sheet("Vendors", suppliers), Sheet("Journal", journal_rows)],
        moment=moment,
    )
    run.tick(source, "account", len(accounts) - 1)
    run.tick(source, "vendor", len(suppliers) - 1)
    run.tick(source, "journal_line", len(journal.lines))
    run.truth.faults.extend(journal.faults)
    for record in vendors:
        if record.fault is not None:
            run.truth.fault(source, "vendor", record.key, record.fault, "iban")
    run.truth.unmapped_accounts += [
        {"source": source, "source_key": account.code} for account in unmapped(MYS_CHART)
    ]
    debit_at = _MYS_JOURNAL_COLUMNS.index("debit")
    credit_at = _MYS_JOURNAL_COLUMNS.index("credit")
    run.control[source] = {
        "journal_line": {
            "debit": text_sum(str(row[debit_at]) for row in journal.lines),
            "credit": text_sum(str(row[credit_at]) for row in journal.lines),
        }
    }
    filename = path.name
    run.specs[source] = {
        "kind": "excel",
        "ministry": "MYS",
        "domain": "finance",
        "name": "MYS finance workbook",
        "entities": {
            "account": {
                "path": filename,
                "sheet": "Accounts",
                "key": ["account_code"],
                "columns": list(_MYS_ACCOUNT_COLUMNS),
            },
            "vendor": {
                "path": filename,
                "sheet": "Vendors",
                "key": ["vendor_code"],
                "columns": list(_MYS_VENDOR_COLUMNS),
            },
            "journal_line": {
                "path": filename,
                "sheet": "Journal",
                "header_row": 3,
                "key": ["line_no"],
                "columns": list(_MYS_JOURNAL_COLUMNS),
                "control": {"debit": "debit", "credit": "credit"},
            },
        },
    }


def record_vendor_truth(
    run: DemoRun, vendors: dict[str, list[VendorRecord]], selected: list[str]
) -> None:
    """Each vendor record's true vendor, and the vendors both finance ministries hold."""
    present = [source for source in ("mof_gl", "mys_fin") if source in selected]
    by_vendor: dict[str, list[dict[str, str]]] = {}
    for source in present:
        for record in vendors[source]:
            run.truth.vendor(source, record.key, record.vendor.vid)
            by_vendor.setdefault(record.vendor.vid, []).append(
                {"source": source, "source_key": record.key}
            )
    run.truth.vendor_duplicates += [refs for refs in by_vendor.values() if len(refs) > 1]


def _units(units: int) -> Decimal:
    return Decimal(units).scaleb(-4)
