"""Leads keep the client's key (a keyed hash of its address), to cap leads per client.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("client_key", sa.String(64)))
    op.create_index("ix_leads_client_key", "leads", ["client_key"])


def downgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not batch mode's rebuild of
    # leads: dropping the old table would delete every notification (ON DELETE CASCADE), and
    # turning foreign keys off is a no-op inside the transaction that downgrades several steps.
    op.drop_index("ix_leads_client_key", table_name="leads")
    op.drop_column("leads", "client_key")
