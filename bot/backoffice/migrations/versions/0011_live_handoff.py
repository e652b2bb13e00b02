"""Live handoff (issue 26): the handoffs table, at most one open (waiting or held) per
conversation, and the staff's availability and how the applicant is told who they talk to.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('waiting', 'held')")
STAFF_COLUMNS = ("available", "last_seen_at", "display_name", "role_title")


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("available", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("staff_users", sa.Column("last_seen_at", sa.DateTime(timezone=True)))
    op.add_column("staff_users", sa.Column("display_name", sa.String(100)))
    op.add_column("staff_users", sa.Column("role_title", sa.String(100)))
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20)),
        sa.Column("language", sa.String(8), nullable=False, server_default="en"),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("last_staff_message_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    # Partial unique index (SQLite 3.8 and PostgreSQL): two staff cannot hold one conversation,
    # and two requests at once make one handoff.
    op.create_index(
        "uq_handoffs_open_conversation",
        "handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_handoffs_open_conversation", table_name="handoffs")
    op.drop_table("handoffs")
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), as in 0009: batch mode's rebuild
    # of staff_users would delete its sessions and devices (ON DELETE CASCADE).
    for column in reversed(STAFF_COLUMNS):
        op.drop_column("staff_users", column)
