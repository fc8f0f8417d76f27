"""A batch's holder (process, host, heartbeat), so a killed run's batch is found; the web
app's users and server-side sessions, sign-in attempts (rate limit and lockout), ministries'
notification digests, and background jobs (revalidation from the browser).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:35:45.980098
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.add_column(
            sa.Column(
                "pid",
                sa.Integer(),
                nullable=True,
                comment="The process working on the batch, until it rests (extracted by extract "
                "alone, staged, failed); a dead one's batch is found and marked interrupted",
            )
        )
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_audit_event_target", "audit_event", ["target_type", "target_id"])
    op.create_index(
        "ix_validation_issue_status_rule",
        "validation_issue",
        ["status", "rule_id", "source_system", "source_key"],
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column(
            "role", sa.String(length=16), nullable=False, comment="admin, steward, finance, auditor"
        ),
        sa.Column(
            "ministries",
            sa.JSON(),
            nullable=False,
            comment="A steward's ministries; empty for the other roles",
        ),
        sa.Column(
            "password_hash",
            sa.String(length=255),
            nullable=False,
            comment="argon2id, never a password",
        ),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_signins", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "locked_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Sign-in refused until then, after repeated failures",
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "background_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lock_key", sa.String(length=64), nullable=True),
        sa.Column(
            "state",
            sa.String(length=16),
            nullable=False,
            comment="running, done, failed, interrupted",
        ),
        sa.Column("started_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column(
            "host",
            sa.String(length=255),
            nullable=True,
            comment="With pid: a holder dead on this host is taken over at once",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_job")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_background_job_lock_key")),
    )
    op.create_table(
        "notification_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ministry", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False, comment="mail or sms"),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="sent or failed"),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "content",
            sa.JSON(),
            nullable=False,
            comment="The counts the digest told: open by rule, resolved, oldest",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digest")),
        sa.UniqueConstraint(
            "ministry",
            "channel",
            "fingerprint",
            name=op.f("uq_notification_digest_ministry_channel_fingerprint"),
        ),
    )
    with op.batch_alter_table("notification_digest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_digest_ministry"), ["ministry"], unique=False
        )

    op.create_table(
        "signin_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_attempt")),
    )
    with op.batch_alter_table("signin_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signin_attempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signin_attempt_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_signin_attempt_username"), ["username"], unique=False)

    op.create_table(
        "app_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reauthenticated_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="The last time the password was asked again (bulk actions)",
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="en", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_app_session_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_app_session_token_hash")),
    )
    with op.batch_alter_table("app_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("host")
        batch.drop_column("pid")
    op.drop_index("ix_validation_issue_status_rule", table_name="validation_issue")
    op.drop_index("ix_audit_event_target", table_name="audit_event")
    with op.batch_alter_table("app_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_session_user_id"))

    op.drop_table("app_session")
    with op.batch_alter_table("signin_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signin_attempt_username"))
        batch_op.drop_index(batch_op.f("ix_signin_attempt_client"))
        batch_op.drop_index(batch_op.f("ix_signin_attempt_at"))

    op.drop_table("signin_attempt")
    with op.batch_alter_table("notification_digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_digest_ministry"))

    op.drop_table("notification_digest")
    op.drop_table("background_job")
    op.drop_table("app_user")
