"""Lineage without foreign keys: batch_id and source_system of unified rows are indexed,
not constrained, so bulk staging does not pay a trigger call per row and per key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:03:57.024902
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employment_source_system"))
        batch_op.drop_constraint(batch_op.f("fk_employment_batch_id_batch"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_employment_source_system_source_system"), type_="foreignkey"
        )

    with op.batch_alter_table("grade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_grade_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_grade_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_job_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_job_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entry_source_system"))
        batch_op.drop_constraint(batch_op.f("fk_journal_entry_batch_id_batch"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_journal_entry_source_system_source_system"), type_="foreignkey"
        )

    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_line_source_system"))
        batch_op.drop_constraint(batch_op.f("fk_journal_line_batch_id_batch"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_journal_line_source_system_source_system"), type_="foreignkey"
        )

    with op.batch_alter_table("opening_balance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_balance_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_opening_balance_batch_id_batch"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_opening_balance_source_system_source_system"), type_="foreignkey"
        )

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_org_unit_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_org_unit_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_partner_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_partner_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("partner_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_source_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_partner_source_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_partner_source_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payroll_line_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_payroll_line_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_payroll_line_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_source_system"))
        batch_op.drop_constraint(batch_op.f("fk_person_batch_id_batch"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_person_source_system_source_system"), type_="foreignkey"
        )

    with op.batch_alter_table("person_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_source_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_person_source_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_person_source_batch_id_batch"), type_="foreignkey")

    with op.batch_alter_table("source_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_account_source_system"))
        batch_op.drop_constraint(
            batch_op.f("fk_source_account_source_system_source_system"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_source_account_batch_id_batch"), type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("source_account", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_source_account_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_source_account_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_source_account_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("person_source", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_person_source_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_person_source_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_person_source_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_person_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_person_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_person_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("payroll_line", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_payroll_line_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payroll_line_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_payroll_line_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("partner_source", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_source_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_source_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_partner_source_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_partner_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_org_unit_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_org_unit_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(
            batch_op.f("ix_org_unit_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("opening_balance", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_opening_balance_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_opening_balance_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_opening_balance_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_line_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_line_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_journal_line_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_entry_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_journal_entry_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_journal_entry_source_system"), ["source_system"], unique=False
        )

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_job_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_job_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(batch_op.f("ix_job_source_system"), ["source_system"], unique=False)

    with op.batch_alter_table("grade", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_grade_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_grade_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_index(batch_op.f("ix_grade_source_system"), ["source_system"], unique=False)

    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_employment_source_system_source_system"),
            "source_system",
            ["source_system"],
            ["code"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_employment_batch_id_batch"), "batch", ["batch_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_employment_source_system"), ["source_system"], unique=False
        )
