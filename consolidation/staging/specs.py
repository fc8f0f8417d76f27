"""Where each unified entity lands in the store: its tables, their column expressions over the
chunk's temporary table ``t``, and the joins that resolve its references.

One cohesive table of declarations (``SPECS``), which is why this module is long.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageSpec:
    """How one unified entity lands in one table: column expressions over ``t`` and joins."""

    entity: str
    table: str
    columns: dict[str, str]
    joins: tuple[str, ...] = ()


def same_source(alias: str, table: str, key: str) -> str:
    return (
        f"LEFT JOIN {table} {alias} ON {alias}.source_system = t.source_system "
        f"AND {alias}.source_key = t.{key}"
    )


SPECS: dict[str, tuple[StageSpec, ...]] = {
    "org_unit": (
        StageSpec(
            "org_unit",
            "org_unit",
            {
                "ministry_id": ":ministry_id",
                "code": "t.code",
                "name_ar": "t.name_ar",
                "name_en": "t.name_en",
                "parent_code": "t.parent_code",
            },
        ),
    ),
    "grade": (
        StageSpec(
            "grade",
            "grade",
            {
                "ministry_id": ":ministry_id",
                "code": "t.code",
                "name": "t.name",
                "min_salary_amount": "t.min_salary",
                "max_salary_amount": "t.max_salary",
                "currency": "'BHD'",
            },
        ),
    ),
    "job": (
        StageSpec(
            "job",
            "job",
            {
                "ministry_id": ":ministry_id",
                "code": "t.code",
                "title_ar": "t.title_ar",
                "title_en": "t.title_en",
                "grade_code": "t.grade_code",
                "grade_id": "g.id",
            },
            (same_source("g", "grade", "grade_code"),),
        ),
    ),
    "employee": (
        StageSpec(
            "employee",
            "person_source",
            {
                "ministry_id": ":ministry_id",
                "national_id": "t.national_id",
                "name_ar": "t.name_ar",
                "name_en": "t.name_en",
                "birth_date": "t.birth_date",
                "gender": "t.gender",
                "nationality": "t.nationality",
                "recency": ":recency",
            },
        ),
        StageSpec(
            "employee",
            "employment",
            {
                "ministry_id": ":ministry_id",
                "employee_no": "t.employee_no",
                "org_unit_code": "t.org_unit_code",
                "job_code": "t.job_code",
                "grade_code": "t.grade_code",
                "org_unit_id": "o.id",
                "job_id": "j.id",
                "grade_id": "g.id",
                "hire_date": "t.hire_date",
                "end_date": "t.end_date",
                "status": "t.status",
                "base_salary_amount": "t.base_salary",
                "currency": "'BHD'",
                "iban": "t.iban",
                "email": "t.email",
                "phone": "t.phone",
            },
            (
                same_source("o", "org_unit", "org_unit_code"),
                same_source("j", "job", "job_code"),
                same_source("g", "grade", "grade_code"),
            ),
        ),
    ),
    "payroll_line": (
        StageSpec(
            "payroll_line",
            "payroll_line",
            {
                "employment_id": "m.id",
                "employee_no": "t.employee_no",
                "period": "t.period",
                "component": "t.component",
                "amount": "t.amount",
                "currency": "'BHD'",
            },
            (
                "JOIN employment m ON m.source_system = t.source_system "
                "AND m.source_key = t.employee_no",
            ),
        ),
    ),
    "account": (
        StageSpec(
            "account",
            "source_account",
            {
                "ministry_id": ":ministry_id",
                "code": "t.code",
                "name_ar": "t.name_ar",
                "name_en": "t.name_en",
                "account_type": "t.account_type",
                "parent_code": "t.parent_code",
                "account_id": "cw.account_id",
            },
            (
                "LEFT JOIN account_crosswalk cw ON cw.ministry_id = :ministry_id "
                "AND cw.source_code = t.code",
            ),
        ),
    ),
    "vendor": (
        StageSpec(
            "vendor",
            "partner_source",
            {
                "ministry_id": ":ministry_id",
                "vendor_no": "t.vendor_no",
                "cr_number": "t.cr_number",
                "vat_number": "t.vat_number",
                "iban": "t.iban",
                "name_ar": "t.name_ar",
                "name_en": "t.name_en",
                "recency": ":recency",
            },
        ),
    ),
    "journal_entry": (
        StageSpec(
            "journal_entry",
            "journal_entry",
            {
                "ministry_id": ":ministry_id",
                "entry_date": "t.entry_date",
                "period": "t.period",
                "reference": "t.reference",
                "description": "t.description",
            },
        ),
    ),
    "journal_line": (
        StageSpec(
            "journal_line",
            "journal_line",
            {
                "entry_id": "e.id",
                "entry_no": "t.entry_no",
                "account_id": "cw.account_id",
                "source_account_code": "t.account_code",
                "vendor_no": "t.vendor_no",
                "debit_amount": "t.debit",
                "credit_amount": "t.credit",
                "currency": "COALESCE(t.currency, 'BHD')",
                "description": "t.description",
                "cost_centre": "t.cost_centre",
            },
            (
                "JOIN journal_entry e ON e.source_system = t.source_system "
                "AND e.source_key = t.entry_no",
                "JOIN account_crosswalk cw ON cw.ministry_id = :ministry_id "
                "AND cw.source_code = t.account_code",
            ),
        ),
    ),
    "opening_balance": (
        StageSpec(
            "opening_balance",
            "opening_balance",
            {
                "ministry_id": ":ministry_id",
                "account_id": "cw.account_id",
                "source_account_code": "t.account_code",
                "fiscal_year": "t.fiscal_year",
                "debit_amount": "t.debit",
                "credit_amount": "t.credit",
                "currency": "'BHD'",
            },
            (
                "JOIN account_crosswalk cw ON cw.ministry_id = :ministry_id "
                "AND cw.source_code = t.account_code",
            ),
        ),
    ),
}
