"""The initial unified schema: reference, HR, finance and control tables.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 17:08:13.924176
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consolidation.core.schema

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("account_type", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["account.id"], name=op.f("fk_account_parent_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("code", name=op.f("uq_account_code")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "ministry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ministry")),
        sa.UniqueConstraint("code", name=op.f("uq_ministry_code")),
    )
    op.create_table(
        "account_crosswalk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("source_code", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_crosswalk_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_account_crosswalk_ministry_id_ministry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_crosswalk")),
        sa.UniqueConstraint(
            "ministry_id", "source_code", name=op.f("uq_account_crosswalk_ministry_id_source_code")
        ),
    )
    op.create_table(
        "source_system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "domain",
            sa.Enum("hr", "finance", name="domain", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_source_system_ministry_id_ministry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_system")),
        sa.UniqueConstraint("code", name=op.f("uq_source_system_code")),
    )
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_system_id", sa.Integer(), nullable=False),
        sa.Column(
            "domain",
            sa.Enum("hr", "finance", name="domain", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "extracted",
                "staged",
                "loaded",
                "failed",
                "rolled_back",
                name="batch_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("rows_extracted", sa.Integer(), nullable=False),
        sa.Column("rows_staged", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("control_row_count", sa.Integer(), nullable=False),
        sa.Column(
            "control_debit_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column(
            "control_credit_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column(
            "control_salary_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column("control_unparseable", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.ForeignKeyConstraint(
            ["source_system_id"],
            ["source_system.id"],
            name=op.f("fk_batch_source_system_id_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_source_system_id"), ["source_system_id"], unique=False
        )

    op.create_table(
        "batch_entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("rows_extracted", sa.Integer(), nullable=False),
        sa.Column("rows_staged", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column(
            "control_debit_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column(
            "control_credit_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column(
            "control_salary_amount",
            consolidation.core.schema.Money(precision=24, scale=6),
            nullable=False,
        ),
        sa.Column("control_unparseable", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch.id"],
            name=op.f("fk_batch_entity_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_entity")),
        sa.UniqueConstraint("batch_id", "entity", name=op.f("uq_batch_entity_batch_id_entity")),
    )
    op.create_table(
        "central_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("central_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_central_ref_batch_id_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_central_ref")),
        sa.UniqueConstraint("entity", "row_id", name=op.f("uq_central_ref_entity_row_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_central_ref_external_id")),
    )
    op.create_table(
        "grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column(
            "min_salary_amount",
            consolidation.core.schema.Money(precision=18, scale=3),
            nullable=True,
        ),
        sa.Column(
            "max_salary_amount",
            consolidation.core.schema.Money(precision=18, scale=3),
            nullable=True,
        ),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_grade_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_grade_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_grade_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_grade_source_system_source_key")
        ),
    )
    with op.batch_alter_table("grade", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grade_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_ministry_id"), ["ministry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_source_system"), ["source_system"], unique=False)

    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_journal_entry_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_journal_entry_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_journal_entry_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_journal_entry_source_system_source_key")
        ),
    )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entry_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_journal_entry_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_entry_period"), ["period"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_journal_entry_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "opening_balance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source_account_code", sa.String(length=64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column(
            "debit_amount", consolidation.core.schema.Money(precision=18, scale=3), nullable=False
        ),
        sa.Column(
            "credit_amount", consolidation.core.schema.Money(precision=18, scale=3), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_opening_balance_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_opening_balance_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_opening_balance_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_opening_balance_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_balance")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_opening_balance_source_system_source_key")
        ),
    )
    with op.batch_alter_table("opening_balance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opening_balance_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opening_balance_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opening_balance_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "org_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_org_unit_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_org_unit_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_unit.id"], name=op.f("fk_org_unit_parent_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_org_unit_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_org_unit_source_system_source_key")
        ),
    )
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_unit_ministry_id"), ["ministry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_org_unit_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cr_number", sa.String(length=32), nullable=True),
        sa.Column("vat_number", sa.String(length=32), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_partner_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_partner_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_partner_source_system_source_key")
        ),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_cr_number"), ["cr_number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_source_system"), ["source_system"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_partner_vat_number"), ["vat_number"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=9), nullable=True),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_person_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_person_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("national_id", name=op.f("uq_person_national_id")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_person_source_system_source_key")
        ),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "raw_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("first_key", sa.String(length=512), nullable=True),
        sa.Column("last_key", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_raw_chunk_batch_id_batch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_chunk")),
        sa.UniqueConstraint(
            "batch_id", "entity", "number", name=op.f("uq_raw_chunk_batch_id_entity_number")
        ),
    )
    op.create_table(
        "validation_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("rule_id", sa.String(length=128), nullable=False),
        sa.Column(
            "severity",
            sa.Enum("error", "warning", name="severity", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "fixed",
                "waived",
                "rejected",
                name="issue_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_validation_issue_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_validation_issue_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_issue")),
    )
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_validation_issue_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_validation_issue_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_validation_issue_source_system"), ["source_system"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_validation_issue_status"), ["status"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title_ar", sa.String(length=255), nullable=True),
        sa.Column("title_en", sa.String(length=255), nullable=True),
        sa.Column("grade_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_job_batch_id_batch")),
        sa.ForeignKeyConstraint(["grade_id"], ["grade.id"], name=op.f("fk_job_grade_id_grade")),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_job_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_job_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_job_source_system_source_key")
        ),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_ministry_id"), ["ministry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_source_system"), ["source_system"], unique=False)

    op.create_table(
        "journal_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source_account_code", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column(
            "debit_amount", consolidation.core.schema.Money(precision=18, scale=3), nullable=False
        ),
        sa.Column(
            "credit_amount", consolidation.core.schema.Money(precision=18, scale=3), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("cost_centre", sa.String(length=64), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_journal_line_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_journal_line_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_journal_line_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_journal_line_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_journal_line_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_line")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_journal_line_source_system_source_key")
        ),
    )
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_line_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_line_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_line_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_journal_line_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "employment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("employee_no", sa.String(length=64), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("grade_id", sa.Integer(), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "base_salary_amount",
            consolidation.core.schema.Money(precision=18, scale=3),
            nullable=True,
        ),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_employment_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"], ["grade.id"], name=op.f("fk_employment_grade_id_grade")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_employment_job_id_job")),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_employment_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_employment_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_employment_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_employment_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_employment_source_system_source_key")
        ),
    )
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employment_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_employment_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_employment_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_employment_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "payroll_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employment_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("amount", consolidation.core.schema.Money(precision=18, scale=3), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_payroll_line_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["employment_id"],
            ["employment.id"],
            name=op.f("fk_payroll_line_employment_id_employment"),
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_payroll_line_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_line")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_payroll_line_source_system_source_key")
        ),
    )
    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payroll_line_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payroll_line_employment_id"), ["employment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payroll_line_source_system"), ["source_system"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payroll_line_source_system"))
        batch_op.drop_index(batch_op.f("ix_payroll_line_employment_id"))
        batch_op.drop_index(batch_op.f("ix_payroll_line_batch_id"))

    op.drop_table("payroll_line")
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employment_source_system"))
        batch_op.drop_index(batch_op.f("ix_employment_person_id"))
        batch_op.drop_index(batch_op.f("ix_employment_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_employment_batch_id"))

    op.drop_table("employment")
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_line_source_system"))
        batch_op.drop_index(batch_op.f("ix_journal_line_entry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_line_batch_id"))
        batch_op.drop_index(batch_op.f("ix_journal_line_account_id"))

    op.drop_table("journal_line")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_source_system"))
        batch_op.drop_index(batch_op.f("ix_job_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_job_batch_id"))

    op.drop_table("job")
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validation_issue_status"))
        batch_op.drop_index(batch_op.f("ix_validation_issue_source_system"))
        batch_op.drop_index(batch_op.f("ix_validation_issue_rule_id"))
        batch_op.drop_index(batch_op.f("ix_validation_issue_batch_id"))

    op.drop_table("validation_issue")
    op.drop_table("raw_chunk")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_source_system"))
        batch_op.drop_index(batch_op.f("ix_person_batch_id"))

    op.drop_table("person")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_vat_number"))
        batch_op.drop_index(batch_op.f("ix_partner_source_system"))
        batch_op.drop_index(batch_op.f("ix_partner_cr_number"))
        batch_op.drop_index(batch_op.f("ix_partner_batch_id"))

    op.drop_table("partner")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_source_system"))
        batch_op.drop_index(batch_op.f("ix_org_unit_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_org_unit_batch_id"))

    op.drop_table("org_unit")
    with op.batch_alter_table("opening_balance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_balance_source_system"))
        batch_op.drop_index(batch_op.f("ix_opening_balance_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_opening_balance_batch_id"))

    op.drop_table("opening_balance")
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entry_source_system"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_period"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_entry_batch_id"))

    op.drop_table("journal_entry")
    with op.batch_alter_table("grade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_source_system"))
        batch_op.drop_index(batch_op.f("ix_grade_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_grade_batch_id"))

    op.drop_table("grade")
    op.drop_table("central_ref")
    op.drop_table("batch_entity")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_source_system_id"))

    op.drop_table("batch")
    op.drop_table("source_system")
    op.drop_table("account_crosswalk")
    op.drop_table("ministry")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    op.drop_table("account")
