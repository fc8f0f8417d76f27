"""Staging, quarantine, matching and control totals: source views of persons and vendors,
source charts, held and quarantined records, the review queue, and totals per account and period.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 17:16:30.604051
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import consolidation.core.schema

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="person or vendor"),
        sa.Column("record_a", sa.String(length=255), nullable=False),
        sa.Column("record_b", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="open, merged, apart"),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
        sa.UniqueConstraint(
            "kind", "record_a", "record_b", name=op.f("uq_match_review_kind_record_a_record_b")
        ),
    )
    op.create_table(
        "control_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("account_code", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column(
            "debit_amount", consolidation.core.schema.Money(precision=24, scale=6), nullable=False
        ),
        sa.Column(
            "credit_amount", consolidation.core.schema.Money(precision=24, scale=6), nullable=False
        ),
        sa.Column(
            "salary_amount", consolidation.core.schema.Money(precision=24, scale=6), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch.id"],
            name=op.f("fk_control_total_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_control_total_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_control_total_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_total")),
    )
    with op.batch_alter_table("control_total", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_control_total_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_control_total_ministry_id"), ["ministry_id"], unique=False
        )

    op.create_table(
        "quarantine_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False, comment="issue or held"),
        sa.Column("held_by", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("corrected", sa.JSON(), nullable=True),
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
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_quarantine_record_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_quarantine_record_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_record")),
        sa.UniqueConstraint(
            "source_system",
            "entity",
            "source_key",
            name=op.f("uq_quarantine_record_source_system_entity_source_key"),
        ),
    )
    with op.batch_alter_table("quarantine_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_record_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quarantine_record_source_system"), ["source_system"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quarantine_record_status"), ["status"], unique=False)

    op.create_table(
        "source_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("account_type", sa.String(length=32), nullable=True),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_source_account_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_source_account_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_source_account_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_source_account_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_account")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_source_account_source_system_source_key")
        ),
    )
    with op.batch_alter_table("source_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_account_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_source_account_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_source_account_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "partner_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("vendor_no", sa.String(length=64), nullable=False),
        sa.Column("cr_number", sa.String(length=32), nullable=True),
        sa.Column("vat_number", sa.String(length=32), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("recency", sa.DateTime(timezone=True), nullable=True),
        sa.Column("match_method", sa.String(length=16), nullable=True),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_partner_source_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_partner_source_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_source_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_partner_source_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_source")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_partner_source_source_system_source_key")
        ),
    )
    with op.batch_alter_table("partner_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_source_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_source_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_source_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_source_source_system"), ["source_system"], unique=False
        )

    op.create_table(
        "person_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("national_id", sa.String(length=32), nullable=True),
        sa.Column("name_ar", sa.String(length=255), nullable=True),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("recency", sa.DateTime(timezone=True), nullable=True),
        sa.Column("match_method", sa.String(length=16), nullable=True),
        sa.Column("match_score", sa.Float(), nullable=True, comment="Name similarity, 0-100."),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_person_source_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ministry_id"], ["ministry.id"], name=op.f("fk_person_source_ministry_id_ministry")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_source_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["source_system"],
            ["source_system.code"],
            name=op.f("fk_person_source_source_system_source_system"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_source")),
        sa.UniqueConstraint(
            "source_system", "source_key", name=op.f("uq_person_source_source_system_source_key")
        ),
    )
    with op.batch_alter_table("person_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_source_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_source_ministry_id"), ["ministry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_source_national_id"), ["national_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_source_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_source_source_system"), ["source_system"], unique=False
        )

    # The unified tables below were created empty by 0001 (extraction only fills the raw
    # area), so their new NOT NULL columns need no backfill.
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit_code", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("job_code", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("grade_code", sa.String(length=32), nullable=True))
        batch_op.alter_column("person_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade_code", sa.String(length=32), nullable=True))

    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_no", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("vendor_no", sa.String(length=64), nullable=True))

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_code", sa.String(length=64), nullable=True))

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "partner_key",
                sa.String(length=64),
                nullable=False,
                comment="Stable id of the matched cluster.",
            )
        )
        batch_op.create_unique_constraint(batch_op.f("uq_partner_partner_key"), ["partner_key"])

    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_no", sa.String(length=64), nullable=False))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "person_key",
                sa.String(length=64),
                nullable=False,
                comment="Stable id of the matched cluster.",
            )
        )
        batch_op.create_unique_constraint(batch_op.f("uq_person_person_key"), ["person_key"])

    op.execute("UPDATE validation_issue SET field = '' WHERE field IS NULL")
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.alter_column("field", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.create_unique_constraint(
            "uq_validation_issue_identity",
            ["source_system", "entity", "source_key", "rule_id", "field"],
        )


def downgrade() -> None:
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.drop_constraint("uq_validation_issue_identity", type_="unique")
        batch_op.alter_column("field", existing_type=sa.VARCHAR(length=64), nullable=True)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_person_person_key"), type_="unique")
        batch_op.drop_column("person_key")

    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.drop_column("employee_no")

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_partner_partner_key"), type_="unique")
        batch_op.drop_column("partner_key")

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_column("parent_code")

    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.drop_column("vendor_no")
        batch_op.drop_column("entry_no")

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("grade_code")

    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("grade_code")
        batch_op.drop_column("job_code")
        batch_op.drop_column("org_unit_code")

    with op.batch_alter_table("person_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_source_source_system"))
        batch_op.drop_index(batch_op.f("ix_person_source_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_source_national_id"))
        batch_op.drop_index(batch_op.f("ix_person_source_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_person_source_batch_id"))

    op.drop_table("person_source")
    with op.batch_alter_table("partner_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_source_source_system"))
        batch_op.drop_index(batch_op.f("ix_partner_source_partner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_source_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_partner_source_batch_id"))

    op.drop_table("partner_source")
    with op.batch_alter_table("source_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_account_source_system"))
        batch_op.drop_index(batch_op.f("ix_source_account_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_source_account_batch_id"))

    op.drop_table("source_account")
    with op.batch_alter_table("quarantine_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_record_status"))
        batch_op.drop_index(batch_op.f("ix_quarantine_record_source_system"))
        batch_op.drop_index(batch_op.f("ix_quarantine_record_batch_id"))

    op.drop_table("quarantine_record")
    with op.batch_alter_table("control_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_total_ministry_id"))
        batch_op.drop_index(batch_op.f("ix_control_total_batch_id"))

    op.drop_table("control_total")
    op.drop_table("match_review")
