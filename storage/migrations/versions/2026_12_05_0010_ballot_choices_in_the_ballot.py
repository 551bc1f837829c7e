"""A ballot's choices in the ballot row (a JSON list of candidate ids, ascending) instead
of a row per choice in ``ballot_choice``.

Why: a ballot is written, counted and published whole, and the separate rows cost a
foreign-key check against ``ballot``, a table growing as fast as the checks run, whose
cached check plan went on scanning it (docs/performance.md, "Issue 11: casting
ballots"). Existing ballots keep their choices.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ballot = sa.table("ballot", sa.column("id", sa.String(32)), sa.column("choices", sa.JSON()))
_choice = sa.table(
    "ballot_choice",
    sa.column("ballot_id", sa.String(32)),
    sa.column("candidate_id", sa.BigInteger()),
)


def upgrade() -> None:
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choices", sa.JSON(), nullable=True))
    bind = op.get_bind()
    chosen: dict[str, list[int]] = {}
    for ballot_id, candidate_id in bind.execute(sa.select(_choice.c.ballot_id, _choice.c.candidate_id)):
        chosen.setdefault(ballot_id, []).append(int(candidate_id))
    for ballot_id, candidates in chosen.items():
        bind.execute(
            _ballot.update().where(_ballot.c.id == ballot_id).values(choices=sorted(candidates))
        )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.alter_column("choices", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("ballot_choice", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_choice_candidate")
    op.drop_table("ballot_choice")


def downgrade() -> None:
    op.create_table('ballot_choice',
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('candidate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_ballot_choice_ballot_id_ballot')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_ballot_choice_candidate_id_candidate')),
    sa.PrimaryKeyConstraint('ballot_id', 'candidate_id', name=op.f('pk_ballot_choice'))
    )
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_choice_candidate', ['candidate_id'], unique=False)
    bind = op.get_bind()
    rows = [
        {"ballot_id": ballot_id, "candidate_id": candidate_id}
        for ballot_id, choices in bind.execute(sa.select(_ballot.c.id, _ballot.c.choices))
        for candidate_id in choices
    ]
    if rows:
        bind.execute(_choice.insert(), rows)
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_column("choices")
