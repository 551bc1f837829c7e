"""Channel accounts know whether the platform still lets us write to the user.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reachable', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('unreachable_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.drop_column('unreachable_at')
        batch_op.drop_column('reachable')

