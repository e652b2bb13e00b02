"""The conversation's language on what the applicant asked for (issue 25): a reminder and its
address confirmation are written in it, and the firm's dashboard shows and filters a lead's.
Rows from before are English, the only language there was.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("leads", "reminders", "address_confirmations")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not batch mode's rebuild: dropping
    # the old leads table would delete every notification (ON DELETE CASCADE); see 0007.
    for table in reversed(TABLES):
        op.drop_column(table, "language")
