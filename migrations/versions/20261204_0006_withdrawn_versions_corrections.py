"""Withdrawn staged rows, optimistic locking of the quarantine, corrections that last.

* ``withdrawn`` on every staged table: a row whose source record's newer version is in the
  quarantine stays (its id, and its counterpart in the central Odoo) but is left out of every
  total, count, match and load until a version passes again. ``rows_withdrawn`` counts them
  per batch and entity.
* ``version`` on ``validation_issue`` and ``quarantine_record``: an update names the version it
  saw, and a stale one fails instead of overwriting.
* ``corrected_row_hash`` and ``correction_stale`` on ``quarantine_record``: a steward's
  correction applies on every later run while the source record is the version it was made to,
  and is flagged when the source record changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGED = (
    "person_source",
    "org_unit",
    "grade",
    "job",
    "employment",
    "payroll_line",
    "partner_source",
    "source_account",
    "journal_entry",
    "journal_line",
    "opening_balance",
)


def upgrade() -> None:
    for table in STAGED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rows_withdrawn",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="Of the quarantined and rejected, those whose earlier version was "
                "withdrawn from the store",
            )
        )
    with op.batch_alter_table("batch_entity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rows_withdrawn", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("quarantine_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "corrected_row_hash",
                sa.String(length=64),
                nullable=True,
                comment="The version of the source record the corrections were made to",
            )
        )
        batch_op.add_column(
            sa.Column(
                "correction_stale",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="The source record changed since it was corrected: the steward should "
                "look again",
            )
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    # corrections made before this revision were made to the record as quarantined then
    quarantine = sa.table(
        "quarantine_record",
        sa.column("data", sa.JSON),
        sa.column("corrected", sa.JSON),
        sa.column("corrected_row_hash", sa.String),
        sa.column("id", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(quarantine.c.id, quarantine.c.data).where(quarantine.c.corrected.is_not(None))
    ).all()
    for record_id, data in rows:
        connection.execute(
            sa.update(quarantine)
            .where(quarantine.c.id == record_id)
            .values(corrected_row_hash=(data or {}).get("_row_hash"))
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantine_record", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("correction_stale")
        batch_op.drop_column("corrected_row_hash")
    with op.batch_alter_table("validation_issue", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("batch_entity", schema=None) as batch_op:
        batch_op.drop_column("rows_withdrawn")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_column("rows_withdrawn")
    # a withdrawn row's source version is no longer current: without the flag it must go
    for table in reversed(STAGED):
        if table == "journal_entry":
            op.execute(
                "DELETE FROM journal_line WHERE entry_id IN "
                "(SELECT id FROM journal_entry WHERE withdrawn)"
            )
        if table == "employment":
            op.execute(
                "DELETE FROM payroll_line WHERE employment_id IN "
                "(SELECT id FROM employment WHERE withdrawn)"
            )
        op.execute(f"DELETE FROM {table} WHERE withdrawn")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("withdrawn")
