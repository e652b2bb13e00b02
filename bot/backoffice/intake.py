"""Leads, reminders and the notification outbox in the firm's database.

Personal data (names, emails, phones, descriptions) is never written to logs:
log lines carry row ids only.
"""

import csv
import datetime as dt
import hashlib
import io
import logging
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, cast

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.backoffice.db import session_factory
from bot.backoffice.models import (
    OPEN_HANDOFF_STATES,
    AddressConfirmation,
    AuditEvent,
    ErasureRequest,
    Handoff,
    Lead,
    LeadNote,
    Notification,
    Reminder,
    UnansweredReview,
    as_utc,
    utcnow,
)
from bot.language import DEFAULT_LANGUAGE
from bot.rules import clock
from bot.rules.countdown import Countdown

logger = logging.getLogger(__name__)
REMINDER_DAYS_BEFORE = (30, 7)
# A claim older than this is from a send-due run that died; the reminder is tried again.
STALE_CLAIM = dt.timedelta(minutes=30)
NOTIFICATION_CHANNELS = ("email", "slack")
# Reminders go to any address an applicant types: limits keep the firm's mail server from
# being used to bombard someone. A reminder that keeps failing is given up.
MAX_REMINDER_ADDRESSES_PER_CONVERSATION = 2
MAX_REMINDER_DEADLINES_PER_ADDRESS = 3
MAX_REMINDER_ATTEMPTS = 5
# A reminder address is confirmed by a link sent to it, valid this long; until then
# nothing but that one email goes to it, so no one can aim reminders at someone else.
CONFIRMATION_DAYS = 7
# Confirmation emails go to any address typed in any conversation, and a new conversation
# costs nothing: per address, one link waiting at a time and a few a day, all conversations
# together.
MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3
# Each lead is mailed (and posted) to the firm: a script must not flood it.
MAX_LEADS_PER_CONVERSATION = 3
MAX_LEADS_PER_ADDRESS_PER_DAY = 5
# ...and a new conversation costs nothing, nor does a new email address: per client a day too.
MAX_LEADS_PER_CLIENT_PER_DAY = 5

# The tables whose rows are claimed by one sending run at a time (IntakeStore._claim).
_Claimable = TypeVar("_Claimable", Notification, Reminder, AddressConfirmation)


class LimitReached(Exception):
    """A request over one of the limits above; nothing was stored."""


class ClientBusy(LimitReached):
    """The client (its address; on Slack and Telegram, its account) has sent its share of leads today."""


class AddressBusy(LimitReached):
    """A confirmation link already waits at that address (from another conversation), or it
    has had its share of links today."""


class StatusChanged(Exception):
    """Someone else changed a lead's status since the page was shown; nothing was changed."""

    def __init__(self, current: str) -> None:
        super().__init__(f"the status is now {current}")
        self.current = current


@dataclass
class LeadInput:
    """What the applicant gave, with the computed deadline; dates already validated."""

    kind: str
    conversation_id: str
    channel: str
    consent_at: dt.datetime
    language: str = DEFAULT_LANGUAGE  # the conversation's (bot.language.LANGUAGES)
    client_key: str | None = None  # the channel's key for the client (its address, hashed), or the conversation
    person_name: str | None = None
    email: str | None = None
    phone: str | None = None
    visa_type: str | None = None
    consulate: str | None = None
    interview_date: dt.date | None = None
    notice_date: dt.date | None = None
    notice_request: str | None = None
    has_petition: bool | None = None
    petitioner_name: str | None = None
    description: str | None = None
    deadline: dt.date | None = None
    urgency: str | None = None
    topics_asked: Sequence[str] = field(default_factory=tuple)
    sources_cited: Sequence[str] = field(default_factory=tuple)
    # For the summary only (not stored): the section named and the engine's decision on the deadline.
    refusal_section: str | None = None
    countdown: Countdown | None = None

    def columns(self) -> dict[str, object]:
        skip = {"topics_asked", "sources_cited", "refusal_section", "countdown"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}


CSV_COLUMNS = [
    "id",
    "kind",
    "created_at",
    "urgency",
    "deadline",
    "person_name",
    "email",
    "phone",
    "visa_type",
    "consulate",
    "interview_date",
    "notice_date",
    "notice_request",
    "has_petition",
    "petitioner_name",
    "description",
    "conversation_id",
    "channel",
    "consent_at",
    "status",  # added with the dashboard, after the columns spreadsheets already map
    "language",  # the conversation's (issue 25), after those too
]


class IntakeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = session_factory(engine)

    # --- leads --------------------------------------------------------------------------

    def save_lead(self, lead: LeadInput, summary: str, channels: Iterable[str]) -> int:
        """Stores the lead and its notifications in one transaction; returns the lead id.
        Raises LimitReached (and stores nothing) over the limits per conversation and address."""
        with self.session.begin() as session:
            in_conversation = session.execute(
                select(func.count(Lead.id)).where(Lead.conversation_id == lead.conversation_id)
            ).scalar()
            if in_conversation >= MAX_LEADS_PER_CONVERSATION:
                raise LimitReached("leads per conversation")
            since = utcnow() - dt.timedelta(days=1)
            if lead.client_key:
                from_client = session.execute(
                    select(func.count(Lead.id)).where(Lead.client_key == lead.client_key, Lead.created_at >= since)
                ).scalar()
                if from_client >= MAX_LEADS_PER_CLIENT_PER_DAY:
                    raise ClientBusy("leads per client")
            if lead.email:
                today = session.execute(
                    select(func.count(Lead.id)).where(Lead.email == lead.email, Lead.created_at >= since)
                ).scalar()
                if today >= MAX_LEADS_PER_ADDRESS_PER_DAY:
                    raise LimitReached("leads per address")
            row = Lead(**lead.columns(), summary=summary)
            session.add(row)
            session.flush()  # assigns row.id
            subject = f"{'URGENT: ' if row.is_urgent else ''}new {lead.kind} request #{row.id}"
            for channel in channels:
                session.add(Notification(lead_id=row.id, channel=channel, subject=subject, body=summary))
            lead_id = int(row.id)  # assigned by the flush
        logger.info("Stored lead %s (%s)", lead_id, lead.kind)
        return lead_id

    def leads(self) -> list[Lead]:
        """Urgent first, then newest first."""
        with self.session() as session:
            rows = session.execute(select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc())).scalars().all()
        return sorted(rows, key=lambda lead: not lead.is_urgent)

    def lead(self, lead_id: int) -> Lead | None:
        """With its notes."""
        with self.session() as session:
            return cast(Lead | None, session.get(Lead, lead_id, options=[selectinload(Lead.notes)]))

    def set_status(self, lead_id: int, status: str, actor: str, expected: str) -> str | None:
        """Sets the staff's status of a lead if it is still `expected` (what the person saw), with
        its audit line; returns the one before, None when there is no such lead. Raises
        StatusChanged when someone else changed it meanwhile."""
        with self.session.begin() as session:
            changed = session.execute(
                update(Lead).where(Lead.id == lead_id, Lead.status == expected).values(status=status)
            ).rowcount
            if not changed:
                current = session.execute(select(Lead.status).where(Lead.id == lead_id)).scalar()
                if current is None:
                    return None
                if current != status:
                    raise StatusChanged(current)
                return str(current)  # someone set the same status meanwhile: nothing to do
            if expected != status:
                session.add(
                    AuditEvent(actor=actor, action="changed status", lead_id=lead_id, detail=f"{expected} -> {status}")
                )
        return expected

    def add_note(self, lead_id: int, author: str, text: str) -> bool:
        """The note and its audit line; False when there is no such lead."""
        with self.session.begin() as session:
            if session.get(Lead, lead_id) is None:
                return False
            session.add(LeadNote(lead_id=lead_id, author=author, text=text))
            session.add(AuditEvent(actor=author, action="added note", lead_id=lead_id))
        return True

    def record_export(self, actor: str, lead_ids: Iterable[int]) -> None:
        """An audit line per exported lead: who took whose data out."""
        with self.session.begin() as session:
            session.add_all(AuditEvent(actor=actor, action="exported", lead_id=lead_id) for lead_id in lead_ids)

    def delete_lead(self, lead_id: int) -> bool:
        with self.session.begin() as session:
            row = session.get(Lead, lead_id)
            if row is None:
                return False
            session.delete(row)
        return True

    def export_csv(self, leads: Sequence[Lead] | None = None) -> str:
        """`leads` (default: every lead) as CSV, safe to open in a spreadsheet."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        today = clock.today()
        for lead in self.leads() if leads is None else leads:
            values = {column: getattr(lead, column) for column in CSV_COLUMNS}
            values["urgency"] = lead.current_urgency(today)  # today's band, not the one at intake
            writer.writerow([_csv_safe(values[column]) for column in CSV_COLUMNS])
        return out.getvalue()

    def purge(self, older_than: dt.timedelta, today: dt.date | None = None) -> dict[str, int]:
        """Deletes leads and reminders created before now - older_than, and every reminder that
        has done its work: sent, or for a deadline that has passed (it holds an email address)."""
        cutoff = utcnow() - older_than
        today = today or clock.today()
        with self.session.begin() as session:
            leads = session.execute(delete(Lead).where(Lead.created_at < cutoff)).rowcount
            reminders = session.execute(
                delete(Reminder).where(
                    or_(Reminder.created_at < cutoff, Reminder.sent_at.is_not(None), Reminder.deadline < today)
                )
            ).rowcount
            # An address without reminders left needs no confirmation kept.
            session.execute(
                delete(AddressConfirmation)
                .where(
                    or_(
                        AddressConfirmation.created_at < cutoff,
                        ~exists().where(
                            Reminder.conversation_id == AddressConfirmation.conversation_id,
                            Reminder.email == AddressConfirmation.email,
                        ),
                    )
                )
                .execution_options(synchronize_session=False)
            )
            # Applicants' words filed for review are kept no longer than the rest of their data.
            written = func.coalesce(UnansweredReview.asked_at, UnansweredReview.reviewed_at)
            session.execute(  # the applicant's words age from when they were written
                delete(UnansweredReview).where(written < cutoff).execution_options(synchronize_session=False)
            )
            # Live chats name their conversation (a Telegram chat, a Slack user): ended ones go with
            # the transcripts; an open one is someone's conversation now.
            ended = func.coalesce(Handoff.ended_at, Handoff.requested_at)
            handoffs = session.execute(
                delete(Handoff)
                .where(Handoff.state.not_in(OPEN_HANDOFF_STATES), ended < cutoff)
                .execution_options(synchronize_session=False)
            ).rowcount
        return {"leads": leads, "reminders": reminders, "handoffs": handoffs}

    def erase_conversation(self, conversation_id: str) -> dict[str, int]:
        with self.session.begin() as session:
            lead_ids = select(Lead.id).where(Lead.conversation_id == conversation_id)
            session.execute(
                delete(Notification)
                .where(Notification.lead_id.in_(lead_ids))
                .execution_options(synchronize_session=False)
            )
            leads = session.execute(delete(Lead).where(Lead.conversation_id == conversation_id)).rowcount
            reminders = session.execute(delete(Reminder).where(Reminder.conversation_id == conversation_id)).rowcount
            session.execute(delete(AddressConfirmation).where(AddressConfirmation.conversation_id == conversation_id))
            session.execute(delete(UnansweredReview).where(UnansweredReview.conversation_id == conversation_id))
        return {"leads": leads, "reminders": reminders}

    # --- staff decisions on messages the assistant could not answer -------------------------

    def reviewed_message_keys(self) -> set[str]:
        with self.session() as session:
            return set(session.execute(select(UnansweredReview.message_key)).scalars())

    def record_review(
        self,
        messages: Iterable[tuple[str, str, str, dt.datetime]],
        decision: str,
        intent: str | None,
        reviewer: str,
    ) -> int:
        """Files (message key, conversation id, text, when it was written) with the decision;
        returns how many were new. A message already decided keeps its first decision (also when two people
        decide at once)."""
        rows = [
            {
                "message_key": key,
                "conversation_id": conversation_id,
                "text": text,
                "decision": decision,
                "intent": intent,
                "reviewed_by": reviewer,
                "reviewed_at": utcnow(),
                "asked_at": asked_at,
            }
            for key, conversation_id, text, asked_at in dict.fromkeys(messages)
        ]
        if not rows:
            return 0
        dialect = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[self.engine.dialect.name]
        with self.session.begin() as session:
            decided = select(UnansweredReview.message_key)
            fresh = [row for row in rows if row["message_key"] not in set(session.execute(decided).scalars())]
            if not fresh:
                return 0
            statement = dialect(UnansweredReview).values(fresh).on_conflict_do_nothing()
            return int(session.execute(statement).rowcount)

    def messages_for_training(self) -> list[UnansweredReview]:
        """The review file's entries: each phrasing staff marked with the intent it should have had, once."""
        with self.session() as session:
            query = (
                select(UnansweredReview)
                .where(UnansweredReview.decision == "intent")
                .order_by(UnansweredReview.reviewed_at, UnansweredReview.id)
            )
            rows = session.execute(query).scalars().all()
        return list({row.message_key: row for row in reversed(rows)}.values())[::-1]

    # --- erasure requests -------------------------------------------------------------------

    def request_erasure(self, conversation_id: str) -> int:
        """Records the request durably before anything is deleted; returns its id."""
        with self.session.begin() as session:
            row = ErasureRequest(conversation_id=conversation_id)
            session.add(row)
            session.flush()  # assigns row.id
            return int(row.id)

    def erasure_done(self, request_id: int) -> None:
        with self.session.begin() as session:
            session.execute(
                update(ErasureRequest)
                .where(ErasureRequest.id == request_id)
                .values(completed_at=utcnow(), attempts=ErasureRequest.attempts + 1, last_error=None)
            )

    def erasure_failed(self, request_id: int, error: str) -> None:
        with self.session.begin() as session:
            session.execute(
                update(ErasureRequest)
                .where(ErasureRequest.id == request_id)
                .values(attempts=ErasureRequest.attempts + 1, last_error=error[:500])
            )

    def pending_erasures(self) -> list[ErasureRequest]:
        with self.session() as session:
            query = select(ErasureRequest).where(ErasureRequest.completed_at.is_(None)).order_by(ErasureRequest.id)
            return cast(list[ErasureRequest], session.execute(query).scalars().all())

    # --- notifications (outbox) ------------------------------------------------------------

    def pending_notifications(self) -> list[Notification]:
        with self.session() as session:
            query = select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id)
            return cast(list[Notification], session.execute(query).scalars().all())

    def claim_pending_notification(self, skip: Collection[int] = ()) -> Notification | None:
        """Claims one unsent notification for this delivery run (none of `skip`), or returns None.
        The action server's delivery thread and send-due runs may deliver at the same time."""
        return self._claim(Notification, Notification.id.notin_(list(skip)), order_by=(Notification.id,))

    def notification_sent(self, notification_id: int) -> None:
        with self.session.begin() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(sent_at=utcnow(), attempts=Notification.attempts + 1, last_error=None)
            )

    def notification_failed(self, notification_id: int, error: str) -> None:
        """Records the error and releases the claim: the next run tries again."""
        with self.session.begin() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(attempts=Notification.attempts + 1, last_error=error[:500], claimed_at=None)
            )

    # --- reminders ------------------------------------------------------------------------

    def add_reminders(
        self,
        conversation_id: str,
        email: str,
        deadline: dt.date,
        consent_at: dt.datetime,
        today: dt.date,
        days_before: Sequence[int] = REMINDER_DAYS_BEFORE,
        *,
        language: str = DEFAULT_LANGUAGE,
    ) -> list[dt.date]:
        """Stores the reminders still in the future, to be written in `language` (the conversation's);
        asking twice changes nothing (not their language either). Returns their dates."""
        dates = []
        with self.session.begin() as session:
            addresses = set(
                session.execute(select(Reminder.email).where(Reminder.conversation_id == conversation_id)).scalars()
            )
            if email not in addresses and len(addresses) >= MAX_REMINDER_ADDRESSES_PER_CONVERSATION:
                raise LimitReached("reminder addresses per conversation")
            deadlines = set(session.execute(select(Reminder.deadline).where(Reminder.email == email)).scalars())
            if deadline not in deadlines and len(deadlines) >= MAX_REMINDER_DEADLINES_PER_ADDRESS:
                raise LimitReached("reminder deadlines per address")
            for days in days_before:
                remind_on = deadline - dt.timedelta(days=days)
                if remind_on < today:
                    continue
                exists = session.execute(
                    select(Reminder.id).where(
                        Reminder.conversation_id == conversation_id,
                        Reminder.email == email,
                        Reminder.deadline == deadline,
                        Reminder.days_before == days,
                    )
                ).first()
                if not exists:
                    session.add(
                        Reminder(
                            conversation_id=conversation_id,
                            email=email,
                            deadline=deadline,
                            days_before=days,
                            remind_on=remind_on,
                            consent_at=consent_at,
                            language=language,
                        )
                    )
                dates.append(remind_on)
        return dates

    def claim_due_reminder(self, today: dt.date, skip: Collection[int] = ()) -> Reminder | None:
        """Claims one due, unsent reminder for this run (none of `skip`), or returns None. Never one
        whose deadline has passed (it would only confuse), nor one given up after failing too often."""
        confirmed = exists().where(
            AddressConfirmation.conversation_id == Reminder.conversation_id,
            AddressConfirmation.email == Reminder.email,
            AddressConfirmation.confirmed_at.is_not(None),
        )
        return self._claim(
            Reminder,
            Reminder.remind_on <= today,
            Reminder.deadline >= today,
            Reminder.attempts < MAX_REMINDER_ATTEMPTS,
            Reminder.id.notin_(list(skip)),
            confirmed,
            order_by=(Reminder.remind_on, Reminder.id),
        )

    # --- confirming reminder addresses --------------------------------------------------

    def request_confirmation(self, conversation_id: str, email: str, language: str = DEFAULT_LANGUAGE) -> bool:
        """Makes sure a confirmation link goes to `email` (its email and page in `language`, the
        conversation's; a link already waiting keeps its own); False if it is confirmed already.
        Raises AddressBusy (and stores nothing) when the address may not get another link now."""
        this_address = (AddressConfirmation.conversation_id == conversation_id, AddressConfirmation.email == email)
        with self.session.begin() as session:
            if session.execute(
                select(AddressConfirmation.id).where(*this_address, AddressConfirmation.confirmed_at.is_not(None))
            ).first():
                return False
            # A link that has expired unused is replaced by a new one.
            session.execute(
                delete(AddressConfirmation).where(*this_address, AddressConfirmation.created_at < _expired())
            )
            if not session.execute(select(AddressConfirmation.id).where(*this_address)).first():
                self._check_address_may_get_a_link(session, conversation_id, email)
                session.add(AddressConfirmation(conversation_id=conversation_id, email=email, language=language))
            return True

    def check_confirmation_allowed(self, conversation_id: str, email: str) -> None:
        """Raises AddressBusy if request_confirmation would: asked before storing reminders
        that could never be sent. (request_confirmation checks again, in its transaction.)"""
        this_address = (AddressConfirmation.conversation_id == conversation_id, AddressConfirmation.email == email)
        with self.session.begin() as session:
            if not session.execute(
                select(AddressConfirmation.id).where(*this_address, AddressConfirmation.created_at >= _expired())
            ).first():
                self._check_address_may_get_a_link(session, conversation_id, email)

    @staticmethod
    def _check_address_may_get_a_link(session: Session, conversation_id: str, email: str) -> None:
        waiting_elsewhere = session.execute(
            select(AddressConfirmation.id).where(
                AddressConfirmation.email == email,
                AddressConfirmation.conversation_id != conversation_id,
                AddressConfirmation.confirmed_at.is_(None),
                AddressConfirmation.created_at >= _expired(),
            )
        ).first()
        if waiting_elsewhere:
            raise AddressBusy("a confirmation link is waiting at this address")
        today = session.execute(
            select(func.count(AddressConfirmation.id)).where(
                AddressConfirmation.email == email, AddressConfirmation.created_at >= utcnow() - dt.timedelta(days=1)
            )
        ).scalar()
        if today >= MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY:
            raise AddressBusy("confirmation links per address per day")

    def claim_confirmation(self, skip: Collection[int] = ()) -> AddressConfirmation | None:
        """Claims one confirmation link still to be sent (the next send-due run retries a failed one)."""
        fresh = AddressConfirmation.created_at >= _expired()
        return self._claim(
            AddressConfirmation,
            fresh,
            AddressConfirmation.attempts < MAX_REMINDER_ATTEMPTS,
            AddressConfirmation.id.notin_(list(skip)),
            order_by=(AddressConfirmation.id,),
        )

    def new_confirmation_token(self, confirmation_id: int) -> str:
        """The secret for the link about to be sent; only its hash is kept. A link sent again
        (after a failure) gets a new secret, and the one before stops working."""
        token = secrets.token_hex(32)
        with self.session.begin() as session:
            session.execute(
                update(AddressConfirmation)
                .where(AddressConfirmation.id == confirmation_id)
                .values(token_hash=token_digest(token))
            )
        return token

    def confirmation_sent(self, confirmation_id: int) -> None:
        with self.session.begin() as session:
            session.execute(
                update(AddressConfirmation).where(AddressConfirmation.id == confirmation_id).values(sent_at=utcnow())
            )

    def confirmation_failed(self, confirmation_id: int) -> None:
        with self.session.begin() as session:
            session.execute(
                update(AddressConfirmation)
                .where(AddressConfirmation.id == confirmation_id)
                .values(claimed_at=None, attempts=AddressConfirmation.attempts + 1)
            )

    def confirm_address(self, token: str) -> bool:
        """The link was opened: its address may now get the reminders of its conversation.
        False for an unknown or expired link; opening it twice is fine."""
        with self.session.begin() as session:
            session.execute(
                update(AddressConfirmation)
                .where(
                    AddressConfirmation.token_hash == token_digest(token),
                    AddressConfirmation.confirmed_at.is_(None),
                    AddressConfirmation.created_at >= _expired(),
                )
                .values(confirmed_at=utcnow())
            )
            return (
                session.execute(
                    select(AddressConfirmation.id).where(
                        AddressConfirmation.token_hash == token_digest(token),
                        AddressConfirmation.confirmed_at.is_not(None),
                    )
                ).first()
                is not None
            )

    def confirmation_link(self, token: str) -> "ConfirmationLink | None":
        """What the confirmation page needs to know of the link with this token (never its address),
        or None when no link has it."""
        with self.session() as session:
            row = session.execute(
                select(
                    AddressConfirmation.language, AddressConfirmation.created_at, AddressConfirmation.confirmed_at
                ).where(AddressConfirmation.token_hash == token_digest(token))
            ).first()
        if row is None:
            return None
        language, created_at, confirmed_at = row
        return ConfirmationLink(
            language=language,
            expired=confirmed_at is None and as_utc(created_at) < _expired(),
            confirmed=confirmed_at is not None,
        )

    def _claim(self, table: type[_Claimable], *conditions: Any, order_by: tuple[Any, ...]) -> _Claimable | None:
        """One unsent row of `table` (Notification or Reminder) meeting the conditions, claimed for
        this run; a claim older than STALE_CLAIM (a crashed run) can be taken over."""
        while True:
            now = utcnow()
            claimable = (
                table.sent_at.is_(None),
                *conditions,
                or_(table.claimed_at.is_(None), table.claimed_at < now - STALE_CLAIM),
            )
            with self.session.begin() as session:
                candidate = session.execute(select(table.id).where(*claimable).order_by(*order_by).limit(1)).scalar()
                if candidate is None:
                    return None
                # The conditional update is the lock: of two runs, only one changes the row.
                claimed = session.execute(
                    update(table)
                    .where(table.id == candidate, *claimable)
                    .values(claimed_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed:
                    return cast(_Claimable | None, session.get(table, candidate))

    def reminder_sent(self, reminder_id: int) -> None:
        with self.session.begin() as session:
            session.execute(update(Reminder).where(Reminder.id == reminder_id).values(sent_at=utcnow()))

    def reminder_failed(self, reminder_id: int) -> None:
        """Releases the claim for the next run, up to MAX_REMINDER_ATTEMPTS attempts in all."""
        with self.session.begin() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id)
                .values(claimed_at=None, attempts=Reminder.attempts + 1)
            )
            attempts = session.execute(select(Reminder.attempts).where(Reminder.id == reminder_id)).scalar()
        if attempts is not None and attempts >= MAX_REMINDER_ATTEMPTS:
            logger.warning("Gave up reminder %s after %s failed attempts", reminder_id, attempts)

    def reminders(self, conversation_id: str | None = None) -> list[Reminder]:
        with self.session() as session:
            query = select(Reminder).order_by(Reminder.remind_on, Reminder.id)
            if conversation_id is not None:
                query = query.where(Reminder.conversation_id == conversation_id)
            return cast(list[Reminder], session.execute(query).scalars().all())


@dataclass(frozen=True)
class ConfirmationLink:
    language: str  # of the link's email, and so of its page
    expired: bool  # unused for longer than CONFIRMATION_DAYS: it confirms nothing
    confirmed: bool


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _expired() -> dt.datetime:
    """Confirmation links made before this have expired."""
    return utcnow() - dt.timedelta(days=CONFIRMATION_DAYS)


def _csv_safe(value: object) -> str:
    """Text that a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return
    before one) is prefixed with a quote."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
