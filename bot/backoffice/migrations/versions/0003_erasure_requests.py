"""Erasure requests, kept until the conversation's data is deleted everywhere.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_erasure_requests_conversation_id", "erasure_requests", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("erasure_requests")
