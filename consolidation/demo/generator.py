"""Generate the demo: four ministries' systems with known faults, the sources config and the truth.

``generate`` writes, under ``out_dir``: the SQL sources (SQLite files unless a target URL is
given), MYS's CSV and Excel files, ``sources.yaml``, ``unified_chart.csv``,
``account_crosswalk.csv`` and ``ground_truth.json``. The same seed and parameters give the same
data; no clock is read ("today" is ``reference_date``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from consolidation.core.money import AmountSum
from consolidation.demo.charts import (
    MOF_CHART,
    MYS_CHART,
    UNIFIED_CHART,
    crosswalk_rows,
    unmapped,
)
from consolidation.demo.faults import FaultRates
from consolidation.demo.hr import (
    FAULT_FIELDS,
    HR_SOURCES,
    MYS_EMPLOYEE_COLUMNS,
    MYS_UNIT_COLUMNS,
    Employment,
    HrPlan,
    employments,
    moe_rows,
    moh_rows,
    mys_rows,
    plan_hr,
)
from consolidation.demo.ledger import (
    MofLedger,
    mys_journal,
    mys_line_count,
    opening_balances,
)
from consolidation.demo.tables import moe_metadata, mof_metadata, moh_metadata
from consolidation.demo.truth import GroundTruth
from consolidation.demo.vendors import VendorRecord, plan_vendors, vendor_counts
from consolidation.demo.writers import Sheet, SqlSink, write_csv, write_workbook

logger = logging.getLogger(__name__)

REFERENCE_DATE = date(2026, 6, 30)
DEFAULT_RATES = FaultRates()
SOURCES = ("moh_hr", "moe_hr", "mof_gl", "mys_hr", "mys_fin")
MINISTRIES = {
    "MOH": ("وزارة الصحة", "Ministry of Health"),
    "MOE": ("وزارة التربية والتعليم", "Ministry of Education"),
    "MOF": ("وزارة المالية والاقتصاد الوطني", "Ministry of Finance and National Economy"),
    "MYS": ("وزارة شؤون الشباب", "Ministry of Youth Affairs"),
}
_HR_TABLES = {
    "moh_hr": {
        "employee": "HR_EMP",
        "org_unit": "HR_DEPT",
        "job": "HR_JOB",
        "grade": "HR_GRD",
        "payroll_line": "PAY_TRN",
    },
    "moe_hr": {
        "employee": "staff",
        "org_unit": "schools",
        "job": "positions",
        "grade": "salary_scale",
        "payroll_line": "payroll",
    },
}
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

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class DemoTargets:
    health_url: str | None = None
    """SQLAlchemy URL for the Health HR database; None: a SQLite file in the output folder."""
    education_url: str | None = None
    """Education HR database; None: a SQLite file."""
    finance_url: str | None = None
    """Finance GL database; None: a SQLite file."""

    def url_for(self, source: str) -> str | None:
        return {
            "moh_hr": self.health_url,
            "moe_hr": self.education_url,
            "mof_gl": self.finance_url,
        }[source]


@dataclass(frozen=True)
class DemoManifest:
    directory: Path
    sources_file: Path
    ground_truth_file: Path
    rows: dict[str, dict[str, int]]
    """Source → entity → rows written."""
    control: dict[str, dict[str, dict[str, Decimal]]]
    """Source → entity → role → exact sum of the amounts as written that parse as amounts."""


@dataclass
class _Run:
    out_dir: Path
    seed: int
    rates: FaultRates
    reference: date
    progress: Progress | None
    truth: GroundTruth = field(default_factory=GroundTruth)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    control: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def tick(self, source: str, entity: str, rows: int) -> None:
        self.rows.setdefault(source, {})
        self.rows[source][entity] = self.rows[source].get(entity, 0) + rows
        if self.progress is not None and rows:
            self.progress(f"{source}.{entity}", rows)


def generate(
    out_dir: Path,
    *,
    seed: int = 20261122,
    employees: int = 400,
    journal_lines: int = 4000,
    targets: DemoTargets = DemoTargets(),
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    rates: FaultRates = DEFAULT_RATES,
    reference_date: date = REFERENCE_DATE,
) -> DemoManifest:
    """Write the demo ministries' systems, their sources config and the ground truth."""
    if employees < 0:
        raise ValueError(f"employees must not be negative, got {employees}")
    if journal_lines < 2:
        raise ValueError(f"journal_lines must be at least 2, got {journal_lines}")
    unknown = sorted(set(only or ()) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown demo source {unknown[0]!r}; expected some of {SOURCES}")
    selected = [source for source in SOURCES if only is None or source in only]
    if not selected:
        raise ValueError(f"only= names no source; expected some of {SOURCES}")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(out_dir, seed, rates, reference_date, progress)
    logger.info("generating demo sources %s in %s (seed %d)", selected, out_dir, seed)

    written: dict[str, list[Employment]] = {}
    hr_selected = [source for source in selected if source in HR_SOURCES]
    if hr_selected:
        plan = plan_hr(seed, employees, rates, reference_date)
        for source in hr_selected:
            written[source] = employments(
                source, plan.slots[source], seed=seed, reference=reference_date
            )
            if source == "mys_hr":
                _write_mys_hr(run, written[source])
            else:
                _write_hr_sql(run, source, written[source], targets.url_for(source))
            _record_hr_truth(run, source, written[source])
        _record_cross_ministry(run, plan, written)

    mys_lines = mys_line_count(journal_lines)
    if "mof_gl" in selected or "mys_fin" in selected:
        vendors = plan_vendors(seed, vendor_counts(journal_lines, mys_lines), rates)
        if "mof_gl" in selected:
            _write_mof(run, journal_lines, vendors["mof_gl"], targets.url_for("mof_gl"))
        if "mys_fin" in selected:
            _write_mys_fin(run, mys_lines, vendors["mys_fin"])
        _record_vendor_truth(run, vendors, selected)

    _write_charts(out_dir)
    sources_file = out_dir / "sources.yaml"
    _write_sources(sources_file, run.specs)
    truth_file = out_dir / "ground_truth.json"
    params = {
        "employees": employees,
        "journal_lines": journal_lines,
        "only": sorted(only) if only is not None else None,
        "rates": rates.as_dict(),
    }
    run.truth.write(truth_file, seed=seed, params=params, reference=reference_date)
    logger.info("demo written: %d faults injected", len(run.truth.faults))
    return DemoManifest(
        directory=out_dir,
        sources_file=sources_file,
        ground_truth_file=truth_file,
        rows=run.rows,
        control=run.control,
    )


def _database(run: _Run, source: str, url: str | None) -> str:
    """The target URL, or a fresh SQLite file in the output folder."""
    if url is not None:
        return url
    path = run.out_dir / f"{source}.sqlite"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _sql_source(
    source: str, ministry: str, domain: str, name: str, url: str, entities: dict[str, Any]
) -> dict[str, Any]:
    """A SQL source's config; a password in the target URL moves to an environment variable."""
    parsed = sa.make_url(url)
    spec: dict[str, Any] = {"kind": "sql", "ministry": ministry, "domain": domain, "name": name}
    if parsed.password is not None:
        spec["url"] = parsed.set(password=None).render_as_string(hide_password=False)
        spec["password_env"] = f"DEMO_{source.upper()}_PASSWORD"
    else:
        spec["url"] = url
    spec["entities"] = entities
    return spec


def _sql_entity(
    metadata: sa.MetaData,
    table: str,
    key: list[str],
    *,
    watermark: str | None = None,
    control: dict[str, str] | None = None,
) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "table": table,
        "key": key,
        "columns": [str(column.name) for column in metadata.tables[table].columns],
    }
    if watermark:
        entity["watermark"] = watermark
    if control:
        entity["control"] = control
    return entity


def _write_hr_sql(run: _Run, source: str, records: list[Employment], url: str | None) -> None:
    target = _database(run, source, url)
    if source == "moh_hr":
        metadata, tables = moh_metadata(), moh_rows(records, run.reference)
        salary, ministry, watermark = "BASIC_SAL", "MOH", "UPD_TS"
        keys = {
            "employee": ["EMP_NO"],
            "org_unit": ["DEPT_CD"],
            "job": ["JOB_CD"],
            "grade": ["GRD_CD"],
            "payroll_line": ["EMP_NO", "PAY_PRD", "PAY_CMP"],
        }
        name = "MOH legacy HR system"
    else:
        metadata, tables = moe_metadata(), moe_rows(records, run.reference)
        salary, ministry, watermark = "monthly_salary", "MOE", "last_modified"
        keys = {
            "employee": ["staff_id"],
            "org_unit": ["school_code"],
            "job": ["position_code"],
            "grade": ["grade"],
            "payroll_line": ["staff_id", "pay_month", "element"],
        }
        name = "MOE staff information system"
    entity_tables = _HR_TABLES[source]
    with SqlSink(target, metadata) as sink:
        for entity, table in entity_tables.items():
            run.tick(source, entity, sink.append_records(table, tables[table]))
    employee_table = entity_tables["employee"]
    run.control[source] = {
        "employee": {
            "salary": _text_sum(str(row[salary]) for row in tables[employee_table]),
        }
    }
    entities = {
        entity: _sql_entity(
            metadata,
            table,
            keys[entity],
            watermark=watermark if entity == "employee" else None,
            control={"salary": salary} if entity == "employee" else None,
        )
        for entity, table in entity_tables.items()
    }
    run.specs[source] = _sql_source(source, ministry, "hr", name, target, entities)
    logger.info("%s: %d employees written", source, len(records))


def _write_mys_hr(run: _Run, records: list[Employment]) -> None:
    source = "mys_hr"
    tables = mys_rows(records)
    files = {"employee": "mys_employees.csv", "org_unit": "mys_units.csv"}
    headers = {"employee": MYS_EMPLOYEE_COLUMNS, "org_unit": MYS_UNIT_COLUMNS}
    for entity, filename in files.items():
        write_csv(
            run.out_dir / filename,
            headers[entity],
            tables[entity],
            encoding="cp1256",
            delimiter=";",
            lineterminator="\r\n",
        )
        run.tick(source, entity, len(tables[entity]))
    salary_index = MYS_EMPLOYEE_COLUMNS.index("salary")
    run.control[source] = {
        "employee": {"salary": _text_sum(row[salary_index] for row in tables["employee"])}
    }
    common = {"encoding": "cp1256", "delimiter": ";", "header_row": 1}
    run.specs[source] = {
        "kind": "csv",
        "ministry": "MYS",
        "domain": "hr",
        "name": "MYS HR spreadsheet exports",
        "entities": {
            "employee": {
                "path": files["employee"],
                **common,
                "key": ["emp_code"],
                "columns": list(MYS_EMPLOYEE_COLUMNS),
                "control": {"salary": "salary"},
            },
            "org_unit": {
                "path": files["org_unit"],
                **common,
                "key": ["unit_code"],
                "columns": list(MYS_UNIT_COLUMNS),
            },
        },
    }


def _record_hr_truth(run: _Run, source: str, records: list[Employment]) -> None:
    fields = FAULT_FIELDS[source]
    for record in records:
        run.truth.record(source, record.key, record.slot.person.pid)
        if record.slot.fault is not None:
            run.truth.fault(
                source, "employee", record.key, record.slot.fault, fields[record.slot.fault]
            )
        if record.slot.original is not None:
            original = records[record.slot.original]
            run.truth.within_source.append(
                [
                    {"source": source, "source_key": original.key},
                    {"source": source, "source_key": record.key},
                ]
            )


def _record_cross_ministry(run: _Run, plan: HrPlan, written: dict[str, list[Employment]]) -> None:
    for group in plan.groups:
        if all(source in written for source, _ in group):
            run.truth.cross_ministry.append(
                [
                    {"source": source, "source_key": written[source][index].key}
                    for source, index in group
                ]
            )


def _write_mof(
    run: _Run, journal_lines: int, suppliers: list[VendorRecord], url: str | None
) -> None:
    source = "mof_gl"
    target = _database(run, source, url)
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
        "account": _sql_entity(metadata, "gl_accounts", ["acct_no"]),
        "vendor": _sql_entity(metadata, "suppliers", ["supp_id"]),
        "journal_entry": _sql_entity(metadata, "je_header", ["je_id"]),
        "journal_line": _sql_entity(
            metadata, "je_lines", ["line_id"], watermark="posted_at", control=amounts
        ),
        "opening_balance": _sql_entity(
            metadata, "opening_bal", ["acct_no", "fiscal_year"], control=amounts
        ),
    }
    run.specs[source] = _sql_source(
        source, "MOF", "finance", "MOF general ledger", target, entities
    )
    logger.info("%s: %d journal lines written", source, journal_lines)


def _write_mys_fin(run: _Run, lines: int, vendors: list[VendorRecord]) -> None:
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
            "debit": _text_sum(str(row[debit_at]) for row in journal.lines),
            "credit": _text_sum(str(row[credit_at]) for row in journal.lines),
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


def _record_vendor_truth(
    run: _Run, vendors: dict[str, list[VendorRecord]], selected: list[str]
) -> None:
    present = [source for source in ("mof_gl", "mys_fin") if source in selected]
    by_vendor: dict[str, list[dict[str, str]]] = {}
    for source in present:
        for record in vendors[source]:
            run.truth.vendor(source, record.key, record.vendor.vid)
            by_vendor.setdefault(record.vendor.vid, []).append(
                {"source": source, "source_key": record.key}
            )
    run.truth.vendor_duplicates += [refs for refs in by_vendor.values() if len(refs) > 1]


def _write_charts(out_dir: Path) -> None:
    write_csv(
        out_dir / "unified_chart.csv",
        ("code", "name_ar", "name_en", "account_type", "parent_code"),
        [(a.code, a.name_ar, a.name_en, a.account_type, a.parent or "") for a in UNIFIED_CHART],
    )
    write_csv(
        out_dir / "account_crosswalk.csv",
        ("ministry", "source_code", "unified_code"),
        crosswalk_rows(),
    )


def _write_sources(path: Path, specs: dict[str, dict[str, Any]]) -> None:
    document = {
        "ministries": {
            code: {"name_ar": name_ar, "name_en": name_en}
            for code, (name_ar, name_en) in MINISTRIES.items()
        },
        "sources": {source: specs[source] for source in SOURCES if source in specs},
    }
    header = "# Demo ministry systems, written by consolidation.demo; holds no secrets.\n"
    text = yaml.safe_dump(
        document, allow_unicode=True, sort_keys=False, width=100, default_flow_style=None
    )
    path.write_text(header + text, encoding="utf-8")


def _text_sum(texts: Any) -> Decimal:
    running = AmountSum()
    running.add_texts(list(texts))
    return running.total


def _units(units: int) -> Decimal:
    return Decimal(units).scaleb(-4)
