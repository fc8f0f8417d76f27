"""The legacy tables of the three SQL sources, as SQLAlchemy metadata (one per database).

Primary keys only, no foreign keys: like the systems they imitate, nothing stops an orphan row.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def _table(name: str, metadata: sa.MetaData, *columns: sa.Column[Any]) -> sa.Table:
    """A table; on MariaDB in utf8mb4, so Arabic text is stored whole."""
    return sa.Table(
        name, metadata, *columns, mysql_charset="utf8mb4", mysql_collate="utf8mb4_unicode_ci"
    )


def _key(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), primary_key=True)


def _text(name: str, length: int, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _amount(name: str, precision: int, scale: int) -> sa.Column[Any]:
    """NUMERIC where the database has it; on SQLite, text, so amounts stay exactly as written."""
    return sa.Column(name, sa.Numeric(precision, scale).with_variant(sa.String(32), "sqlite"))


def moh_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    _table(
        "HR_DEPT",
        metadata,
        _key("DEPT_CD", 10),
        _text("DEPT_NM_AR", 120),
        _text("DEPT_NM_EN", 120),
        _text("PRNT_DEPT_CD", 10),
    )
    _table(
        "HR_JOB",
        metadata,
        _key("JOB_CD", 10),
        _text("JOB_TTL_AR", 120),
        _text("JOB_TTL_EN", 120),
        _text("GRD_CD", 5),
    )
    _table(
        "HR_GRD",
        metadata,
        _key("GRD_CD", 5),
        _amount("MIN_SAL", 12, 3),
        _amount("MAX_SAL", 12, 3),
    )
    _table(
        "HR_EMP",
        metadata,
        _key("EMP_NO", 10),
        _text("CPR_NO", 9),
        _text("NM_AR", 200),
        _text("NM_EN", 200),
        sa.Column("BRTH_DT", sa.Date),
        _text("SEX", 1),
        _text("NAT_CD", 2),
        _text("DEPT_CD", 10),
        _text("JOB_CD", 10),
        _text("GRD_CD", 5),
        sa.Column("JOIN_DT", sa.Date),
        _text("STAT_CD", 1),
        _amount("BASIC_SAL", 12, 3),
        _text("IBAN_NO", 34),
        _text("EMAIL_ADDR", 120),
        _text("MOB_NO", 20),
        sa.Column("UPD_TS", sa.DateTime),
    )
    _table(
        "PAY_TRN",
        metadata,
        _key("EMP_NO", 10),
        _key("PAY_PRD", 6),
        _key("PAY_CMP", 20),
        _amount("AMT", 12, 3),
    )
    return metadata


def moe_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    _table(
        "schools",
        metadata,
        _key("school_code", 10),
        _text("name_ar", 150),
        _text("name_en", 150),
        _text("unit_type", 20),
        _text("parent_code", 10),
    )
    _table(
        "positions",
        metadata,
        _key("position_code", 10),
        _text("title_ar", 120),
        _text("title_en", 120),
        _text("grade", 5),
    )
    _table(
        "salary_scale",
        metadata,
        _key("grade", 5),
        _amount("min", 12, 3),
        _amount("max", 12, 3),
    )
    _table(
        "staff",
        metadata,
        _key("staff_id", 12),
        _text("national_no", 20),
        _text("first_name_ar", 60),
        _text("father_name_ar", 60),
        _text("grandfather_name_ar", 60),
        _text("family_name_ar", 120),
        _text("first_name_en", 60),
        _text("father_name_en", 60),
        _text("family_name_en", 60),
        sa.Column("birth_date", sa.Text),
        _text("gender", 10),
        _text("nationality", 40),
        _text("school_code", 10),
        _text("position_code", 10),
        _text("grade", 5),
        sa.Column("appointment_date", sa.Text),
        _text("status", 20),
        sa.Column("monthly_salary", sa.Text),
        _text("bank_iban", 34),
        _text("email", 120),
        _text("mobile", 20),
        sa.Column("last_modified", sa.DateTime),
    )
    _table(
        "payroll",
        metadata,
        _key("staff_id", 12),
        _key("pay_month", 7),
        _key("element", 60),
        sa.Column("value", sa.Text),
    )
    return metadata


def mof_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    _table(
        "gl_accounts",
        metadata,
        _key("acct_no", 7),
        _text("acct_desc_ar", 150),
        _text("acct_desc_en", 150),
        _text("acct_class", 10),
        _text("parent_acct", 7),
    )
    _table(
        "suppliers",
        metadata,
        sa.Column("supp_id", sa.Integer, primary_key=True, autoincrement=False),
        _text("cr_no", 12),
        _text("vat_no", 15),
        _text("name_ar", 200),
        _text("name_en", 200),
        _text("iban", 34),
    )
    _table(
        "opening_bal",
        metadata,
        _key("acct_no", 7),
        sa.Column("fiscal_year", sa.Integer, primary_key=True, autoincrement=False),
        _amount("dr_amt", 18, 4),
        _amount("cr_amt", 18, 4),
    )
    _table(
        "je_header",
        metadata,
        sa.Column("je_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("je_date", sa.Date),
        _text("period", 7),
        _text("ref", 20),
        _text("description", 200),
    )
    _table(
        "je_lines",
        metadata,
        sa.Column("line_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("je_id", sa.BigInteger, nullable=False),
        _text("acct_no", 7, nullable=False),
        sa.Column("supp_id", sa.Integer),
        _amount("dr_amt", 18, 4),
        _amount("cr_amt", 18, 4),
        _text("currency", 3),
        _text("narration", 200),
        _text("cost_center", 10),
        sa.Column("posted_at", sa.DateTime),
    )
    return metadata
