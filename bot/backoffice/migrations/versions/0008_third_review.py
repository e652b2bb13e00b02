"""The third security review: browsers staff have signed in from (guesses from elsewhere do not
lock the account for them), and when a message filed for review was written (its retention
counts from then, not from the review).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_devices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_devices_user_id", "staff_devices", ["user_id"])
    op.add_column("unanswered_reviews", sa.Column("asked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("unanswered_reviews", "asked_at")  # a plain DROP COLUMN (SQLite 3.35+): no rebuild
    op.drop_table("staff_devices")
