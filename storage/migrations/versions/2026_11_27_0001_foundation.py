"""Foundation: citizens, channel accounts, processed events, authorities, petitions.

Static and reversible: no reference to application code, so later model changes cannot
alter what this step does.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('authority',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name_uk', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('level', sa.Enum('national', 'regional', 'local', name='authority_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('petition_threshold', sa.Integer(), nullable=False),
    sa.Column('petition_period_months', sa.Integer(), nullable=True),
    sa.Column('petition_period_days', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(petition_period_months IS NULL) <> (petition_period_days IS NULL)', name=op.f('ck_authority_one_period')),
    sa.CheckConstraint('petition_threshold > 0', name=op.f('ck_authority_threshold_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority')),
    sa.UniqueConstraint('name_uk', name=op.f('uq_authority_name_uk'))
    )
    op.create_table('citizen',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_hint', sa.String(length=4), nullable=True),
    sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen')),
    sa.UniqueConstraint('phone_hash', name=op.f('uq_citizen_phone_hash'))
    )
    op.create_table('processed_event',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'event_id', name=op.f('pk_processed_event'))
    )
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_event_processed_at'), ['processed_at'], unique=False)

    op.create_table('channel_account',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('dialog_state', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_channel_account_citizen_id_citizen')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_account')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_channel_account_channel_external_id'))
    )
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_account_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('petition',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authority_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('moderation', 'open', 'awaiting_answer', 'answered', 'closed', 'rejected', name='petition_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('threshold_reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_citizen_id'], ['citizen.id'], name=op.f('fk_petition_author_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], name=op.f('fk_petition_authority_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition'))
    )
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_author_citizen_id'), ['author_citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_petition_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index('ix_petition_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('petition_tally',
    sa.Column('petition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('signature_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('signature_count >= 0', name=op.f('ck_petition_tally_count_not_negative')),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_tally_petition_id_petition')),
    sa.PrimaryKeyConstraint('petition_id', 'shard', name=op.f('pk_petition_tally'))
    )
    op.create_table('signature',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('petition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_signature_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_signature_petition_id_petition')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature')),
    sa.UniqueConstraint('petition_id', 'citizen_id', name=op.f('uq_signature_petition_id_citizen_id'))
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_citizen_id'), ['citizen_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_citizen_id'))

    op.drop_table('signature')
    op.drop_table('petition_tally')
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_status_published_at')
        batch_op.drop_index(batch_op.f('ix_petition_authority_id'))
        batch_op.drop_index(batch_op.f('ix_petition_author_citizen_id'))

    op.drop_table('petition')
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_account_citizen_id'))

    op.drop_table('channel_account')
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_event_processed_at'))

    op.drop_table('processed_event')
    op.drop_table('citizen')
    op.drop_table('authority')
