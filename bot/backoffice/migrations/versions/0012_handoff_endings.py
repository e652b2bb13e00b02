"""Live handoff (issue 26 review): how a live chat ended, and whether the Rasa server was told.

`ending` is returned | closed | abandoned | expired (state "returned" covers both a hand-back and
a take-over abandoned by its holder); `assistant_told_at` stays NULL until the Rasa server
confirmed the end (the note to the applicant and `resume`), and the dashboard's timers tell it
again until then, across restarts. Handoffs that ended before this migration count as told
(ending = their state): the dashboard that ended them already tried.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("ending", "assistant_told_at")


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("ending", sa.String(12)))
    op.add_column("handoffs", sa.Column("assistant_told_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE handoffs SET ending = state, assistant_told_at = COALESCE(ended_at, requested_at) "
        "WHERE state NOT IN ('waiting', 'held')"
    )


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), as in 0009 and 0011, not batch
    # mode's rebuild of the table.
    for column in reversed(COLUMNS):
        op.drop_column("handoffs", column)
