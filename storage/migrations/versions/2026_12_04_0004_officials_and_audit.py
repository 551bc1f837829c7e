"""Officials' accounts, their authorities, sessions, login throttling, recovery codes, and
the append-only audit log (triggers refuse UPDATE and DELETE on both databases).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:47:36.214926
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('official_email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_audit_entry_official_id_at', ['official_id', 'at'], unique=False)

    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    op.create_table('official',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('administrator', 'moderator', 'official', 'analyst', name='official_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official')),
    sa.UniqueConstraint('email', name=op.f('uq_official_email'))
    )
    op.create_table('official_authority',
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authority_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], name=op.f('fk_official_authority_authority_id_authority')),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], name=op.f('fk_official_authority_official_id_official')),
    sa.PrimaryKeyConstraint('official_id', 'authority_id', name=op.f('pk_official_authority'))
    )
    op.create_table('official_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_factor_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], name=op.f('fk_official_session_official_id_official')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_official_session'))
    )
    with op.batch_alter_table('official_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_official_session_official_id'), ['official_id'], unique=False)

    op.create_table('recovery_code',
    sa.Column('official_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], name=op.f('fk_recovery_code_official_id_official')),
    sa.PrimaryKeyConstraint('official_id', 'code_hash', name=op.f('pk_recovery_code'))
    )

    _forbid_changes_to_audit_entries()


APPEND_ONLY_MESSAGE = "audit entries are never changed or deleted"


def _forbid_changes_to_audit_entries() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_entry FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    op.drop_table('recovery_code')
    with op.batch_alter_table('official_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_official_session_official_id'))

    op.drop_table('official_session')
    op.drop_table('official_authority')
    op.drop_table('official')
    op.drop_table('login_throttle')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_official_id_at')
        batch_op.drop_index('ix_audit_entry_object')
        batch_op.drop_index('ix_audit_entry_at')
        batch_op.drop_index('ix_audit_entry_action_at')

    op.drop_table('audit_entry')
