"""Tables of the firm's database. Changing them needs a new migration in bot/backoffice/migrations/versions."""

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.language import DEFAULT_LANGUAGE
from bot.rules import clock
from bot.rules.deadline import URGENT, urgency_for
from bot.rules.firm import STAFF_ROLES as STAFF_ROLES  # re-exported: one list of the dashboard's roles

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


# Where the firm's staff are with a lead (the dashboard sets it).
LEAD_STATUSES = ("new", "contacted", "booked", "closed")
# A live handoff's states (issue 26): waiting for a person, held by one, handed back to the
# assistant, closed by staff, or given up when nobody took it in time. The first two are open.
HANDOFF_STATES = ("waiting", "held", "returned", "closed", "expired")
OPEN_HANDOFF_STATES = ("waiting", "held")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class Lead(Base):
    """A consultation intake or a callback request, stored only with the applicant's consent."""

    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)  # "consultation" or "callback"
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    # Who sent it, as a keyed hash of the client's address (never the address): for the cap per client.
    client_key = Column(String(64), index=True)
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
    status = Column(String(20), nullable=False, default="new", server_default="new")  # set by staff: LEAD_STATUSES
    # The conversation's language when the lead was stored (bot.language.LANGUAGES).
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)

    notifications = relationship("Notification", back_populates="lead", cascade="all, delete-orphan")
    notes = relationship(
        "LeadNote", back_populates="lead", cascade="all, delete-orphan", passive_deletes=True, order_by="LeadNote.id"
    )

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
    # The language the reminder is written in: the conversation's when it was asked for.
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)


class AddressConfirmation(Base):
    """Proof that a reminder address belongs to the person who asked: a link sent to it,
    which they opened. Reminders go only to an address confirmed from their conversation."""

    __tablename__ = "address_confirmations"
    __table_args__ = (UniqueConstraint("conversation_id", "email"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    email = Column(String(MAX_LENGTHS["email"]), nullable=False)
    # The SHA-256 of the link's secret (valid CONFIRMATION_DAYS), made when the link is sent: the
    # secret itself is never stored, so a copy of the database confirms no one's address.
    token_hash = Column(String(64), unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = Column(DateTime(timezone=True))  # a send-due run is sending the link
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime(timezone=True))
    confirmed_at = Column(DateTime(timezone=True))
    # The language of the link's email and page: the conversation's when the reminders were asked for.
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)


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


class LeadNote(Base):
    """A note a staff member wrote on a lead; deleted with it."""

    __tablename__ = "lead_notes"

    id = Column(Integer, primary_key=True)
    lead_id = Column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(254), nullable=False)  # the staff account's email
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    lead = relationship("Lead", back_populates="notes")


class StaffUser(Base):
    """An account of the firm's dashboard (made with `make staff ARGS="users add ..."`)."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)  # stored lower-case
    role = Column(String(20), nullable=False)  # STAFF_ROLES
    password_hash = Column(String(200), nullable=False)  # argon2id, with its salt and parameters
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    disabled_at = Column(DateTime(timezone=True))
    # Live handoff (issue 26): whether they take conversations now, when the dashboard last saw
    # them, and how the applicant is told who they talk to ("Ana (paralegal)").
    available = Column(Boolean, nullable=False, default=False, server_default=false())
    last_seen_at = Column(DateTime(timezone=True))
    display_name = Column(String(100))
    role_title = Column(String(100))

    @property
    def shown_name(self) -> str:
        """The name applicants are told in a live chat: the display name, else the part of the
        email before "@", capitalised ("ana.lopez@firm.example" -> "Ana.lopez")."""
        if self.display_name:
            return str(self.display_name)
        local = str(self.email).partition("@")[0]
        return local[:1].upper() + local[1:]

    @property
    def shown_title(self) -> str:
        """The role applicants are told: the title, else the dashboard role ("Attorney", "Staff")."""
        return str(self.role_title or str(self.role).capitalize())


class StaffSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored,
    so a copy of the database opens no session."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class StaffDevice(Base):
    """A browser someone has signed in from before: its cookie holds a random token (only its
    SHA-256 is stored). Failed guesses from elsewhere do not lock the account for it."""

    __tablename__ = "staff_devices"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class LoginAttempt(Base):
    """Every sign-in attempt, for the limits per account and per address."""

    __tablename__ = "login_attempts"

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, index=True)
    address = Column(String(64), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class AuditEvent(Base):
    """Who viewed, exported, changed or deleted which lead. Holds ids and actions, never the
    lead's personal data, so it outlives an erased lead."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor = Column(String(254), nullable=False)  # the staff account's email
    action = Column(String(40), nullable=False)
    lead_id = Column(Integer, index=True)  # not a foreign key: the lead may be erased
    detail = Column(String(300))


class UnansweredReview(Base):
    """A staff decision on a message the assistant could not answer: "should be intent X" (for
    the review file of the next training) or "out of scope". One row per conversation the words
    came from, so that erasing a conversation removes its words here too."""

    __tablename__ = "unanswered_reviews"
    __table_args__ = (UniqueConstraint("message_key", "conversation_id"),)

    id = Column(Integer, primary_key=True)
    message_key = Column(String(64), nullable=False, index=True)  # SHA-256 of the normalised text
    conversation_id = Column(String(255), nullable=False, index=True)
    text = Column(Text, nullable=False)
    decision = Column(String(20), nullable=False)  # "intent" or "out_of_scope"
    intent = Column(String(80))
    reviewed_by = Column(String(254), nullable=False)
    reviewed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # When the applicant wrote it: the retention period counts from here (rows from before it
    # was kept count from reviewed_at).
    asked_at = Column(DateTime(timezone=True))


class KnowledgeSignoff(Base):
    """An attorney's sign-off of one version of a knowledge-base entry in one language: what they
    read (the text its content hash covers) and who signed when. Kept for good: the history is the
    firm's record of what its attorneys stood behind. The latest sign-off of an entry in a language
    covers it there only while the entry's current content hash in that language is the one signed."""

    __tablename__ = "knowledge_signoffs"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(100), nullable=False, index=True)
    # The language of the text signed (bot.language.LANGUAGES); rows from before were English.
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    content_hash = Column(String(64), nullable=False)  # bot.rules.knowledge.Entry.content_hash_in(language)
    signed_text = Column(Text, nullable=False)  # exactly what the hash is of
    signed_by = Column(String(254), nullable=False)  # the attorney's account email
    signed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Handoff(Base):
    """A conversation handed to a person of the firm (issue 26; bot/backoffice/handoffs.py). At most
    one open (waiting or held) per conversation, which the database enforces: two requests make
    one, and a take-over is an UPDATE ... WHERE state = 'waiting' that one staff member wins."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("state IN ('waiting', 'held')"),
            postgresql_where=text("state IN ('waiting', 'held')"),
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False)
    channel = Column(String(20))
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    state = Column(String(12), nullable=False)  # HANDOFF_STATES
    requested_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    taken_by = Column(Integer, ForeignKey("staff_users.id", ondelete="SET NULL"))
    taken_at = Column(DateTime(timezone=True))
    last_staff_message_at = Column(DateTime(timezone=True))
    ended_at = Column(DateTime(timezone=True))
    # How it ended (bot.backoffice.handoffs.HANDOFF_ENDINGS: state "returned" covers a hand-back
    # and an abandoned take-over), and when the Rasa server confirmed the end (the applicant's
    # note, `resume`): until then the dashboard's timers tell it again (migration 0012).
    ending = Column(String(12))
    assistant_told_at = Column(DateTime(timezone=True))
