"""Leads, notifications (the outbox) and reminders.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_name", sa.String(120)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(40)),
        sa.Column("visa_type", sa.String(40)),
        sa.Column("consulate", sa.String(80)),
        sa.Column("interview_date", sa.Date()),
        sa.Column("notice_date", sa.Date()),
        sa.Column("notice_request", sa.String(40)),
        sa.Column("has_petition", sa.Boolean()),
        sa.Column("petitioner_name", sa.String(200)),
        sa.Column("description", sa.Text()),
        sa.Column("deadline", sa.Date()),
        sa.Column("urgency", sa.String(20)),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_index("ix_leads_conversation_id", "leads", ["conversation_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(500)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_notifications_lead_id", "notifications", ["lead_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("conversation_id", "email", "deadline", "days_before"),
    )
    op.create_index("ix_reminders_conversation_id", "reminders", ["conversation_id"])
    op.create_index("ix_reminders_remind_on", "reminders", ["remind_on"])


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("notifications")
    op.drop_table("leads")
