"""Tables of the firm's database. Changing them needs a new migration in bot/backoffice/migrations/versions."""

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

from bot.rules import clock
from bot.rules.deadline import URGENT, urgency_for

# SQLAlchemy 1.4 ships without type hints: its declarative base is Any to mypy.
Base: Any = declarative_base()

# Longest accepted answers; the intake form refuses longer ones with a message.
MAX_LENGTHS = {
    "person_name": 120,
    "email": 254,
    "phone": 40,
    "contact": 254,
    "petitioner_name": 200,
    "case_description": 2000,
    "consulate": 80,
    "visa_type": 40,
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Lead(Base):
    """A consultation intake or a callback request, stored only with the applicant's consent."""

    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)  # "consultation" or "callback"
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    consent_at = Column(DateTime(timezone=True), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    person_name = Column(String(MAX_LENGTHS["person_name"]))
    email = Column(String(MAX_LENGTHS["email"]))
    phone = Column(String(MAX_LENGTHS["phone"]))
    visa_type = Column(String(MAX_LENGTHS["visa_type"]))
    consulate = Column(String(MAX_LENGTHS["consulate"]))
    interview_date = Column(Date)
    notice_date = Column(Date)
    notice_request = Column(String(40))  # documents / administrative_processing / petition_returned / unknown
    has_petition = Column(Boolean)
    petitioner_name = Column(String(MAX_LENGTHS["petitioner_name"]))
    description = Column(Text)
    deadline = Column(Date)
    urgency = Column(String(20))  # as it was on the day of intake; see current_urgency
    summary = Column(Text, nullable=False)  # the case summary sent to the attorney

    notifications = relationship("Notification", back_populates="lead", cascade="all, delete-orphan")

    def current_urgency(self, today: dt.date) -> str | None:
        """The urgency band on `today`: a deadline 60 days out at intake is due within 30 a month later."""
        if self.deadline is None:
            return None
        return urgency_for((self.deadline - today).days)

    @property
    def is_urgent(self) -> bool:
        return self.current_urgency(clock.today()) in URGENT


class Notification(Base):
    """An outbox row: a message to the firm that is retried until it is delivered."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    lead_id = Column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(20), nullable=False)  # "email" or "slack"
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(500))
    claimed_at = Column(DateTime(timezone=True))  # a delivery run is sending it
    sent_at = Column(DateTime(timezone=True))

    lead = relationship("Lead", back_populates="notifications")


class Reminder(Base):
    """An email to the applicant some days before their 221(g) deadline."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("conversation_id", "email", "deadline", "days_before"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    email = Column(String(MAX_LENGTHS["email"]), nullable=False)
    deadline = Column(Date, nullable=False)
    days_before = Column(Integer, nullable=False)
    remind_on = Column(Date, nullable=False, index=True)
    consent_at = Column(DateTime(timezone=True), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = Column(DateTime(timezone=True))  # a send-due run is sending it
    attempts = Column(Integer, nullable=False, default=0)  # failed sends; given up at a limit
    sent_at = Column(DateTime(timezone=True))


class AddressConfirmation(Base):
    """Proof that a reminder address belongs to the person who asked: a link sent to it,
    which they opened. Reminders go only to an address confirmed from their conversation."""

    __tablename__ = "address_confirmations"
    __table_args__ = (UniqueConstraint("conversation_id", "email"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    email = Column(String(MAX_LENGTHS["email"]), nullable=False)
    token = Column(String(64), nullable=False, unique=True)  # the link's secret; valid CONFIRMATION_DAYS
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = Column(DateTime(timezone=True))  # a send-due run is sending the link
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime(timezone=True))
    confirmed_at = Column(DateTime(timezone=True))


class ErasureRequest(Base):
    """An applicant's request to delete a conversation's data, kept until it is complete
    (the transcript lives in another database, which may be down when they ask)."""

    __tablename__ = "erasure_requests"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    requested_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(500))
    completed_at = Column(DateTime(timezone=True))
