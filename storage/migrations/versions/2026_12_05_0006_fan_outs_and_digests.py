"""Fan-outs (an event's notices to many, expanded by the worker) and daily digests
(low-priority broadcasts' rows held for one message a day); the broadcast rows' waiting
index leaves out the held ones, which have an index of their own by account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:38:31.424889
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WAITING = "sent_at IS NULL AND dropped_at IS NULL AND "
OLD_BROADCAST = sa.text(WAITING + "broadcast_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "fan_out",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "expand_cursor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("expanded", sa.Integer(), nullable=False),
        sa.Column("expanded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fan_out")),
    )
    with op.batch_alter_table("fan_out", schema=None) as batch_op:
        batch_op.create_index("ix_fan_out_expanded_at", ["expanded_at"], unique=False)

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("low_priority", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_index(
            "ix_notice_waiting_broadcast", postgresql_where=OLD_BROADCAST, sqlite_where=OLD_BROADCAST
        )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_waiting_broadcast",
            ["id"],
            unique=False,
            postgresql_where=sa.text(WAITING + "broadcast_id IS NOT NULL AND in_digest = false"),
            sqlite_where=sa.text(WAITING + "broadcast_id IS NOT NULL AND in_digest = 0"),
        )
        batch_op.create_index(
            "ix_notice_waiting_digest",
            ["account_id", "id"],
            unique=False,
            postgresql_where=sa.text(WAITING + "in_digest = true"),
            sqlite_where=sa.text(WAITING + "in_digest = 1"),
        )


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_waiting_digest")
        batch_op.drop_index("ix_notice_waiting_broadcast")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("in_digest")
        batch_op.create_index(
            "ix_notice_waiting_broadcast",
            ["id"],
            unique=False,
            postgresql_where=OLD_BROADCAST,
            sqlite_where=OLD_BROADCAST,
        )

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("low_priority")

    with op.batch_alter_table("fan_out", schema=None) as batch_op:
        batch_op.drop_index("ix_fan_out_expanded_at")

    op.drop_table("fan_out")
