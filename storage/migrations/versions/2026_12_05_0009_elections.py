"""Public council elections: the elections, their candidates, who voted (apart from what
was voted), the ballots with their choices, and the receipts' hashes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('election',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('authority_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('required_verification', sa.Enum('phone', name='election_verification', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('published_ballots', sa.Text(), nullable=True),
    sa.Column('published_receipts', sa.Text(), nullable=True),
    sa.Column('ballots_digest', sa.String(length=64), nullable=True),
    sa.Column('receipts_digest', sa.String(length=64), nullable=True),
    sa.Column('ballot_count', sa.Integer(), nullable=True),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_election_window')),
    sa.CheckConstraint('max_choices >= 1', name=op.f('ck_election_max_choices_positive')),
    sa.CheckConstraint('seats BETWEEN 1 AND 35', name=op.f('ck_election_seats_range')),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], name=op.f('fk_election_authority_id_authority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election'))
    )
    op.create_table('ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('election_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_ballot_election_id_election')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_election', ['election_id'], unique=False)

    op.create_table('candidate',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('election_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('biography', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_candidate_election_id_election')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_candidate_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate')),
    sa.UniqueConstraint('election_id', 'organisation_id', name=op.f('uq_candidate_election_id_organisation_id'))
    )
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_election', ['election_id', 'id'], unique=False)

    op.create_table('election_receipt',
    sa.Column('election_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_election_receipt_election_id_election')),
    sa.PrimaryKeyConstraint('election_id', 'code_hash', name=op.f('pk_election_receipt'))
    )
    op.create_table('election_voter',
    sa.Column('election_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('citizen_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_election_voter_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['election_id'], ['election.id'], name=op.f('fk_election_voter_election_id_election')),
    sa.PrimaryKeyConstraint('election_id', 'citizen_id', name=op.f('pk_election_voter'))
    )
    with op.batch_alter_table('election_voter', schema=None) as batch_op:
        batch_op.create_index('ix_election_voter_citizen', ['citizen_id'], unique=False)

    op.create_table('ballot_choice',
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('candidate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_ballot_choice_ballot_id_ballot')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_ballot_choice_candidate_id_candidate')),
    sa.PrimaryKeyConstraint('ballot_id', 'candidate_id', name=op.f('pk_ballot_choice'))
    )
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_choice_candidate', ['candidate_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_choice_candidate')

    op.drop_table('ballot_choice')
    with op.batch_alter_table('election_voter', schema=None) as batch_op:
        batch_op.drop_index('ix_election_voter_citizen')

    op.drop_table('election_voter')
    op.drop_table('election_receipt')
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_election')

    op.drop_table('candidate')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_election')

    op.drop_table('ballot')
    op.drop_table('election')
