"""Notifications are claimed before they are sent, like reminders: two runs never send one twice.
Reminders count their failed attempts, so that one that keeps failing is given up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("claimed_at", sa.DateTime(timezone=True)))
    op.add_column("reminders", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("claimed_at")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("attempts")
