"""The staff dashboard's live chat (issue 26): the queue of applicants who asked for a person,
one conversation taken over, and the timers that end live chats nobody answers.

    GET  /live                   the queue, and the signed-in person's availability
    POST /live/availability
    GET  /live/<id>              one conversation: transcript, case facts, what may be done
    POST /live/<id>/take, /say, /hand-back, /close
    GET  /live/events, /live/<id>/events     server-sent events: the pages update themselves

The database decides who wins (bot/backoffice/handoffs.py), then the assistant is told
(bot/staff/assistant_link.py). An end the assistant did not confirm stays marked untold in the
database, and the timers tell it again on every tick until it answers, across restarts. The
forms work without JavaScript (POST, then a redirect); static/live.js only appends new messages
and reloads the page when something changed, while the live chat is open (an ended one's page
has no event stream). These pages alone may run a script, /static/live.js: they send their own
Content-Security-Policy. Opening a conversation's page or its event stream is audited with the
lead it shows; only people whose role takes live chats count as seen (available to answer).

Staff hear of a new request on the page, and in the firm's Slack channel when SLACK_WEBHOOK_URL
is set (with a link when STAFF_PUBLIC_URL, the dashboard's public address, is set); that message
carries no personal data.
"""

import asyncio
import datetime as dt
import functools
import hashlib
import http.client
import json
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect, text
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice import handoffs
from bot.backoffice.accounts import SignedIn
from bot.backoffice.handoffs import Handoff
from bot.backoffice.models import Lead, utcnow
from bot.backoffice.notify import post_to_slack, slack_escaped
from bot.backoffice.transcripts import events_table
from bot.language import english_name
from bot.rules import clock
from bot.rules.deadline import URGENT
from bot.staff import assistant_link, conversations
from bot.staff.conversations import Message

if TYPE_CHECKING:
    from bot.staff.app import Dashboard

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 2000  # what the handoff route takes
MESSAGES_PER_MINUTE = 20  # per staff member: a stuck key or a script must not flood an applicant
LAST_SAID = 3  # applicant messages shown per conversation in the queue
TIMER_SECONDS = 15
REPORT_UNTOLD_AFTER = dt.timedelta(minutes=5)  # an end still untold then is logged as an error (and still retried)
POLL_SECONDS = 1.0
SEEN_EVERY_SECONDS = 30.0  # a page left open keeps its person "seen" (and checks they are still signed in)
KEEPALIVE_SECONDS = 15.0  # a comment now and then: proxies keep the stream open, a closed tab is noticed
STREAM_SECONDS = 600.0  # EventSource reconnects by itself; a stream never outlives a session by long
RECONNECT_MILLISECONDS = 3000
NOTICES = {
    "taken-unconfirmed": "You hold this conversation, but the applicant's channel did not confirm the message "
    "telling them so.",
    "sent-unconfirmed": "Your message is in the conversation, but the applicant's channel did not confirm it arrived.",
    "ended-unconfirmed": "The live chat ended, but the applicant's channel did not confirm the message telling them so.",
    "taken-back": "The assistant has the conversation again (the applicant asked it for something only it does, "
    "such as deleting their data): this live chat has ended. If they still need a person, they can ask again.",
    "ended-pending": "The live chat ended here, but the assistant could not be reached to tell the applicant: the "
    "dashboard keeps trying until it is.",
}

View = Callable[..., HTTPResponse]
Page = Callable[..., Callable[[View], View]]  # app.py's page(): sign-in and CSRF checked, run in a thread
SessionCheck = Callable[[Request], SignedIn | None]  # the person behind the request's session cookie


# --- what the dashboard keeps in memory ----------------------------------------------------------


@dataclass
class LiveState:
    """One dashboard process's memory for the live chat: the staff messages of the last minute
    (the rate limit), the waiting handoffs announced in Slack (a restarted dashboard announces
    those still waiting again) and which untold ends were logged already (the ends themselves are
    in the database: handoffs.untold_ends). Views run in threads: locked."""

    sent: dict[int, deque[float]] = field(default_factory=dict)
    announced: set[int] = field(default_factory=set)  # handoff ids, while they wait
    untold_warned: set[int] = field(default_factory=set)  # handoff ids whose end could not be told
    untold_reported: set[int] = field(default_factory=set)  # ... and whose end was untold for too long
    lock: threading.Lock = field(default_factory=threading.Lock)

    def may_send(self, user_id: int, at: float) -> bool:
        """Counts a message of the staff member at `at` (time.monotonic()) unless they sent
        MESSAGES_PER_MINUTE in the minute before it."""
        with self.lock:
            recent = self.sent.setdefault(user_id, deque())
            while recent and recent[0] <= at - 60:
                recent.popleft()
            if len(recent) >= MESSAGES_PER_MINUTE:
                return False
            recent.append(at)
            return True

    def first_untold(self, handoff_id: int, overdue: bool) -> tuple[bool, bool]:
        """Notes that the handoff's end could not be told (`overdue`: for longer than
        REPORT_UNTOLD_AFTER); returns whether this is the first failure, and the first overdue
        one, this process saw of it: each is logged once."""
        with self.lock:
            warn = handoff_id not in self.untold_warned
            report = overdue and handoff_id not in self.untold_reported
            self.untold_warned.add(handoff_id)
            if overdue:
                self.untold_reported.add(handoff_id)
            return warn, report

    def forget_untold(self, handoff_id: int) -> None:
        with self.lock:
            self.untold_warned.discard(handoff_id)
            self.untold_reported.discard(handoff_id)

    def not_announced(self, waiting: Sequence[Handoff]) -> list[Handoff]:
        """The waiting handoffs not announced yet; forgets those no longer waiting."""
        with self.lock:
            self.announced &= {handoff.id for handoff in waiting}
            return [handoff for handoff in waiting if handoff.id not in self.announced]

    def mark_announced(self, handoff_id: int) -> None:
        with self.lock:
            self.announced.add(handoff_id)


# --- the timers ------------------------------------------------------------------------------------


def run_timers(dashboard: "Dashboard", now: dt.datetime) -> None:
    """One tick of the live chat's timers (every TIMER_SECONDS while the dashboard runs): waiting
    handoffs nobody took within the firm's handoff_wait_minutes expire (the assistant offers the
    callback instead); held ones whose holder signed out or wrote nothing for handoff_idle_minutes
    go back to the assistant; then every end the assistant has not confirmed, these and any
    earlier one (a staff member's, or one from before a restart), is told to it, the oldest
    first; then those still waiting are announced in the firm's Slack channel (once each)."""
    wait = dt.timedelta(minutes=dashboard.firm.handoff_wait_minutes)
    handoffs.expire_waiting(dashboard.store, now, wait)
    idle = dt.timedelta(minutes=dashboard.firm.handoff_idle_minutes)
    handoffs.abandoned(dashboard.store, now, idle, dashboard.accounts.signed_in_user_ids(now))
    for handoff in handoffs.untold_ends(dashboard.store):
        tell_end(dashboard, handoff, now)
    announce_waiting(dashboard, now)


def announce_waiting(dashboard: "Dashboard", now: dt.datetime) -> None:
    """Posts each waiting handoff not announced yet to SLACK_WEBHOOK_URL, when it is set. Slack
    unreachable or refusing: logged (the error's type) and tried again on the next tick while the
    handoff waits; the others of this tick wait for it too (a timeout each would hold the timers)."""
    webhook_url = os.environ.get("SLACK_WEBHOOK_URL") or None
    if webhook_url is None:
        return
    waiting = [handoff for handoff in handoffs.open_handoffs(dashboard.store) if handoff.state == "waiting"]
    fresh = dashboard.live.not_announced(waiting)
    if not fresh:
        return
    leads, today = _newest_leads(dashboard), clock.today()
    for handoff in fresh:
        days_left = _case(leads.get(handoff.conversation_id), today).get("days_left")
        if days_left is None:  # no intake: the deadline card the assistant showed, if any
            card = _transcript_facts(dashboard, handoff.conversation_id, today)[1]
            days_left = card.days_left if card else None
        try:
            post_to_slack(webhook_url, slack_escaped(announcement(dashboard, handoff, days_left, now)))
        except (OSError, ValueError, http.client.HTTPException) as error:  # urllib's errors are OSErrors
            logger.warning("Handoff %s could not be announced in Slack yet: %s", handoff.id, type(error).__name__)
            return
        dashboard.live.mark_announced(handoff.id)


def announcement(dashboard: "Dashboard", handoff: Handoff, days_left: int | None, now: dt.datetime) -> str:
    """The Slack message for a waiting handoff: its channel, language, the days to the deadline
    and how long it may still wait; never the applicant's words or name (the channel is not the
    firm's database: nothing there is erased with a conversation)."""
    facts = ", ".join(part for part in (handoff.channel, english_name(handoff.language)) if part)
    if days_left is not None:
        if days_left > 0:
            facts += f"; deadline in {days_left} day{'s' if days_left != 1 else ''}"
        elif days_left == 0:
            facts += "; deadline today"
        else:
            facts += f"; deadline passed {-days_left} day{'s' if days_left != -1 else ''} ago"
    wait = dt.timedelta(minutes=dashboard.firm.handoff_wait_minutes)
    minutes = max(1, math.ceil((handoff.requested_at + wait - now).total_seconds() / 60))
    public_url = (os.environ.get("STAFF_PUBLIC_URL") or "").rstrip("/")
    where = f"{public_url}/live/{handoff.id}" if public_url else "open the dashboard's Live page"
    return (
        f"An applicant asks for a person in live chat ({facts}). "
        f"Take it within {minutes} minute{'s' if minutes != 1 else ''}: {where}"
    )


def was_told(answer: assistant_link.Answer) -> bool:
    """Whether the assistant has the end: stored (200; 502, the channel did not confirm), or
    nothing to end (404: the conversation was erased; 409: not paused)."""
    return answer.stored or answer.status in (404, 409)


def tell_end(dashboard: "Dashboard", handoff: Handoff, now: dt.datetime) -> assistant_link.Answer | None:
    """Tells the assistant the ended `handoff` ended: the note to the applicant (naming its holder
    when they handed it back or closed it) and `resume`, or for `expired` the apology and the
    callback offer. Marked told once the assistant has it; otherwise left untold in the database
    for the timers' next tick, with a warning the first time and an error once it has been untold
    for REPORT_UNTOLD_AFTER (each once per process; ids only, as every log line here). None, and
    marked told without asking, when the conversation has a newer open live chat: the old end
    would end that one."""
    store = dashboard.store
    if handoffs.open_handoff(store, handoff.conversation_id) is not None:
        handoffs.told(store, handoff.id, now)
        dashboard.live.forget_untold(handoff.id)
        return None
    how = handoff.ending or handoff.state
    staff = handoffs.speaker(store, handoff.taken_by) if how in handoffs.ENDED_BY_STAFF else None
    answer = assistant_link.end(handoff.conversation_id, how, staff, since=handoff.requested_at.timestamp())
    if was_told(answer):
        handoffs.told(store, handoff.id, now)
        dashboard.live.forget_untold(handoff.id)
        return answer
    overdue = handoff.ended_at is not None and now - handoff.ended_at > REPORT_UNTOLD_AFTER
    warn, report = dashboard.live.first_untold(handoff.id, overdue)
    status = answer.status or "unreachable"
    if report:
        logger.error(
            "The end of handoff %s (%s) has not been told to the assistant for over %d minutes: HTTP %s; still trying",
            handoff.id,
            how,
            int(REPORT_UNTOLD_AFTER.total_seconds() // 60),
            status,
        )
    elif warn:
        logger.warning(
            "The end of handoff %s (%s) could not be told to the assistant yet: HTTP %s", handoff.id, how, status
        )
    return answer


def on_start(dashboard: "Dashboard", now: dt.datetime) -> None:
    """When the dashboard starts: accounts whose role no longer takes live chats (firm.yml's
    handoff_roles) stop counting as available, so applicants are not told someone is coming."""
    changed = handoffs.unavailable_unless(dashboard.store, dashboard.firm.handoff_roles, now)
    if changed:
        logger.info("%s accounts whose role does not take live chats were marked not available", changed)


async def keep_timers(dashboard: "Dashboard") -> None:
    """on_start, then run_timers every TIMER_SECONDS, in a thread (they use the databases), until cancelled."""
    try:
        await asyncio.to_thread(on_start, dashboard, utcnow())
    except Exception as error:  # the type only: log_privacy
        logger.error("The live chat's start step failed: %s", type(error).__name__)
    while True:
        try:
            await asyncio.to_thread(run_timers, dashboard, utcnow())
        except Exception as error:  # the type only: log_privacy
            logger.error("The live chat timers failed: %s", type(error).__name__)
        await asyncio.sleep(TIMER_SECONDS)


# --- the pages -------------------------------------------------------------------------------------


def register(app: Sanic, dashboard: "Dashboard", page: Page, signed_in: SessionCheck, policy: str) -> None:
    """Adds the live pages to the dashboard's app. `policy`: the dashboard's Content-Security-Policy,
    which these pages extend by their one script and its event stream."""
    live_policy = f"{policy}; script-src 'self'; connect-src 'self'"

    def with_script(view: View) -> View:
        @functools.wraps(view)
        def allowing_script(request: Request, dashboard: "Dashboard", user: SignedIn, **params: Any) -> HTTPResponse:
            if may_chat(dashboard, user):  # the page is open: its person is here (and may answer)
                handoffs.mark_seen(dashboard.store, user.id, utcnow())
            response = view(request, dashboard, user, **params)
            response.headers["Content-Security-Policy"] = live_policy
            return response

        return allowing_script

    page("/live")(with_script(queue_page))
    page("/live/availability", methods=("POST",))(with_script(availability_page))
    page("/live/<handoff_id:int>")(with_script(conversation_page))
    page("/live/<handoff_id:int>/take", methods=("POST",))(with_script(take_page))
    page("/live/<handoff_id:int>/say", methods=("POST",))(with_script(say_page))
    page("/live/<handoff_id:int>/hand-back", methods=("POST",))(with_script(hand_back_page))
    page("/live/<handoff_id:int>/close", methods=("POST",))(with_script(close_page))

    async def queue_events(request: Request) -> HTTPResponse | None:
        user = await asyncio.to_thread(signed_in, request)
        if user is None:
            return text("Sign in again.", status=401)
        seen = request.args.get("seen", "")

        async def poll() -> tuple[list[str], bool]:
            nonlocal seen
            current = queue_version(await asyncio.to_thread(handoffs.open_handoffs, dashboard.store))
            if current == seen:
                return [], False
            seen = current
            return [_event("queue", {})], True  # the page reloads: this stream is done

        await _stream(request, dashboard, user, signed_in, poll)
        return None

    async def conversation_events(request: Request, handoff_id: int) -> HTTPResponse | None:
        user = await asyncio.to_thread(signed_in, request)
        if user is None:
            return text("Sign in again.", status=401)
        found = await asyncio.to_thread(handoffs.get, dashboard.store, handoff_id)
        if found is None or not found.is_open:  # an ended one's page is still there, without updates
            return text("There is no such live chat going on.", status=404)
        conversation_id = found.conversation_id
        # The stream sends the transcript after `after` (all of it from 0): audited as the page is.
        await asyncio.to_thread(_audit_watch, dashboard, user, found)
        # Where the page (or, reconnecting, this stream) left off.
        after = _number(request.headers.get("last-event-id")) or _number(request.args.get("after"))
        state = request.args.get("state", "")
        table: str | None = None

        def read() -> tuple[list[tuple[int, Message]], int, Handoff | None]:
            """The messages after `after`, and the handoff as it is now: a query to each database."""
            nonlocal table
            table = table or events_table(dashboard.transcripts, dashboard.transcript_schema)
            new: list[tuple[int, Message]] = []
            last = after
            if table is not None:  # else Rasa has not made its table yet
                new, last = conversations.messages_after(
                    dashboard.transcripts, conversation_id, after, dashboard.transcript_schema, table
                )
            return new, last, handoffs.get(dashboard.store, handoff_id)

        async def poll() -> tuple[list[str], bool]:
            nonlocal after
            new, after, handoff = await asyncio.to_thread(read)
            chunks = [_message_event(event_id, message) for event_id, message in new]
            if handoff is None or state_version(handoff) != state:
                return [*chunks, _event("state", {})], True  # the page reloads: this stream is done
            return chunks, False

        await _stream(request, dashboard, user, signed_in, poll)
        return None

    app.add_route(queue_events, "/live/events", methods=["GET"], name="live_queue_events")
    app.add_route(conversation_events, "/live/<handoff_id:int>/events", methods=["GET"], name="live_events")


async def _stream(
    request: Request,
    dashboard: "Dashboard",
    user: SignedIn,
    signed_in: SessionCheck,
    poll: Callable[[], Awaitable[tuple[list[str], bool]]],
) -> None:
    """A server-sent event stream: `poll` every POLL_SECONDS gives the events to send (and whether
    the stream is done). Ends after STREAM_SECONDS, when the session ends, or on a database error
    (the browser reconnects); when the browser goes away, Sanic cancels this."""
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"X-Accel-Buffering": "no"},  # nginx: no buffering
    )
    loop = asyncio.get_running_loop()
    started = last_check = last_sent = loop.time()
    await response.send(f"retry: {RECONNECT_MILLISECONDS}\n\n")
    try:
        while loop.time() - started < STREAM_SECONDS:
            chunks, done = await poll()
            for chunk in chunks:
                await response.send(chunk)
                last_sent = loop.time()
            if done:
                break
            if loop.time() - last_check >= SEEN_EVERY_SECONDS:
                if await asyncio.to_thread(signed_in, request) is None:
                    break
                if may_chat(dashboard, user):
                    await asyncio.to_thread(handoffs.mark_seen, dashboard.store, user.id, utcnow())
                last_check = loop.time()
            if loop.time() - last_sent >= KEEPALIVE_SECONDS:
                await response.send(": still here\n\n")
                last_sent = loop.time()
            await asyncio.sleep(POLL_SECONDS)
    except SQLAlchemyError as error:
        logger.warning("A live page's event stream stopped: %s", type(error).__name__)
    await response.eof()


def _event(name: str, data: dict[str, object], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data)}\n\n"  # json.dumps: one line, whatever the text


def _message_event(event_id: int, message: Message) -> str:
    data: dict[str, object] = {
        "from": "staff" if message.staff else message.sender,
        "text": message.text or f"({(message.custom or {}).get('type') or 'a'} card)",
        "at": message.at.isoformat(),
    }
    if message.staff:
        data["name"] = str(message.staff.get("name") or "Staff")
        data["role"] = str(message.staff.get("role") or "")
    return _event("message", data, event_id)


def _number(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else 0


def queue_version(open_ones: Sequence[Handoff]) -> str:
    """Changes whenever a handoff joins or leaves the queue, or is taken or released."""
    listed = ";".join(f"{h.id}:{h.state}:{h.taken_by or 0}" for h in open_ones)
    return hashlib.sha256(listed.encode()).hexdigest()[:16]


def state_version(handoff: Handoff) -> str:
    return f"{handoff.state}-{handoff.taken_by or 0}"


def may_chat(dashboard: "Dashboard", user: SignedIn) -> bool:
    """Whether the person's role takes live chats (firm.yml's handoff_roles); everyone may watch."""
    return user.role in dashboard.firm.handoff_roles


def _not_allowed(dashboard: "Dashboard", user: SignedIn, request: Request) -> HTTPResponse:
    dashboard.accounts.record(user.email, "refused", detail=f"live chat: {request.path[:100]}")
    roles = " and ".join(f"{role}s" for role in dashboard.firm.handoff_roles)
    message = f"Only {roles} take live chats at this firm (firm.yml's handoff_roles). You may still watch them."
    return dashboard.render("error.html", user, status=403, title="Not allowed", message=message)


def _audit_watch(dashboard: "Dashboard", user: SignedIn, handoff: Handoff) -> None:
    lead = _newest_leads(dashboard).get(handoff.conversation_id)
    dashboard.accounts.record(
        user.email, "watched live chat", lead_id=lead.id if lead else None, detail=f"handoff {handoff.id}"
    )


def _newest_leads(dashboard: "Dashboard") -> dict[str, Lead]:
    """Each conversation's newest lead."""
    newest: dict[str, Lead] = {}
    for lead in dashboard.store.leads():
        known = newest.get(lead.conversation_id)
        if known is None or (lead.created_at, lead.id) > (known.created_at, known.id):
            newest[lead.conversation_id] = lead
    return newest


def _emails(dashboard: "Dashboard") -> dict[int, str]:
    return {user.id: user.email for user in dashboard.accounts.users()}


def _case(lead: Lead | None, today: dt.date) -> dict[str, Any]:
    """The lead's urgency and deadline as the lead page shows them."""
    if lead is None:
        return {"lead": None}
    return {
        "lead": lead,
        "urgency": lead.current_urgency(today),
        "days_left": (lead.deadline - today).days if lead.deadline else None,
    }


@dataclass(frozen=True)
class QueueRow:
    handoff: Handoff
    holder: str | None  # the holder's email
    case: dict[str, Any]
    last_said: list[Message] | None  # None: the transcript could not be read
    card: "CardDeadline | None" = None  # the conversation's latest deadline card (without a lead)


@dataclass(frozen=True)
class CardDeadline:
    """The deadline on the latest deadline card the assistant showed in a conversation: what a
    person taking it over needs first when the applicant has given no intake yet."""

    deadline: dt.date
    days_left: int  # from today, not from when the card was shown


def card_deadline(messages: Sequence[Message], today: dt.date) -> CardDeadline | None:
    for message in reversed(messages):
        custom = message.custom or {}
        if custom.get("type") == "deadline" and isinstance(custom.get("deadline"), str):
            try:
                deadline = dt.date.fromisoformat(custom["deadline"])
            except ValueError:
                continue
            return CardDeadline(deadline, (deadline - today).days)
    return None


def _transcript_facts(
    dashboard: "Dashboard", conversation_id: str, today: dt.date
) -> tuple[list[Message] | None, CardDeadline | None]:
    """The applicant's last LAST_SAID messages (None: the transcript could not be read) and the
    latest deadline card's deadline."""
    try:
        messages = conversations.transcript(dashboard.transcripts, conversation_id, dashboard.transcript_schema)
    except SQLAlchemyError as error:
        logger.warning("A live chat's transcript is unavailable: %s", type(error).__name__)
        return None, None
    said = [message for message in messages if message.sender == conversations.APPLICANT][-LAST_SAID:]
    return said, card_deadline(messages, today)


def queue_page(request: Request, dashboard: "Dashboard", user: SignedIn) -> HTTPResponse:
    open_ones = handoffs.open_handoffs(dashboard.store)
    leads, emails, today = _newest_leads(dashboard), _emails(dashboard), clock.today()
    rows = []
    for handoff in open_ones:
        said, card = _transcript_facts(dashboard, handoff.conversation_id, today)
        holder = emails.get(handoff.taken_by) if handoff.taken_by else None
        rows.append(QueueRow(handoff, holder, _case(leads.get(handoff.conversation_id), today), said, card))
    dashboard.accounts.record(user.email, "listed live chats", detail=f"{len(rows)} shown")
    return dashboard.render(
        "live.html",
        user,
        rows=rows,
        urgent=URGENT,
        may_chat=may_chat(dashboard, user),
        available=handoffs.is_available(dashboard.store, user.id),
        office_open=dashboard.firm.next_opening(utcnow()) is None,
        events_url=f"/live/events?seen={queue_version(open_ones)}",
    )


def availability_page(request: Request, dashboard: "Dashboard", user: SignedIn) -> HTTPResponse:
    if not may_chat(dashboard, user):
        return _not_allowed(dashboard, user, request)
    available = (request.form or {}).get("available") == "yes"
    handoffs.set_available(dashboard.store, user.id, available, utcnow())
    dashboard.accounts.record(user.email, "available for live chat" if available else "not available for live chat")
    return redirect("/live", status=303)


def conversation_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int) -> HTTPResponse:
    notice = NOTICES.get(request.args.get("notice", ""), "")
    return _conversation(dashboard, user, handoff_id, notice=notice)


def _conversation(
    dashboard: "Dashboard",
    user: SignedIn,
    handoff_id: int,
    status: int = 200,
    notice: str = "",
    problem: str = "",
    draft: str = "",
) -> HTTPResponse:
    """One live chat's page: `notice` says how something went, `problem` why it did not, and
    `draft` is a message that was not sent (to send again)."""
    handoff = handoffs.get(dashboard.store, handoff_id)
    if handoff is None:
        message = f"There is no live chat #{handoff_id}."
        return dashboard.render("error.html", user, status=404, title="No such live chat", message=message)
    try:
        read, last_event = conversations.messages_after(
            dashboard.transcripts, handoff.conversation_id, 0, dashboard.transcript_schema
        )
        messages: list[Message] | None = [message for _, message in read]
    except SQLAlchemyError as error:  # the rest of the page is still of use
        logger.warning("Transcript of handoff %s unavailable: %s", handoff.id, type(error).__name__)
        messages, last_event = None, 0
    lead = _newest_leads(dashboard).get(handoff.conversation_id)
    dashboard.accounts.record(
        user.email, "viewed live chat", lead_id=lead.id if lead else None, detail=f"handoff {handoff.id}"
    )
    holder = _emails(dashboard).get(handoff.taken_by) if handoff.taken_by else None
    return dashboard.render(
        "live_conversation.html",
        user,
        status=status,
        handoff=handoff,
        holder=holder,
        held_by_me=handoff.state == "held" and handoff.taken_by == user.id,
        may_chat=may_chat(dashboard, user),
        messages=messages,
        urgent=URGENT,
        today=clock.today(),
        notice=notice,
        problem=problem,
        draft=draft,
        max_message_length=MAX_MESSAGE_LENGTH,
        # An ended live chat's page has nothing more to wait for: no updates (its stream answers 404).
        events_url=(
            f"/live/{handoff.id}/events?after={last_event}&state={state_version(handoff)}" if handoff.is_open else None
        ),
        card=card_deadline(messages or [], clock.today()),
        **_case(lead, clock.today()),
    )


def _why_not_yours(dashboard: "Dashboard", handoff: Handoff, user: SignedIn) -> str:
    """Why a staff member cannot act on a handoff as they tried to, from its state now."""
    if handoff.state == "held":
        if handoff.taken_by == user.id:
            return "You hold this conversation already."
        holder = _emails(dashboard).get(handoff.taken_by) if handoff.taken_by else None
        return f"{holder or 'Someone else'} holds this conversation: only they write in it and end it."
    if handoff.state == "waiting":
        return "Nobody holds this conversation yet: take it over first."
    if handoff.state == "expired":
        return "Nobody took this conversation in time: the assistant offered the applicant a callback instead."
    return "This live chat has ended."


def _see(handoff_id: int, notice: str = "") -> HTTPResponse:
    return redirect(f"/live/{handoff_id}" + (f"?notice={notice}" if notice else ""), status=303)


def take_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int) -> HTTPResponse:
    if not may_chat(dashboard, user):
        return _not_allowed(dashboard, user, request)
    taken = handoffs.take(dashboard.store, handoff_id, user.id, utcnow())
    if taken is None:
        current = handoffs.get(dashboard.store, handoff_id)
        if current is None:
            return _conversation(dashboard, user, handoff_id)  # the page for no such live chat
        return _conversation(dashboard, user, handoff_id, 409, problem=_why_not_yours(dashboard, current, user))
    answer = assistant_link.take(taken.conversation_id, user.as_speaker())
    if not answer.stored:  # the applicant does not know: someone may try again
        handoffs.release(dashboard.store, handoff_id, user.id, utcnow())
        problem = f"Not taken over: {answer.reason}. The applicant is still waiting; try again in a moment."
        return _conversation(dashboard, user, handoff_id, 502, problem=problem)
    return _see(handoff_id, "" if answer.ok else "taken-unconfirmed")


def say_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int) -> HTTPResponse:
    if not may_chat(dashboard, user):
        return _not_allowed(dashboard, user, request)
    handoff = handoffs.get(dashboard.store, handoff_id)
    if handoff is None:
        return _conversation(dashboard, user, handoff_id)
    said = (request.form or {}).get("text", "").strip()
    if handoff.state != "held" or handoff.taken_by != user.id:
        return _conversation(dashboard, user, handoff_id, 409, problem=_why_not_yours(dashboard, handoff, user))
    if not 1 <= len(said) <= MAX_MESSAGE_LENGTH:
        problem = f"Not sent: a message has 1 to {MAX_MESSAGE_LENGTH:,} characters (this one has {len(said):,})."
        return _conversation(dashboard, user, handoff_id, 400, problem=problem, draft=said[: MAX_MESSAGE_LENGTH * 2])
    if not dashboard.live.may_send(user.id, time.monotonic()):
        problem = f"Not sent: at most {MESSAGES_PER_MINUTE} messages a minute. Wait a moment, then send it again."
        return _conversation(dashboard, user, handoff_id, 429, problem=problem, draft=said)
    answer = assistant_link.say(handoff.conversation_id, user.as_speaker(), said)
    if answer.status == 409:  # the conversation is not paused: the assistant took it back
        now = utcnow()
        if handoffs.end(dashboard.store, handoff_id, user.id, "returned", now) is not None:
            handoffs.told(dashboard.store, handoff_id, now)  # the assistant resumed it itself: nothing to tell
        return _see(handoff_id, "taken-back")
    if not answer.stored:
        problem = f"Not sent: {answer.reason}."
        return _conversation(dashboard, user, handoff_id, 502, problem=problem, draft=said)
    handoffs.staff_message_sent(dashboard.store, handoff_id, user.id, utcnow())
    return _see(handoff_id, "" if answer.ok else "sent-unconfirmed")


def _end_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int, how: str) -> HTTPResponse:
    if not may_chat(dashboard, user):
        return _not_allowed(dashboard, user, request)
    now = utcnow()
    ended = handoffs.end(dashboard.store, handoff_id, user.id, how, now)
    if ended is None:
        current = handoffs.get(dashboard.store, handoff_id)
        if current is None:
            return _conversation(dashboard, user, handoff_id)
        return _conversation(dashboard, user, handoff_id, 409, problem=_why_not_yours(dashboard, current, user))
    answer = tell_end(dashboard, ended, now)
    if answer is None or was_told(answer):  # None: a newer live chat of the conversation
        return _see(handoff_id, "ended-unconfirmed" if answer is not None and answer.status == 502 else "")
    if answer.worth_retrying:
        return _see(handoff_id, "ended-pending")
    problem = (
        f"The live chat ended here, but the applicant has not been told yet: {answer.reason}. "
        "The dashboard keeps trying."
    )
    return _conversation(dashboard, user, handoff_id, 502, problem=problem)


def hand_back_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int) -> HTTPResponse:
    return _end_page(request, dashboard, user, handoff_id, "returned")


def close_page(request: Request, dashboard: "Dashboard", user: SignedIn, handoff_id: int) -> HTTPResponse:
    return _end_page(request, dashboard, user, handoff_id, "closed")
