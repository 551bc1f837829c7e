"""Reserved for the e-polls tables (issue 11): empty until the polls module lands, so that
the revisions after it did not have to wait for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
