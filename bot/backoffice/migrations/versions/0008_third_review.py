"""The third security review: browsers staff have signed in from (guesses from elsewhere do not
lock the account for them), when a message filed for review was written (its retention
counts from then, not from the review), and reminder-address links kept as hashes only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import hashlib

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
    # Links already sent keep working: their secrets become hashes. (No table refers to this
    # one, so SQLite's rebuild of it in batch mode deletes nothing else.)
    op.add_column("address_confirmations", sa.Column("token_hash", sa.String(64)))
    connection = op.get_bind()
    for row_id, token in connection.execute(sa.text("SELECT id, token FROM address_confirmations")).all():
        connection.execute(
            sa.text("UPDATE address_confirmations SET token_hash = :hash WHERE id = :id"),
            {"hash": hashlib.sha256(token.encode()).hexdigest(), "id": row_id},
        )
    with op.batch_alter_table("address_confirmations") as batch:
        batch.drop_column("token")
        batch.create_unique_constraint("uq_address_confirmations_token_hash", ["token_hash"])


def downgrade() -> None:
    # The secrets are gone: links not yet opened stop working (their owners can ask again).
    with op.batch_alter_table("address_confirmations") as batch:
        batch.drop_constraint("uq_address_confirmations_token_hash", type_="unique")
        batch.add_column(sa.Column("token", sa.String(64)))
    op.execute("UPDATE address_confirmations SET token = token_hash")
    with op.batch_alter_table("address_confirmations") as batch:
        batch.alter_column("token", nullable=False)
        batch.create_unique_constraint("uq_address_confirmations_token", ["token"])
        batch.drop_column("token_hash")
    op.drop_column("unanswered_reviews", "asked_at")  # a plain DROP COLUMN (SQLite 3.35+): no rebuild
    op.drop_table("staff_devices")
