"""The stakeholder base (civil-society organisations, which nominate council candidates),
and broadcasts that carry a module's announcement (a notice kind and its subject)
instead of an official's texts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:53:57.244778
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('edrpou', sa.String(length=8), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('contacts', sa.String(length=500), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(edrpou) = 8', name=op.f('ck_organisation_edrpou_eight_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('edrpou', name=op.f('uq_organisation_edrpou'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_name', ['name'], unique=False)

    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_column('subject_id')
        batch_op.drop_column('notice_kind')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_name')

    op.drop_table('organisation')
