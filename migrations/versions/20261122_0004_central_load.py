"""The central load: load runs, and a checkpoint state per central reference.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "load_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column(
            "central_url", sa.String(length=512), nullable=False, comment="Without credentials."
        ),
        sa.Column("central_database", sa.String(length=128), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="running, finished, failed"
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_run")),
    )
    with op.batch_alter_table("central_ref", schema=None) as batch_op:
        batch_op.add_column(sa.Column("load_run_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "state",
                sa.String(length=16),
                nullable=False,
                server_default="loaded",
                comment="loaded, draft, posted, archived",
            )
        )
        batch_op.create_index(batch_op.f("ix_central_ref_batch_id"), ["batch_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_central_ref_load_run_id_load_run"), "load_run", ["load_run_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("central_ref", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_central_ref_load_run_id_load_run"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_central_ref_batch_id"))
        batch_op.drop_column("state")
        batch_op.drop_column("load_run_id")
    op.drop_table("load_run")
