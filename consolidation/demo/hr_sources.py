"""The HR sources a demo run writes: MOH's and MOE's databases and MYS's CSV exports, with their
specs, control totals and ground truth."""

from __future__ import annotations

import logging

from consolidation.demo.hr_formats import (
    FAULT_FIELDS,
    MYS_EMPLOYEE_COLUMNS,
    MYS_UNIT_COLUMNS,
    moe_rows,
    moh_rows,
    mys_rows,
)
from consolidation.demo.hr_plan import HrPlan
from consolidation.demo.hr_records import Employment
from consolidation.demo.sources_config import (
    DemoRun,
    database_url,
    sql_entity,
    sql_source,
    text_sum,
)
from consolidation.demo.tables import moe_metadata, moh_metadata
from consolidation.demo.writers import SqlSink, write_csv

logger = logging.getLogger(__name__)

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


def write_hr_sql(run: DemoRun, source: str, records: list[Employment], url: str | None) -> None:
    """MOH's or MOE's HR database (its tables, spec and salary control total)."""
    target = database_url(run, source, url)
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
            "salary": text_sum(str(row[salary]) for row in tables[employee_table]),
        }
    }
    entities = {
        entity: sql_entity(
            metadata,
            table,
            keys[entity],
            watermark=watermark if entity == "employee" else None,
            control={"salary": salary} if entity == "employee" else None,
        )
        for entity, table in entity_tables.items()
    }
    run.specs[source] = sql_source(source, ministry, "hr", name, target, entities)
    logger.info("%s: %d employees written", source, len(records))


def write_mys_hr(run: DemoRun, records: list[Employment]) -> None:
    """MYS's HR CSV exports (cp1256, semicolons), their spec and salary control total."""
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
        "employee": {"salary": text_sum(row[salary_index] for row in tables["employee"])}
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


def record_hr_truth(run: DemoRun, source: str, records: list[Employment]) -> None:
    """Each record's true person, its fault, and the within-source duplicates."""
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


def record_cross_ministry(run: DemoRun, plan: HrPlan, written: dict[str, list[Employment]]) -> None:
    """The cross-ministry duplicates among the sources written."""
    for group in plan.groups:
        if all(source in written for source, _ in group):
            run.truth.cross_ministry.append(
                [
                    {"source": source, "source_key": written[source][index].key}
                    for source, index in group
                ]
            )
