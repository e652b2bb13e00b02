"""Live handoff (issue 26): the state of a conversation handed to a person of the firm, in the
firm's database.

A handoff is `waiting` from the applicant's request until a staff member takes it (`held`);
it ends `returned` (handed back to the assistant), `closed`, or `expired` when nobody took it
in time (the callback request then stands in for it). At most one is open (waiting or held)
per conversation, which the database enforces with a partial unique index: asking twice, even
at the same moment, makes one. A take-over is one UPDATE ... WHERE state = 'waiting': of two
staff taking the same handoff, one wins and the other is told. Only the holder speaks in it
and ends it. Take-overs and ends are audited with ids only (the applicant's words live in the
transcript, erased with it). When a held one ends, the conversation's leads get a note saying
who talked with the applicant and when. Every function takes `now` (UTC) from its caller.

An ended handoff records how it ended (`ending`) and, once the Rasa server confirmed it (the note
to the applicant and `resume`), `assistant_told_at`: the dashboard tells the assistant again
until then (untold_ends, told), whatever restarts in between.
"""

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.backoffice.intake import IntakeStore
from bot.backoffice.kept_secret import VAR, kept_secret
from bot.backoffice.models import OPEN_HANDOFF_STATES, AuditEvent, Lead, StaffUser, as_utc
from bot.backoffice.models import Handoff as HandoffRow
from bot.language import LANGUAGES

# The audit trail's actor when the assistant or a timer, not a person, changes a handoff.
SYSTEM_ACTOR = "system"
ENDED_BY_STAFF = ("returned", "closed")
# How a handoff ended (its `ending`), as the Rasa server's route takes it: state "returned" is
# both a hand-back (`returned`) and a take-over whose holder left or went silent (`abandoned`).
HANDOFF_ENDINGS = ("returned", "closed", "abandoned", "expired")
# The channels a person can write to outside a turn (components/channels/handoff.py): REST
# answers only within its own request, so a person's messages would never reach it.
LIVE_CHAT_CHANNELS = ("widget", "telegram", "slack")
# How a live chat ended, for the note on the conversation's leads.
ENDINGS = {
    "returned": "handed back to the assistant.",
    "closed": "closed the live chat.",
    "abandoned": "handed back to the assistant automatically (they had signed out or written nothing for a while).",
    "ended": "the assistant's side ended it (e.g. the applicant started over).",
}
HANDOFF_SECRET_FILE = VAR / "handoff-secret"
MIN_SECRET_CHARS = 32


def handoff_secret() -> str:
    """The secret the dashboard shows the Rasa server's handoff route (docs/handoff-plan.md):
    HANDOFF_SECRET, which every replica and the dashboard share, or one made once in var/
    (make run: both processes on one machine read it)."""
    configured = os.environ.get("HANDOFF_SECRET", "")
    secret = configured or kept_secret(HANDOFF_SECRET_FILE).decode()
    if len(secret) < MIN_SECRET_CHARS:
        where = "HANDOFF_SECRET" if configured else str(HANDOFF_SECRET_FILE)
        raise ValueError(f"{where} must hold a secret of at least {MIN_SECRET_CHARS} characters")
    return secret


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    channel: str | None
    language: str
    state: str  # bot.backoffice.models.HANDOFF_STATES
    requested_at: dt.datetime  # UTC, as every time here
    taken_by: int | None = None  # the staff user's id
    taken_at: dt.datetime | None = None
    last_staff_message_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    ending: str | None = None  # HANDOFF_ENDINGS, once ended
    assistant_told_at: dt.datetime | None = None  # when the Rasa server confirmed the end

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_HANDOFF_STATES


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else as_utc(moment)


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        language=row.language,
        state=row.state,
        requested_at=as_utc(row.requested_at),
        taken_by=row.taken_by,
        taken_at=_utc(row.taken_at),
        last_staff_message_at=_utc(row.last_staff_message_at),
        ended_at=_utc(row.ended_at),
        ending=row.ending,
        assistant_told_at=_utc(row.assistant_told_at),
    )


def _now(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(dt.timezone.utc)


def _actor(session: Session, staff_user_id: int | None) -> str:
    """How the audit trail names who did it: the staff account's email, as its other lines do."""
    if staff_user_id is None:
        return SYSTEM_ACTOR
    email = session.execute(select(StaffUser.email).where(StaffUser.id == staff_user_id)).scalar()
    return str(email) if email is not None else f"staff user {staff_user_id}"


def _audit(session: Session, staff_user_id: int | None, action: str, handoff_id: int, detail: str = "") -> None:
    text = f"handoff {handoff_id}" + (f": {detail}" if detail else "")
    session.add(AuditEvent(actor=_actor(session, staff_user_id), action=action, detail=text))


def _get(session: Session, handoff_id: int) -> Handoff | None:
    row = session.get(HandoffRow, handoff_id, populate_existing=True)
    return None if row is None else _handoff(row)


Notes = list[tuple[int, str]]  # (lead id, text) to add once the transaction is committed


def _live_chat_notes(session: Session, handoff: Handoff, ending: str) -> Notes:
    """The note each of the conversation's leads gets when a held handoff ends, e.g. "Live chat:
    Ana (Paralegal) talked with the applicant from 14:03 to 14:10 UTC; handed back to the assistant."
    Nothing for a handoff nobody held."""
    if handoff.taken_at is None or handoff.ended_at is None:
        return []
    holder = None if handoff.taken_by is None else session.get(StaffUser, handoff.taken_by)
    who = (
        f"{holder.shown_name} ({holder.shown_title})"
        if holder is not None
        else "A member of staff"  # the account was deleted meanwhile
    )
    text = (
        f"Live chat: {who} talked with the applicant from {handoff.taken_at:%H:%M} to "
        f"{handoff.ended_at:%H:%M} UTC; {ENDINGS[ending]}"
    )
    leads = session.execute(select(Lead.id).where(Lead.conversation_id == handoff.conversation_id).order_by(Lead.id))
    return [(int(lead_id), text) for lead_id in leads.scalars()]


def _add_notes(store: IntakeStore, notes: Notes, author: str) -> None:
    for lead_id, text in notes:
        store.add_note(lead_id, author, text)  # the lead may have been erased meanwhile: then nothing


# --- staff availability ----------------------------------------------------------------------


def staff_available(store: IntakeStore, now: dt.datetime, seen_within: dt.timedelta = dt.timedelta(minutes=5)) -> bool:
    """Whether an active staff account is marked available and was seen by the dashboard within
    `seen_within`: then a person can answer within minutes, and a handoff is worth offering."""
    since = _now(now) - seen_within
    query = (
        select(StaffUser.id)
        .where(
            StaffUser.available.is_(True),
            StaffUser.disabled_at.is_(None),
            StaffUser.last_seen_at.is_not(None),
            StaffUser.last_seen_at >= since,
        )
        .limit(1)
    )
    with store.session() as session:
        return session.execute(query).first() is not None


def set_available(store: IntakeStore, user_id: int, available: bool, now: dt.datetime) -> bool:
    """Marks the staff member available (or not), which also counts as being seen; False when
    there is no such account."""
    with store.session.begin() as session:
        changed = session.execute(
            update(StaffUser).where(StaffUser.id == user_id).values(available=available, last_seen_at=_now(now))
        ).rowcount
    return bool(changed)


def mark_seen(store: IntakeStore, user_id: int, now: dt.datetime) -> bool:
    """The dashboard saw the staff member now (a page or its live updates); False when there is no such account."""
    with store.session.begin() as session:
        changed = session.execute(
            update(StaffUser).where(StaffUser.id == user_id).values(last_seen_at=_now(now))
        ).rowcount
    return bool(changed)


def unavailable_unless(store: IntakeStore, roles: Sequence[str], now: dt.datetime) -> int:
    """Marks not available every account whose role does not take live chats (firm.yml's
    handoff_roles, which the firm may have narrowed since they said they were): applicants must not
    be told someone is coming when nobody may take the request. Returns how many changed."""
    _now(now)
    with store.session.begin() as session:
        changed = session.execute(
            update(StaffUser)
            .where(StaffUser.available.is_(True), StaffUser.role.not_in(list(roles)))
            .values(available=False)
            .execution_options(synchronize_session=False)
        ).rowcount
    return int(changed)


def speaker(store: IntakeStore, staff_user_id: int | None) -> dict[str, object] | None:
    """The staff member as the Rasa server's route names them to the applicant ({"id", "name",
    "role"}, as bot.backoffice.accounts.SignedIn.as_speaker); None when there is no such account."""
    if staff_user_id is None:
        return None
    with store.session() as session:
        user = session.get(StaffUser, staff_user_id)
        return None if user is None else {"id": user.id, "name": user.shown_name, "role": user.shown_title}


# --- the handoff's life ----------------------------------------------------------------------


def open_handoff(store: IntakeStore, conversation_id: str) -> Handoff | None:
    """The conversation's waiting or held handoff, if it has one."""
    query = select(HandoffRow).where(
        HandoffRow.conversation_id == conversation_id, HandoffRow.state.in_(OPEN_HANDOFF_STATES)
    )
    with store.session() as session:
        row = session.execute(query).scalars().first()
        return None if row is None else _handoff(row)


def get(store: IntakeStore, handoff_id: int) -> Handoff | None:
    with store.session() as session:
        return _get(session, handoff_id)


def waiting_count(store: IntakeStore) -> int:
    """How many applicants wait for a person now (every dashboard page shows it beside "Live")."""
    with store.session() as session:
        return int(session.execute(select(func.count(HandoffRow.id)).where(HandoffRow.state == "waiting")).scalar())


def open_handoffs(store: IntakeStore) -> list[Handoff]:
    """Every waiting or held handoff, the longest waiting first."""
    query = (
        select(HandoffRow)
        .where(HandoffRow.state.in_(OPEN_HANDOFF_STATES))
        .order_by(HandoffRow.requested_at, HandoffRow.id)
    )
    with store.session() as session:
        return [_handoff(row) for row in session.execute(query).scalars()]


def is_available(store: IntakeStore, user_id: int) -> bool:
    """Whether the staff member said they are available for live chats."""
    with store.session() as session:
        return bool(session.execute(select(StaffUser.available).where(StaffUser.id == user_id)).scalar())


def request_handoff(
    store: IntakeStore, conversation_id: str, channel: str | None, language: str, now: dt.datetime
) -> Handoff:
    """A waiting handoff for the conversation, or the open one it already has (asking twice, or
    twice at once from two replicas, changes nothing). ValueError for a language the assistant
    does not speak."""
    if language not in LANGUAGES:
        raise ValueError(f"the assistant does not speak '{language}'")
    found = open_handoff(store, conversation_id)
    if found is not None:
        return found
    try:
        with store.session.begin() as session:
            row = HandoffRow(
                conversation_id=conversation_id,
                channel=channel,
                language=language,
                state="waiting",
                requested_at=_now(now),
            )
            session.add(row)
            session.flush()  # assigns row.id; the unique index refuses a second open one here
            made = _handoff(row)
    except IntegrityError:
        found = open_handoff(store, conversation_id)  # another request won the race
        if found is None:
            raise
        return found
    return made


def take(store: IntakeStore, handoff_id: int, staff_user_id: int, now: dt.datetime) -> Handoff | None:
    """The staff member takes the waiting handoff, with its audit line; None when someone else
    took it first, or it is no longer waiting (expired, closed) or does not exist."""
    at = _now(now)
    with store.session.begin() as session:
        changed = session.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff_id, HandoffRow.state == "waiting")
            .values(state="held", taken_by=staff_user_id, taken_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            return None
        _audit(session, staff_user_id, "took handoff", handoff_id)
        return _get(session, handoff_id)


def release(store: IntakeStore, handoff_id: int, staff_user_id: int, now: dt.datetime) -> Handoff | None:
    """Puts a handoff the staff member took back to waiting, with its audit line: the take-over
    could not be told to the assistant (its route failed), so someone may try again. None, and
    nothing changed, when it is not held by them."""
    _now(now)
    with store.session.begin() as session:
        changed = session.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff_id, HandoffRow.state == "held", HandoffRow.taken_by == staff_user_id)
            .values(state="waiting", taken_by=None, taken_at=None, last_staff_message_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            return None
        _audit(session, staff_user_id, "released handoff", handoff_id)
        return _get(session, handoff_id)


def staff_message_sent(store: IntakeStore, handoff_id: int, staff_user_id: int, now: dt.datetime) -> bool:
    """Records that the holder wrote to the applicant now (for `abandoned`); False, and nothing
    changed, when the handoff is not held by them."""
    with store.session.begin() as session:
        changed = session.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff_id, HandoffRow.state == "held", HandoffRow.taken_by == staff_user_id)
            .values(last_staff_message_at=_now(now))
            .execution_options(synchronize_session=False)
        ).rowcount
    return bool(changed)


def end(store: IntakeStore, handoff_id: int, staff_user_id: int | None, state: str, now: dt.datetime) -> Handoff | None:
    """Ends the handoff `returned` (to the assistant) or `closed`, with its audit line: by its
    holder (a held one), then the assistant is still to be told (`told`); or by the assistant's
    side (staff_user_id None: any open one, e.g. the applicant restarted), which has nothing to be
    told. A held one leaves a note on the conversation's leads. None, and nothing changed, when it
    is not theirs to end or not open."""
    if state not in ENDED_BY_STAFF:
        raise ValueError(f"a handoff ends {' or '.join(ENDED_BY_STAFF)}, not '{state}'")
    if staff_user_id is None:
        allowed = [HandoffRow.state.in_(OPEN_HANDOFF_STATES)]
    else:
        allowed = [HandoffRow.state == "held", HandoffRow.taken_by == staff_user_id]
    at = _now(now)
    told_at = at if staff_user_id is None else None
    with store.session.begin() as session:
        changed = session.execute(
            update(HandoffRow)
            .where(HandoffRow.id == handoff_id, *allowed)
            .values(state=state, ending=state, ended_at=at, assistant_told_at=told_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            return None
        _audit(session, staff_user_id, f"{state} handoff", handoff_id)
        ended = _get(session, handoff_id)
        ending = state if staff_user_id is not None else "ended"
        notes = [] if ended is None else _live_chat_notes(session, ended, ending)
        author = _actor(session, staff_user_id)
    _add_notes(store, notes, author)
    return ended


def _finish(
    session: Session,
    candidates: Sequence[HandoffRow],
    expected: str,
    state: str,
    ending: str,
    at: dt.datetime,
    why: str,
) -> list[Handoff]:
    """Moves each candidate from `expected` to `state` (how it ended: `ending`) unless it changed
    meanwhile (taken, ended), with an audit line by the system; returns those moved, the
    assistant still to be told."""
    moved = []
    for row in candidates:
        holder = HandoffRow.taken_by.is_(None) if row.taken_by is None else HandoffRow.taken_by == row.taken_by
        changed = session.execute(
            update(HandoffRow)
            .where(HandoffRow.id == row.id, HandoffRow.state == expected, holder)
            .values(state=state, ending=ending, ended_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            _audit(session, None, f"{state} handoff", row.id, why)
            found = _get(session, row.id)
            if found is not None:
                moved.append(found)
    return moved


def expire_waiting(store: IntakeStore, now: dt.datetime, wait: dt.timedelta) -> list[Handoff]:
    """Waiting handoffs requested more than `wait` ago become `expired` (nobody took them: the
    assistant offers the callback instead); returns them."""
    at = _now(now)
    with store.session.begin() as session:
        candidates = (
            session.execute(
                select(HandoffRow)
                .where(HandoffRow.state == "waiting", HandoffRow.requested_at < at - wait)
                .order_by(HandoffRow.id)
            )
            .scalars()
            .all()
        )
        return _finish(session, candidates, "waiting", "expired", "expired", at, "nobody took it")


def abandoned(store: IntakeStore, now: dt.datetime, idle: dt.timedelta, signed_in_user_ids: set[int]) -> list[Handoff]:
    """Held handoffs whose holder is no longer signed in, or has written nothing for `idle`
    (since taking it or their last message), are `returned` to the assistant, with a note on the
    conversation's leads; returns them."""
    at = _now(now)
    last_word = func.coalesce(HandoffRow.last_staff_message_at, HandoffRow.taken_at)
    gone = HandoffRow.taken_by.is_(None)
    if signed_in_user_ids:
        gone = or_(gone, HandoffRow.taken_by.not_in(sorted(signed_in_user_ids)))
    else:
        gone = or_(gone, HandoffRow.taken_by.is_not(None))
    with store.session.begin() as session:
        candidates = (
            session.execute(
                select(HandoffRow)
                .where(HandoffRow.state == "held", or_(gone, last_word.is_(None), last_word < at - idle))
                .order_by(HandoffRow.id)
            )
            .scalars()
            .all()
        )
        returned = _finish(session, candidates, "held", "returned", "abandoned", at, "its holder left or went silent")
        notes = [note for handoff in returned for note in _live_chat_notes(session, handoff, "abandoned")]
    _add_notes(store, notes, SYSTEM_ACTOR)
    return returned


def untold_ends(store: IntakeStore) -> list[Handoff]:
    """The ended handoffs the Rasa server has not confirmed yet (the applicant may not have been
    told, the conversation may still be paused), the oldest end first."""
    query = (
        select(HandoffRow)
        .where(HandoffRow.state.not_in(OPEN_HANDOFF_STATES), HandoffRow.assistant_told_at.is_(None))
        .order_by(HandoffRow.ended_at, HandoffRow.id)
    )
    with store.session() as session:
        return [_handoff(row) for row in session.execute(query).scalars()]


def told(store: IntakeStore, handoff_id: int, now: dt.datetime) -> bool:
    """Records that the Rasa server has the end of the handoff (or had nothing to end); False, and
    nothing changed, when it is not an ended handoff still to be told."""
    with store.session.begin() as session:
        changed = session.execute(
            update(HandoffRow)
            .where(
                HandoffRow.id == handoff_id,
                HandoffRow.state.not_in(OPEN_HANDOFF_STATES),
                HandoffRow.assistant_told_at.is_(None),
            )
            .values(assistant_told_at=_now(now))
            .execution_options(synchronize_session=False)
        ).rowcount
    return bool(changed)


def erase_conversation_handoffs(store: IntakeStore, conversation_id: str) -> int:
    """Deletes the conversation's handoffs (an applicant's erasure); returns how many. Their audit
    lines hold ids only and stay."""
    with store.session.begin() as session:
        removed = session.execute(
            delete(HandoffRow)
            .where(HandoffRow.conversation_id == conversation_id)
            .execution_options(synchronize_session=False)
        ).rowcount
    return int(removed)
