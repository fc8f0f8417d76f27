"""Journal lines' references are checked per batch, not per row: the foreign keys of
``journal_line`` (entry, account, partner) are dropped, and every batch that writes lines runs
one set-based integrity check (an anti-join per reference) inside its transaction, before it
commits; an orphan aborts the batch (``consolidation.core.integrity``).

On PostgreSQL each foreign key was a trigger call per inserted row: 0.84 s per 100,000 lines of
a 1M-line ledger, on the store's single backend, which is the pipeline's critical path. The
check is the same on SQLite, so both stores have one guarantee and one code path.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCES = (
    ("fk_journal_line_entry_id_journal_entry", "journal_entry", "entry_id"),
    ("fk_journal_line_account_id_account", "account", "account_id"),
    ("fk_journal_line_partner_id_partner", "partner", "partner_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        for name, _table, _column in REFERENCES:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        for name, table, column in REFERENCES:
            batch_op.create_foreign_key(name, table, [column], ["id"])
