"""Authority contacts, the working-day calendar's overrides, information requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('day_off', 'working_day', name='calendar_day_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    op.create_table('information_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authority_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('requester_name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('reply_email', sa.String(length=254), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'clarification', 'extended', 'answered', 'partly_answered', 'refused', 'withdrawn', name='request_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('term_start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clarification_question', sa.Text(), nullable=True),
    sa.Column('clarification_answer', sa.Text(), nullable=True),
    sa.Column('clarification_asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refusal_reason', sa.String(length=64), nullable=True),
    sa.Column('refusal_text', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('official_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], name=op.f('fk_information_request_authority_id_authority')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_information_request_citizen_id_citizen')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_information_request')),
    sa.UniqueConstraint('number', name=op.f('uq_information_request_number')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_information_request_year_sequence'))
    )
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_information_request_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_request_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_information_request_status_due_at', ['status', 'due_at'], unique=False)

    op.create_table('mail',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dropped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail'))
    )
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.create_index('ix_mail_pending', ['sent_at', 'dropped_at', 'send_after'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dropped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_notice_citizen_id_citizen')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_notice_pending', ['sent_at', 'dropped_at', 'send_after'], unique=False)

    op.create_table('request_attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['information_request.id'], name=op.f('fk_request_attachment_request_id_information_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_attachment'))
    )
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_attachment_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('request_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('public_council_url', sa.String(length=300), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.drop_column('public_council_url')
        batch_op.drop_column('website')
        batch_op.drop_column('request_email')
        batch_op.drop_column('phone')
        batch_op.drop_column('address')

    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_attachment_request_id'))

    op.drop_table('request_attachment')
    with op.batch_alter_table('mail', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_pending')

    op.drop_table('mail')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_pending')
        batch_op.drop_index(batch_op.f('ix_notice_citizen_id'))

    op.drop_table('notice')
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.drop_index('ix_information_request_status_due_at')
        batch_op.drop_index(batch_op.f('ix_information_request_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_information_request_authority_id'))

    op.drop_table('information_request')
    op.drop_table('calendar_override')
