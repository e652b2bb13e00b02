"""The language of an attorney's sign-off of a knowledge entry (issue 25): the English text and
each translation are signed off on their own. Sign-offs from before are of the English, the
only text there was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("knowledge_signoffs", sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    # The rows stay: they are the firm's record, and a translation's signed text names its language
    # itself. The code of before reads them as English sign-offs of another version, so an entry
    # whose latest sign-off was of a translation shows as changed (not reviewed) there: it fails
    # closed. A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), as in 0009.
    op.drop_column("knowledge_signoffs", "language")
