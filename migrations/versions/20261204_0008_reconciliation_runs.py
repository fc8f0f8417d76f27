"""Reconciliation runs, their cells and finance officers' sign-offs.

A run keeps its scope, the fingerprint of what it compared and its outcome; its cells keep both
sides of every ministry, account and period of every comparison, with the quarantined and
rejected parts, exact (Money at scale 6). A sign-off names a ministry-period of a run and a
digest of its cells; a later run that finds them changed marks it reopened.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from consolidation.core.schema import Money

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _amount(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, Money(24, 6), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reconcile_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "scope_key",
            sa.String(length=255),
            nullable=False,
            comment="The scope as text: runs of one scope are compared",
        ),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.JSON(), nullable=False),
        sa.Column(
            "outcome",
            sa.String(length=16),
            nullable=False,
            comment="reconciled, explained or unexplained",
        ),
        sa.Column(
            "result",
            sa.JSON(),
            nullable=False,
            comment="Explanations, differences, headcount and notes",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_run")),
    )
    op.create_index(op.f("ix_reconcile_run_scope_key"), "reconcile_run", ["scope_key"])
    sides = ("left", "right", "quarantined", "rejected")
    op.create_table(
        "reconcile_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("comparison", sa.String(length=32), nullable=False),
        sa.Column("ministry", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *[
            column
            for side in sides
            for column in (
                sa.Column(f"{side}_count", sa.Integer(), nullable=False),
                _amount(f"{side}_debit_amount"),
                _amount(f"{side}_credit_amount"),
            )
        ],
        _amount("tolerance_amount", nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="BHD", nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconcile_run.id"],
            name=op.f("fk_reconcile_cell_run_id_reconcile_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_cell")),
    )
    op.create_index(op.f("ix_reconcile_cell_run_id"), "reconcile_cell", ["run_id"])
    op.create_table(
        "reconcile_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ministry", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("signed_by", sa.String(length=128), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("digest", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="signed, reopened"),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by_run", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reconcile_run.id"], name=op.f("fk_reconcile_signoff_run_id_reconcile_run")
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by_run"],
            ["reconcile_run.id"],
            name=op.f("fk_reconcile_signoff_reopened_by_run_reconcile_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_signoff")),
    )
    op.create_index(op.f("ix_reconcile_signoff_run_id"), "reconcile_signoff", ["run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reconcile_signoff_run_id"), table_name="reconcile_signoff")
    op.drop_table("reconcile_signoff")
    op.drop_index(op.f("ix_reconcile_cell_run_id"), table_name="reconcile_cell")
    op.drop_table("reconcile_cell")
    op.drop_index(op.f("ix_reconcile_run_scope_key"), table_name="reconcile_run")
    op.drop_table("reconcile_run")
