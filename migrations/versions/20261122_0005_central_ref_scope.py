"""A central reference's scope: one unified row may have a counterpart per company.

In the multi-company mode (``company_mode: per_ministry``) each ministry is a ``res.company``
with a chart of its own, so one unified account has one ``account.account`` per ministry. The
reference is then unique per (entity, row, scope), the scope naming the company ('' when the
row has one counterpart).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("central_ref", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.String(length=64),
                nullable=False,
                server_default=sa.text("''"),
                comment="The company of a per-company counterpart ('' when there is one).",
            )
        )
        batch_op.drop_constraint(batch_op.f("uq_central_ref_entity_row_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_central_ref_entity_row_id_scope"), ["entity", "row_id", "scope"]
        )


def downgrade() -> None:
    # a multi-company load's per-company references cannot be kept under the old key
    op.execute("DELETE FROM central_ref WHERE scope <> ''")
    with op.batch_alter_table("central_ref", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_central_ref_entity_row_id_scope"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_central_ref_entity_row_id"), ["entity", "row_id"]
        )
        batch_op.drop_column("scope")
