"""Broadcasts (expanded by the delivery worker into notice rows, one per account, with
their outcome), each citizen's notification preferences and the topics they follow; the
notices waiting to be sent found through two partial indexes (a citizen's own, and
broadcasts') instead of one index on their timestamps.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:29:17.861031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcast',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sending', 'done', 'cancelled', name='broadcast_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('expand_cursor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('expanded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], name=op.f('fk_broadcast_official_id_official')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast'))
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_status_send_at', ['status', 'send_at'], unique=False)

    op.create_table('followed_topic',
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_followed_topic_citizen_id_citizen')),
    sa.PrimaryKeyConstraint('citizen_id', 'topic', name=op.f('pk_followed_topic'))
    )
    with op.batch_alter_table('followed_topic', schema=None) as batch_op:
        batch_op.create_index('ix_followed_topic_topic', ['topic', 'citizen_id'], unique=False)

    op.create_table('notification_preference',
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('announcements', sa.Boolean(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('quiet_hours', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_notification_preference_citizen_id_citizen')),
    sa.PrimaryKeyConstraint('citizen_id', name=op.f('pk_notification_preference'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.drop_index(batch_op.f('ix_notice_pending'))
        batch_op.create_index('ix_notice_broadcast_outcome', ['broadcast_id', 'outcome'], unique=False)
        batch_op.create_index('ix_notice_broadcast_sent', ['broadcast_id', 'sent_at'], unique=False)
        batch_op.create_index('ix_notice_waiting_broadcast', ['id'], unique=False, postgresql_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NOT NULL'), sqlite_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NOT NULL'))
        batch_op.create_index('ix_notice_waiting_own', ['id'], unique=False, postgresql_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_notice_account_id_channel_account'), 'channel_account', ['account_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notice_broadcast_id_broadcast'), 'broadcast', ['broadcast_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_broadcast_id_broadcast'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notice_account_id_channel_account'), type_='foreignkey')
        batch_op.drop_index('ix_notice_waiting_own', postgresql_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NULL'), sqlite_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NULL'))
        batch_op.drop_index('ix_notice_waiting_broadcast', postgresql_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NOT NULL'), sqlite_where=sa.text('sent_at IS NULL AND dropped_at IS NULL AND broadcast_id IS NOT NULL'))
        batch_op.drop_index('ix_notice_broadcast_sent')
        batch_op.drop_index('ix_notice_broadcast_outcome')
        batch_op.create_index(batch_op.f('ix_notice_pending'), ['sent_at', 'dropped_at', 'send_after'], unique=False)
        batch_op.drop_column('outcome')
        batch_op.drop_column('account_id')
        batch_op.drop_column('broadcast_id')

    op.drop_table('notification_preference')
    with op.batch_alter_table('followed_topic', schema=None) as batch_op:
        batch_op.drop_index('ix_followed_topic_topic')

    op.drop_table('followed_topic')
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcast_status_send_at')

    op.drop_table('broadcast')
