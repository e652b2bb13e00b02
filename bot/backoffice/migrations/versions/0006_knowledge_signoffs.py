"""Attorneys' sign-offs of knowledge-base entries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_signoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("signed_text", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.String(254), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_knowledge_signoffs_entry_id", "knowledge_signoffs", ["entry_id"])


def downgrade() -> None:
    op.drop_table("knowledge_signoffs")
