"""The dashboard's live chat (issue 26, bot/staff/live.py) over plain HTTP: the real app on a free
port with real SQLite databases (the firm's, and a tracker store Rasa's own SQLTrackerStore
writes), and a stand-in for the Rasa server's handoff route that records what it was asked and
answers as each test tells it. The timers run in this process against the same kind of setup."""

import asyncio
import datetime as dt
import json
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.backoffice import handoffs
from bot.backoffice.accounts import Accounts
from bot.backoffice.db import make_engine, migrate
from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import utcnow
from bot.rules.firm import load_firm
from bot.staff import live
from bot.staff.app import Dashboard
from scripts.serve import running_dashboard
from tests.common import (
    add_staff_account,
    lead,
    recording_api,
    refusing_port,
    unused_port,
    wait_until,
    wait_until_async,
)
from tests.staff.rasa_trackers import domain
from tests.staff.test_dashboard_http import PASSWORD, Browser

SECRET = "s" * 40
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


class FakeAssistant:
    """The Rasa server's handoff route as the dashboard sees it: records each call (verb, the
    secret sent, the JSON body) and answers 200, or the status a test sets for a verb, after the
    seconds a test sets for it (none by default)."""

    def __init__(self):
        self.calls, self.answers, self.delays = [], {}, {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                verb = self.path.rsplit("/", 1)[-1]
                fake.calls.append((self.path, self.headers.get("X-Handoff-Secret"), body))
                time.sleep(fake.delays.get(verb, 0))
                status = fake.answers.get(verb, 200)
                data = json.dumps({"status": "ok" if status == 200 else "error"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verbs(self, conversation_id):
        return [
            (path.rsplit("/", 1)[-1], body)
            for path, _, body in self.calls
            if body.get("conversation_id") == conversation_id
        ]


@contextmanager
def fake_assistant():
    fake = FakeAssistant()
    try:
        yield fake
    finally:
        fake.server.shutdown()


def add_events(db, conversation_id, *events):
    """Appends events to a conversation with Rasa's own SQLTrackerStore, as the Rasa server does."""

    async def save():
        store = SQLTrackerStore(domain(), dialect="sqlite", db=db)
        try:
            tracker = await store.retrieve(conversation_id) or DialogueStateTracker(conversation_id, domain().slots)
            for event in events:
                tracker.update(event)
            await store.save(tracker)
        finally:
            store.engine.dispose()

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, also beside Playwright's
        thread.submit(asyncio.run, save()).result()


def applicant(words):
    return UserUttered(words, {"name": "greet", "confidence": 0.9}, [], timestamp=time.time())


def staff_said(words, name="Ana", role="Paralegal"):
    return BotUttered(words, {}, {"staff": {"id": 1, "name": name, "role": role}}, timestamp=time.time())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The dashboard (attorneys take live chats here; the staff role only watches), its database,
    its tracker store's file and the stand-in route."""
    workdir = tmp_path_factory.mktemp("live-http")
    with fake_assistant() as assistant:
        env = {
            "BOT_TODAY": "2026-06-15",
            "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
            "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'conversations.db'}",
            "RASA_URL": assistant.url,
            "HANDOFF_SECRET": SECRET,
            "FIRM_HANDOFF_ROLES": "attorney",
            "SLACK_WEBHOOK_URL": "",  # never the developer's own channel
        }
        engine = make_engine(env["DATABASE_URL"])
        migrate(engine)
        for email in ("ana@firm.example", "ben@firm.example", "cy@firm.example"):
            add_staff_account(env, email, "attorney", PASSWORD)
        add_staff_account(env, "sam@firm.example", "staff", PASSWORD)
        Accounts(engine).set_name("ana@firm.example", "Ana", "Paralegal")
        add_events(str(workdir / "conversations.db"), "widget-first", applicant("hello"))
        port = unused_port()
        with open(workdir / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log):
            yield {
                "base": f"http://127.0.0.1:{port}",
                "store": IntakeStore(engine),
                "engine": engine,
                "tracker_db": str(workdir / "conversations.db"),
                "assistant": assistant,
            }


@pytest.fixture
def assistant(site):
    site["assistant"].answers.clear()
    site["assistant"].delays.clear()
    site["assistant"].calls.clear()
    return site["assistant"]


def signed_in(site, email):
    browser = Browser(site["base"])
    assert browser.sign_in(email)[0] == 302
    return browser


def waiting(site, conversation_id, language="en", channel="widget"):
    return handoffs.request_handoff(site["store"], conversation_id, channel, language, utcnow())


def post(browser, path, **form):
    return browser.request(path, {"csrf": browser.csrf("/live"), **form})


def raw_page(browser, path):
    with browser.opener.open(browser.base + path, timeout=30) as response:
        return response.headers, response.read().decode()


def audit(site, actor):
    with site["engine"].connect() as connection:
        query = text("select action, detail from audit_events where actor = :actor order by id")
        return [tuple(row) for row in connection.execute(query, {"actor": actor})]


def audit_leads(site, actor, action):
    """The lead ids and details of the actor's audit lines of that action, oldest first."""
    with site["engine"].connect() as connection:
        query = text("select lead_id, detail from audit_events where actor = :actor and action = :action order by id")
        return [tuple(row) for row in connection.execute(query, {"actor": actor, "action": action})]


def test_only_the_live_pages_may_run_a_script_and_only_their_own(site):
    browser = signed_in(site, "ben@firm.example")
    handoff = waiting(site, "widget-csp")
    for path in ("/live", f"/live/{handoff.id}"):
        headers, page = raw_page(browser, path)
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy and '<script src="/static/live.js" defer></script>' in page
    headers, page = raw_page(browser, "/leads")
    assert "script-src" not in headers["Content-Security-Policy"] and "<script" not in page
    status, headers, script = browser.request("/static/live.js")
    assert status == 200 and "textContent" in script and "innerHTML" not in script


def test_attorneys_mark_themselves_available_and_see_who_asks_for_a_person(site, assistant):
    store = site["store"]
    lead_id = store.save_lead(lead(conversation_id="telegram-77", deadline=dt.date(2026, 7, 1)), "Summary", [])
    add_events(site["tracker_db"], "telegram-77", *(applicant(f"message {n}") for n in range(1, 5)))
    with_lead = waiting(site, "telegram-77", language="es", channel="telegram")
    without = waiting(site, "widget-nolead")
    browser = signed_in(site, "ben@firm.example")
    ben = next(user.id for user in Accounts(site["engine"]).users() if user.email == "ben@firm.example")
    with site["engine"].begin() as connection:  # seen long ago
        connection.execute(
            text("update staff_users set last_seen_at = '2026-01-01 00:00:00' where id = :id"), {"id": ben}
        )
    status, _, page = browser.request("/live")
    assert status == 200 and "You are <strong>not available</strong> for live chats." in page
    with site["engine"].connect() as connection:  # every live page marks its person seen
        seen = connection.execute(text("select last_seen_at from staff_users where id = :id"), {"id": ben}).scalar()
    assert not seen.startswith("2026-01-01")
    assert post(browser, "/live/availability", available="yes")[0] == 303
    assert handoffs.is_available(store, ben) and handoffs.staff_available(store, utcnow())
    status, _, page = browser.request("/live")
    assert "You are <strong>available</strong> for live chats." in page and "Stop taking live chats" in page
    row = page[page.index(f'href="/live/{with_lead.id}"') :].split("</tr>")[0]
    assert "telegram" in row and "Spanish" in row and "URGENT" in row and "within 30 days" in row
    assert "2026-07-01 (16 days)" in row and f"Lead #{lead_id}" in row
    assert "message 1" not in row and all(f"message {n}" in row for n in (2, 3, 4))  # the last three
    assert "nobody yet" in row
    row = page[page.index(f'href="/live/{without.id}"') :].split("</tr>")[0]
    assert "no intake yet" in row and "English" in row
    assert ("available for live chat", None) in audit(site, "ben@firm.example")
    # Signing out: no live chats for someone gone.
    assert browser.request("/logout", {"csrf": browser.csrf("/live")})[0] == 302
    assert not handoffs.is_available(store, ben)
    assert assistant.calls == []


def test_taking_over_tells_the_assistant_who_and_nobody_else_can_take_it(site, assistant):
    handoff = waiting(site, "widget-take")
    ana, ben = signed_in(site, "ana@firm.example"), signed_in(site, "ben@firm.example")
    status, _, page = ana.request(f"/live/{handoff.id}")
    assert status == 200 and "Take over" in page and "Ana (Paralegal)" in page
    status, headers, _ = post(ana, f"/live/{handoff.id}/take")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}")
    [(path, secret, body)] = assistant.calls
    ana_id = handoffs.get(site["store"], handoff.id).taken_by
    assert (path, secret) == ("/webhooks/handoff/take", SECRET)
    assert body == {"conversation_id": "widget-take", "staff": {"id": ana_id, "name": "Ana", "role": "Paralegal"}}
    assert ("took handoff", f"handoff {handoff.id}") in audit(site, "ana@firm.example")
    status, _, page = ana.request(f"/live/{handoff.id}")
    assert "You hold this conversation" in page and "Send" in page and "Hand back to the assistant" in page
    # The second attorney sees who holds it and cannot take it, nor write in it, nor end it.
    status, _, page = ben.request(f"/live/{handoff.id}")
    assert "Held by ana@firm.example" in page and "Take over" not in page and 'name="text"' not in page
    status, _, page = post(ben, f"/live/{handoff.id}/take")
    assert status == 409 and "ana@firm.example holds this conversation" in page
    assert post(ben, f"/live/{handoff.id}/say", text="hello")[0] == 409
    assert post(ben, f"/live/{handoff.id}/close")[0] == 409
    assert len(assistant.calls) == 1
    assert handoffs.get(site["store"], handoff.id).taken_by == ana_id


def test_the_holder_writes_to_the_applicant_within_limits(site, assistant):
    handoff = waiting(site, "widget-say")
    cy = signed_in(site, "cy@firm.example")
    post(cy, f"/live/{handoff.id}/take")
    status, headers, _ = post(cy, f"/live/{handoff.id}/say", text="  Hello, I am looking at your case now.  ")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}")
    verb, body = assistant.verbs("widget-say")[-1]
    assert (verb, body["text"], body["staff"]["name"], body["staff"]["role"]) == (
        "say",
        "Hello, I am looking at your case now.",
        "Cy",
        "Attorney",
    )
    assert handoffs.get(site["store"], handoff.id).last_staff_message_at is not None
    for refused in ("x" * 2001, "   "):
        status, _, page = post(cy, f"/live/{handoff.id}/say", text=refused)
        assert status == 400 and "a message has 1 to 2,000 characters" in page
    assert len(assistant.verbs("widget-say")) == 2  # the take and one message
    # The channel did not confirm: in the transcript all the same, and the staff member is told.
    assistant.answers["say"] = 502
    status, headers, _ = post(cy, f"/live/{handoff.id}/say", text="Are you there?")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}?notice=sent-unconfirmed")
    assert "the applicant's channel did not confirm it arrived" in cy.request(headers["Location"])[2]
    assistant.answers.clear()
    for n in range(18):  # 20 in the minute with the two above
        assert post(cy, f"/live/{handoff.id}/say", text=f"message {n}")[0] == 303
    status, _, page = post(cy, f"/live/{handoff.id}/say", text="one too many")
    assert status == 429 and "at most 20 messages a minute" in page and "one too many</textarea>" in page
    assert [body["text"] for verb, body in assistant.verbs("widget-say") if verb == "say"][-1] == "message 17"


def test_handing_back_and_closing_end_the_live_chat_and_note_the_lead(site, assistant):
    store = site["store"]
    lead_id = store.save_lead(lead(conversation_id="widget-end"), "Summary", [])
    ana = signed_in(site, "ana@firm.example")
    for how, button in (("returned", "hand-back"), ("closed", "close")):
        handoff = waiting(site, "widget-end")
        post(ana, f"/live/{handoff.id}/take")
        status, headers, _ = post(ana, f"/live/{handoff.id}/{button}")
        assert (status, headers["Location"]) == (303, f"/live/{handoff.id}")
        verb, body = assistant.verbs("widget-end")[-1]
        assert (verb, body["how"], body["staff"]["name"]) == ("end", how, "Ana")
        assert handoffs.get(store, handoff.id).state == how
        page = ana.request(f"/live/{handoff.id}")[2]
        assert "This live chat ended" in page and "Take over" not in page and 'name="text"' not in page
    notes = [note.text for note in store.lead(lead_id).notes]
    assert len(notes) == 2 and all(
        note.startswith("Live chat: Ana (Paralegal) talked with the applicant") for note in notes
    )
    assert notes[0].endswith("handed back to the assistant.") and notes[1].endswith("closed the live chat.")
    # Ended already: a second hand-back is refused and the assistant is not told again.
    calls = len(assistant.calls)
    assert post(ana, f"/live/{handoff.id}/hand-back")[0] == 409 and len(assistant.calls) == calls


def test_the_assistant_unreachable_when_ending_is_told_again_by_the_timers_later(site, assistant):
    handoff = waiting(site, "widget-later")
    ana = signed_in(site, "ana@firm.example")
    post(ana, f"/live/{handoff.id}/take")
    assistant.answers["end"] = 503
    status, headers, _ = post(ana, f"/live/{handoff.id}/hand-back")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}?notice=ended-pending")
    page = ana.request(headers["Location"])[2]
    assert "the dashboard keeps trying until it is" in page and "The assistant has not confirmed the end yet" in page
    assert handoffs.get(site["store"], handoff.id).state == "returned"
    assert handoffs.get(site["store"], handoff.id).assistant_told_at is None
    assistant.answers.clear()
    # The dashboard's own timers (every 15 s) tell the assistant again, naming who held it.
    wait_until(lambda: handoffs.get(site["store"], handoff.id).assistant_told_at is not None, timeout=40)
    ends = [body for verb, body in assistant.verbs("widget-later") if verb == "end"]
    assert len(ends) == 2 and ends[1] == ends[0]
    assert (ends[1]["how"], ends[1]["staff"]["name"]) == ("returned", "Ana")
    assert "The assistant has not confirmed the end yet" not in ana.request(f"/live/{handoff.id}")[2]


def test_a_slow_assistant_is_waited_for_so_a_delivered_message_is_not_sent_twice(site, assistant):
    """The route waits for the conversation's lock, then for the applicant's channel (a Telegram
    call may take 15 s): the dashboard waits longer than that before saying "not sent"."""
    handoff = waiting(site, "widget-slow")
    ana = signed_in(site, "ana@firm.example")
    post(ana, f"/live/{handoff.id}/take")
    assistant.delays["say"] = 12
    status, headers, _ = post(ana, f"/live/{handoff.id}/say", text="Still looking at it.")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}")
    assert [verb for verb, _ in assistant.verbs("widget-slow")] == ["take", "say"]


def test_a_role_that_does_not_take_live_chats_may_watch_only(site, assistant):
    handoff = waiting(site, "widget-watch")
    sam = signed_in(site, "sam@firm.example")
    status, _, page = sam.request("/live")
    assert status == 200 and "taken by attorney accounts" in page and "Make me available" not in page
    status, _, page = sam.request(f"/live/{handoff.id}")
    assert status == 200 and "Take over" not in page
    for action in ("take", "say", "close", "hand-back"):
        status, _, page = post(sam, f"/live/{handoff.id}/{action}", text="hello")
        assert status == 403 and "Only attorneys take live chats" in page
    assert post(sam, "/live/availability", available="yes")[0] == 403
    assert handoffs.get(site["store"], handoff.id).state == "waiting" and assistant.calls == []
    assert ("refused", f"live chat: /live/{handoff.id}/take") in audit(site, "sam@firm.example")


def test_watching_live_chats_does_not_make_a_role_that_takes_none_seen(site):
    """Only a person who may take live chats counts as someone who can answer: a watcher's page
    or event stream does not mark them seen (an available flag left from before the firm set
    handoff_roles would otherwise promise applicants a person)."""
    handoff = waiting(site, "widget-watch-seen")
    sam = signed_in(site, "sam@firm.example")
    with site["engine"].begin() as connection:
        connection.execute(
            text("update staff_users set last_seen_at = null where email in ('sam@firm.example', 'ben@firm.example')")
        )
    sam.request("/live")
    sam.request(f"/live/{handoff.id}")
    signed_in(site, "ben@firm.example").request("/live")
    with site["engine"].connect() as connection:
        seen = dict(connection.execute(text("select email, last_seen_at from staff_users")).all())
    assert seen["sam@firm.example"] is None and seen["ben@firm.example"] is not None


def test_a_take_over_the_assistant_could_not_be_told_of_is_released_with_the_reason(site, assistant):
    handoff = waiting(site, "widget-refused")
    ana = signed_in(site, "ana@firm.example")
    for answer, reason in ((503, "the assistant answered HTTP 503"), (404, "the assistant has no such conversation")):
        assistant.answers["take"] = answer
        status, _, page = post(ana, f"/live/{handoff.id}/take")
        assert status == 502 and f"Not taken over: {reason}" in page and "Take over" in page
        again = handoffs.get(site["store"], handoff.id)
        assert (again.state, again.taken_by) == ("waiting", None)
    assert audit(site, "ana@firm.example")[-2:] == [
        ("released handoff", f"handoff {handoff.id}"),
        ("viewed live chat", f"handoff {handoff.id}"),
    ]


def test_staff_words_are_shown_as_text_with_who_wrote_them(site):
    handoff = waiting(site, "widget-words")
    add_events(
        site["tracker_db"],
        "widget-words",
        applicant("<b>bold</b> question"),
        staff_said("<script>alert('x')</script> see you"),
    )
    ben = signed_in(site, "ben@firm.example")
    _, page = raw_page(ben, f"/live/{handoff.id}")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; see you" in page
    assert "&lt;b&gt;bold&lt;/b&gt; question" in page
    assert re.search(r'<li class="staff"><p class="who">Ana \(Paralegal\), staff', page)


def events_from(stream, wanted, timeout=30):
    """Reads server-sent events from the open stream until one named `wanted` arrives; returns it
    as (id or None, data). Each read waits at most the stream's timeout."""
    deadline = time.monotonic() + timeout
    name, event_id = None, None
    while time.monotonic() < deadline:
        line = stream.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("id: "):
            event_id = int(line[len("id: ") :])
        elif line.startswith("data: ") and name == wanted:
            return event_id, json.loads(line[len("data: ") :])
        elif line == "":
            name, event_id = None, None
    raise AssertionError(f"no {wanted} event within {timeout} s")


def test_the_conversation_page_streams_new_messages_and_a_change_of_hands(site, assistant):
    add_events(site["tracker_db"], "widget-live", applicant("first words"))
    handoff = waiting(site, "widget-live")
    ben, ana = signed_in(site, "ben@firm.example"), signed_in(site, "ana@firm.example")
    page = ben.request(f"/live/{handoff.id}")[2]
    events_url = re.search(r'data-events="([^"]+)"', page).group(1)
    assert events_url.startswith(f"/live/{handoff.id}/events?after=")
    with ben.opener.open(ben.base + events_url, timeout=30) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert stream.readline() == b"retry: 3000\n"
        add_events(site["tracker_db"], "widget-live", applicant("is anyone there?"), staff_said("Yes, I am here."))
        event_id, message = events_from(stream, "message")
        assert (message["from"], message["text"]) == ("applicant", "is anyone there?") and event_id > 0
        assert dt.datetime.fromisoformat(message["at"]).tzinfo is not None
        last_id, message = events_from(stream, "message")
        assert last_id > event_id
        assert message | {"at": None} == {
            "from": "staff",
            "name": "Ana",
            "role": "Paralegal",
            "text": "Yes, I am here.",
            "at": None,
        }
        post(ana, f"/live/{handoff.id}/take")
        events_from(stream, "state")  # the page reloads
    # Reconnecting with the last event id it saw, the stream sends nothing twice.
    request = urllib.request.Request(ben.base + events_url, headers={"Last-Event-ID": str(last_id)})
    add_events(site["tracker_db"], "widget-live", applicant("later words"))
    with ben.opener.open(request, timeout=30) as stream:
        _, message = events_from(stream, "message")
        assert message["text"] == "later words"
        events_from(stream, "state")  # held since the page was read


def test_the_queue_page_streams_a_change_of_the_queue(site):
    ben = signed_in(site, "ben@firm.example")
    events_url = re.search(r'data-events="([^"]+)"', ben.request("/live")[2]).group(1)
    with ben.opener.open(ben.base + events_url, timeout=30) as stream:
        assert stream.readline() == b"retry: 3000\n"
        waiting(site, "widget-new-in-queue")
        events_from(stream, "queue")


def test_the_event_streams_need_a_session(site):
    handoff = waiting(site, "widget-nosession")
    for path in ("/live/events", f"/live/{handoff.id}/events"):
        assert Browser(site["base"]).request(path)[0] == 401
    assert signed_in(site, "ben@firm.example").request("/live/999999/events")[0] == 404


def test_watching_a_live_chat_is_audited_with_its_lead_and_an_ended_one_streams_nothing(site, assistant):
    """The page and its event stream (which sends the transcript after `after`: all of it from 0)
    each leave an audit line naming the lead shown; an ended live chat's page stays, with no stream."""
    store = site["store"]
    add_events(site["tracker_db"], "widget-audited", applicant("my whole story"))
    handoff = waiting(site, "widget-audited")
    cy = signed_in(site, "cy@firm.example")
    cy.request(f"/live/{handoff.id}")  # no lead yet
    lead_id = store.save_lead(lead(conversation_id="widget-audited"), "Summary", [])
    page = cy.request(f"/live/{handoff.id}")[2]
    assert f"#{lead_id}" in page
    assert audit_leads(site, "cy@firm.example", "viewed live chat")[-2:] == [
        (None, f"handoff {handoff.id}"),
        (lead_id, f"handoff {handoff.id}"),
    ]
    with cy.opener.open(f"{cy.base}/live/{handoff.id}/events?after=0", timeout=30) as stream:
        _, message = events_from(stream, "message")
        assert message["text"] == "my whole story"
    assert audit_leads(site, "cy@firm.example", "watched live chat") == [(lead_id, f"handoff {handoff.id}")]
    post(cy, f"/live/{handoff.id}/take")
    post(cy, f"/live/{handoff.id}/close")
    assert handoffs.get(store, handoff.id).state == "closed"
    status, _, page = cy.request(f"/live/{handoff.id}")
    assert status == 200 and "This live chat ended" in page and "my whole story" in page
    assert "data-events" not in page  # the script opens no stream
    status, _, _ = cy.request(f"/live/{handoff.id}/events?after=0")
    assert status == 404
    assert len(audit_leads(site, "cy@firm.example", "watched live chat")) == 1


# --- the timers, run here as the dashboard runs them every 15 s --------------------------------


@pytest.fixture
def timed(tmp_path, monkeypatch):
    """A dashboard object on fresh SQLite databases, and the stand-in route it is told about."""
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    migrate(engine)
    accounts = Accounts(engine)
    accounts.add_user("ana@firm.example", "attorney", PASSWORD)
    with fake_assistant() as assistant:
        monkeypatch.setenv("RASA_URL", assistant.url)
        monkeypatch.setenv("HANDOFF_SECRET", SECRET)
        monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)  # each test sets its own
        monkeypatch.delenv("STAFF_PUBLIC_URL", raising=False)
        dashboard = Dashboard(
            accounts,
            IntakeStore(engine),
            make_engine(f"sqlite:///{tmp_path / 'conversations.db'}"),
            None,
            load_firm({}),
        )
        yield dashboard, assistant


def test_the_timers_expire_waiting_requests_and_return_chats_whose_holder_left(timed):
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    lead_id = store.save_lead(lead(conversation_id="widget-left"), "Summary", [])
    old = handoffs.request_handoff(store, "widget-old", "widget", "en", now - 4 * MINUTE)
    new = handoffs.request_handoff(store, "widget-new", "widget", "en", now - MINUTE)
    token = dashboard.accounts.sign_in("ana@firm.example", PASSWORD, "10.0.0.1").token
    ana = dashboard.accounts.signed_in(token)
    held = handoffs.take(store, handoffs.request_handoff(store, "widget-left", "widget", "en", now).id, ana.id, now)
    live.run_timers(dashboard, now)
    assert [(path, body) for path, _, body in assistant.calls] == [
        (
            "/webhooks/handoff/end",
            {"conversation_id": "widget-old", "how": "expired", "since": old.requested_at.timestamp()},
        )
    ]
    assert handoffs.get(store, old.id).state == "expired" and handoffs.get(store, new.id).state == "waiting"
    assert handoffs.get(store, held.id).state == "held"  # signed in, and silent for less than 10 minutes
    dashboard.accounts.sign_out(token)
    live.run_timers(dashboard, now + MINUTE)
    assert assistant.calls[-1][2] == {
        "conversation_id": "widget-left",
        "how": "abandoned",
        "since": held.requested_at.timestamp(),
    }
    assert handoffs.get(store, held.id).state == "returned"
    [note] = store.lead(lead_id).notes
    assert note.author == "system" and note.text.startswith("Live chat: Ana (Attorney) talked with the applicant")
    live.run_timers(dashboard, now + MINUTE)
    assert len(assistant.calls) == 2  # each told once


def ends_told(assistant):
    return [(body["conversation_id"], body["how"], body.get("staff")) for _, _, body in assistant.calls]


def test_an_end_the_assistant_could_not_be_told_is_told_after_a_restart_however_long_it_was_down(
    timed, monkeypatch, caplog
):
    """The end is in the database, not in the process's memory: a dashboard started again (a new
    Dashboard object on the same databases) tells it, and it keeps trying past 5 minutes; the log
    has a warning at the first failure and one error once it is late (ids only), then nothing."""
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    expired = handoffs.request_handoff(store, "widget-down", "widget", "en", now - 4 * MINUTE)
    with refusing_port() as port:
        monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{port}")
        live.run_timers(dashboard, now)
        assert handoffs.get(store, expired.id).state == "expired"
        restarted = Dashboard(dashboard.accounts, store, dashboard.transcripts, None, dashboard.firm)
        for minutes in (1, 6, 7, 30):
            live.run_timers(restarted, now + minutes * MINUTE)
    assert handoffs.get(store, expired.id).assistant_told_at is None
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.staff.live"]
    warning = f"The end of handoff {expired.id} (expired) could not be told to the assistant yet: HTTP unreachable"
    assert logged == [
        ("WARNING", warning),  # the first dashboard
        ("WARNING", warning),  # the restarted one
        (
            "ERROR",
            f"The end of handoff {expired.id} (expired) has not been told to the assistant for over 5 minutes: "
            "HTTP unreachable; still trying",
        ),
    ]
    monkeypatch.setenv("RASA_URL", assistant.url)
    live.run_timers(restarted, now + 60 * MINUTE)
    assert ends_told(assistant) == [("widget-down", "expired", None)]
    assert assistant.calls[0][2]["since"] == expired.requested_at.timestamp()
    assert handoffs.get(store, expired.id).assistant_told_at == now + 60 * MINUTE
    live.run_timers(restarted, now + 61 * MINUTE)
    assert len(assistant.calls) == 1  # told once


def test_each_kind_of_end_is_told_again_with_how_it_ended_and_who_held_it(timed):
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    ana = sign_in_ana(dashboard)
    speaker = {"id": ana.id, "name": "Ana", "role": "Attorney"}
    expired = handoffs.request_handoff(store, "widget-expired", "widget", "en", now - 4 * MINUTE)
    returned, closed, abandoned = (
        handoffs.take(store, handoffs.request_handoff(store, f"widget-{how}", "widget", "en", now).id, ana.id, now)
        for how in ("returned", "closed", "abandoned")
    )
    handoffs.end(store, returned.id, ana.id, "returned", now)
    handoffs.end(store, closed.id, ana.id, "closed", now)
    with store.session.begin() as session:  # Ana went silent on this one long ago
        session.execute(text("update handoffs set taken_at = :t where id = :id"), {"t": now - HOUR, "id": abandoned.id})
    assistant.answers["end"] = 503
    live.run_timers(dashboard, now)
    assert len(handoffs.untold_ends(store)) == 4 and len(assistant.calls) == 4
    assistant.answers.clear()
    assistant.calls.clear()
    live.run_timers(dashboard, now + MINUTE)
    assert sorted(ends_told(assistant)) == [
        ("widget-abandoned", "abandoned", None),
        ("widget-closed", "closed", speaker),
        ("widget-expired", "expired", None),
        ("widget-returned", "returned", speaker),
    ]
    assert handoffs.untold_ends(store) == []
    assert {body["conversation_id"]: body["since"] for _, _, body in assistant.calls}["widget-expired"] == (
        expired.requested_at.timestamp()
    )


def test_what_the_assistant_answers_decides_whether_an_end_is_told(timed):
    """200 and 502 (stored), 404 (erased) and 409 (not paused: nothing to end) are final; a
    refused secret or a malformed request is not: the end is told again once that is fixed."""
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    for status, final in ((200, True), (502, True), (404, True), (409, True), (400, False), (403, False), (500, False)):
        handoff = handoffs.request_handoff(store, f"widget-answer-{status}", "widget", "en", now - 4 * MINUTE)
        assistant.answers["end"] = status
        live.run_timers(dashboard, now)
        told = handoffs.get(store, handoff.id).assistant_told_at
        assert (told is not None) == final, status
    assistant.answers.clear()
    live.run_timers(dashboard, now + MINUTE)
    assert handoffs.untold_ends(store) == []


def test_an_untold_end_of_a_conversation_that_asked_again_is_not_told(timed, monkeypatch):
    """The old end would end the new live chat (resume it, or apologise for nobody coming): it is
    marked told without asking the assistant."""
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    old = handoffs.request_handoff(store, "widget-again", "widget", "en", now - 4 * MINUTE)
    other = handoffs.request_handoff(store, "widget-other", "widget", "en", now - 4 * MINUTE)
    with refusing_port() as port:
        monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{port}")
        live.run_timers(dashboard, now)
    assert [h.id for h in handoffs.untold_ends(store)] == [old.id, other.id]
    again = handoffs.request_handoff(store, "widget-again", "widget", "en", now + MINUTE)
    monkeypatch.setenv("RASA_URL", assistant.url)
    live.run_timers(dashboard, now + 2 * MINUTE)
    assert ends_told(assistant) == [("widget-other", "expired", None)]
    assert handoffs.untold_ends(store) == [] and handoffs.get(store, old.id).assistant_told_at is not None
    assert handoffs.get(store, again.id).state == "waiting"


def test_when_the_dashboard_starts_roles_that_take_no_live_chats_are_not_available(timed):
    """A staff-role account marked available before the firm set handoff_roles: attorney must not
    make applicants wait for a person: the timers' start step takes its availability away."""
    dashboard, _ = timed
    dashboard.firm = load_firm({"FIRM_HANDOFF_ROLES": "attorney"})
    store, now = dashboard.store, utcnow()
    dashboard.accounts.add_user("sam@firm.example", "staff", PASSWORD)
    sam_id = next(user.id for user in dashboard.accounts.users() if user.email == "sam@firm.example")
    handoffs.set_available(store, sam_id, True, now)
    assert handoffs.staff_available(store, now)

    async def start_for_a_moment():
        timers = asyncio.create_task(live.keep_timers(dashboard))
        try:
            await wait_until_async(lambda: not handoffs.is_available(store, sam_id), timeout=10, what="not available")
        finally:
            timers.cancel()

    asyncio.run(start_for_a_moment())
    assert not handoffs.is_available(store, sam_id) and not handoffs.staff_available(store, now)


def sign_in_ana(dashboard):
    """Ana signed in (her held live chats stay hers through a tick); her account."""
    return dashboard.accounts.signed_in(dashboard.accounts.sign_in("ana@firm.example", PASSWORD, "10.0.0.1").token)


def test_the_timers_announce_each_waiting_request_once_in_slack_without_personal_data(timed, monkeypatch):
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    monkeypatch.setenv("BOT_TODAY", "2026-06-15")
    monkeypatch.setenv("STAFF_PUBLIC_URL", "https://staff.firm.example/")
    store.save_lead(lead(conversation_id="telegram-4242", deadline=dt.date(2026, 6, 24)), "Summary", [])
    first = handoffs.request_handoff(store, "telegram-4242", "telegram", "es", now)
    with recording_api({"ok": True}) as (url, calls):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", f"{url}/services/T1/B2/secret")
        live.run_timers(dashboard, now)
        live.run_timers(dashboard, now + dt.timedelta(seconds=15))
        assert calls == [
            (
                "/services/T1/B2/secret",
                {
                    "text": "An applicant asks for a person in live chat (telegram, Spanish; deadline in 9 days). "
                    f"Take it within 3 minutes: https://staff.firm.example/live/{first.id}"
                },
            )
        ]
        said = calls[0][1]["text"]
        assert not any(personal in said for personal in ("Ravi", "Kumar", "ravi@example.com", "555", "Chennai", "4242"))
        assert dashboard.live.announced == {first.id}
        # Without STAFF_PUBLIC_URL no link; a request without a lead has no deadline; the time
        # left is what is left. A taken one is forgotten: the memory holds waiting ones only.
        monkeypatch.delenv("STAFF_PUBLIC_URL")
        handoffs.take(store, first.id, sign_in_ana(dashboard).id, now + MINUTE)
        second = handoffs.request_handoff(store, "widget-nolead-slack", "widget", "en", now + MINUTE)
        live.run_timers(dashboard, now + 3 * MINUTE)
        assert [body["text"] for _, body in calls[1:]] == [
            "An applicant asks for a person in live chat (widget, English). "
            "Take it within 1 minute: open the dashboard's Live page"
        ]
        assert dashboard.live.announced == {second.id}
    assert assistant.calls == []


def test_without_a_slack_webhook_nothing_is_announced(timed, monkeypatch):
    dashboard, _ = timed
    store, now = dashboard.store, utcnow()
    handoff = handoffs.request_handoff(store, "widget-noslack", "widget", "en", now)
    monkeypatch.setenv("STAFF_PUBLIC_URL", "https://staff.firm.example")
    with recording_api({"ok": True}) as (url, calls):
        live.run_timers(dashboard, now)
        monkeypatch.setenv("SLACK_WEBHOOK_URL", "")
        live.run_timers(dashboard, now + dt.timedelta(seconds=15))
        assert calls == [] and dashboard.live.announced == set()
        # Set later (a restart), the request still waiting is announced then.
        monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
        live.run_timers(dashboard, now + dt.timedelta(seconds=30))
        assert [body["text"][-len(f"/live/{handoff.id}") :] for _, body in calls] == [f"/live/{handoff.id}"]


def test_slack_failing_is_tried_again_next_tick_and_the_expiries_go_on(timed, monkeypatch, caplog):
    dashboard, assistant = timed
    store, now = dashboard.store, utcnow()
    old = handoffs.request_handoff(store, "widget-slack-old", "widget", "en", now - 4 * MINUTE)
    late = handoffs.request_handoff(store, "widget-slack-late", "widget", "en", now - 2 * MINUTE)
    fresh = handoffs.request_handoff(store, "widget-slack-fresh", "widget", "en", now)
    with refusing_port() as port:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
        live.run_timers(dashboard, now)
    assert handoffs.get(store, old.id).state == "expired"  # the same tick, Slack or not
    assert ends_told(assistant) == [("widget-slack-old", "expired", None)]
    assert dashboard.live.announced == set()
    # Slack answering an error counts as a failure too (the stand-in route answers 500 here).
    assistant.answers["hook"] = 500
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"{assistant.url}/slack/hook")
    live.run_timers(dashboard, now + dt.timedelta(seconds=15))
    assert dashboard.live.announced == set() and assistant.calls[-1][0] == "/slack/hook"
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.staff.live"]
    assert warnings == [
        f"Handoff {late.id} could not be announced in Slack yet: URLError",
        f"Handoff {late.id} could not be announced in Slack yet: HTTPError",
    ]  # the type only, never the text
    # Meanwhile the late one expired: never announced; the fresh one is, now.
    with recording_api({"ok": True}) as (url, calls):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
        live.run_timers(dashboard, now + MINUTE + dt.timedelta(seconds=1))
    assert handoffs.get(store, late.id).state == "expired"
    assert [body["text"] for _, body in calls] == [
        "An applicant asks for a person in live chat (widget, English). "
        "Take it within 2 minutes: open the dashboard's Live page"
    ]
    assert dashboard.live.announced == {fresh.id}


def test_a_request_taken_before_the_tick_is_not_announced(timed, monkeypatch):
    dashboard, _ = timed
    store, now = dashboard.store, utcnow()
    monkeypatch.setenv("STAFF_PUBLIC_URL", "https://staff.firm.example")
    taken = handoffs.request_handoff(store, "widget-taken-slack", "widget", "en", now)
    other = handoffs.request_handoff(store, "widget-other-slack", "widget", "en", now)
    handoffs.take(store, taken.id, sign_in_ana(dashboard).id, now)
    with recording_api({"ok": True}) as (url, calls):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
        live.run_timers(dashboard, now)
    assert handoffs.get(store, taken.id).state == "held"
    assert [body["text"].rsplit(" ", 1)[-1] for _, body in calls] == [f"https://staff.firm.example/live/{other.id}"]


# --- in a real browser: the script runs under the page's policy, and the page fits a phone -------


def test_in_a_browser_new_messages_appear_and_a_take_over_reloads_the_page(site):
    from tests.common import chromium

    add_events(site["tracker_db"], "widget-browser", applicant("hello from the widget"))
    handoff = waiting(site, "widget-browser")
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        refused = []  # what the Content-Security-Policy blocked, as the browser reports it
        page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
        page.goto(f"{site['base']}/login?next=/live/{handoff.id}")
        page.get_by_label("Email").fill("ben@firm.example")
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        transcript = page.locator("#transcript li")
        assert transcript.count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.evaluate("window.notReloaded = true")
        add_events(site["tracker_db"], "widget-browser", applicant("<img src=x onerror=alert(1)> still here?"))
        transcript.nth(1).wait_for(timeout=30_000)
        assert page.evaluate("window.notReloaded === true")  # appended by the script, not a reload
        assert transcript.nth(1).locator(".said").inner_text() == "<img src=x onerror=alert(1)> still here?"
        assert page.locator("#transcript img").count() == 0  # text, never HTML
        page.goto(f"{site['base']}/live")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.goto(f"{site['base']}/live/{handoff.id}")
        with page.expect_navigation(timeout=30_000):  # the script reloads the page on a change of hands
            post(signed_in(site, "ana@firm.example"), f"/live/{handoff.id}/take")
        page.get_by_text("Held by ana@firm.example").wait_for()
        assert refused == []
        context.close()


def test_when_the_assistant_took_the_conversation_back_the_live_chat_ends_here_too(site, assistant):
    """The applicant asked to delete their data during the live chat, so the assistant resumed
    the conversation (components/paused_conversations.py): the route refuses staff messages with
    409. The dashboard then ends the live chat (its page said "you hold it" with every Send failing,
    and nobody could take the conversation again until the idle timer)."""
    handoff = waiting(site, "widget-took-back")
    ana = signed_in(site, "ana@firm.example")
    post(ana, f"/live/{handoff.id}/take")
    assistant.answers["say"] = 409
    status, headers, _ = post(ana, f"/live/{handoff.id}/say", text="Are you still there?")
    assert (status, headers["Location"]) == (303, f"/live/{handoff.id}?notice=taken-back")
    assert handoffs.get(site["store"], handoff.id).state == "returned"
    page = ana.request(headers["Location"])[2]
    assert "The assistant has the conversation again" in page and 'name="text"' not in page


def test_without_an_intake_the_deadline_of_the_latest_card_is_shown(site, assistant):
    """Most people who ask for a person have given no intake: the deadline the assistant worked
    out in the conversation (its deadline card) is what the person taking over needs first."""
    card = {"type": "deadline", "deadline": "2026-07-10", "days_left": 40, "urgency": "within_30_days"}
    older = {**card, "deadline": "2026-09-01"}
    add_events(
        site["tracker_db"],
        "widget-card",
        applicant("my 221g letter is dated 10 July 2025"),
        BotUttered("", {"custom": older}, {}, timestamp=time.time()),
        BotUttered("", {"custom": card}, {}, timestamp=time.time()),
    )
    handoff = waiting(site, "widget-card")
    ben = signed_in(site, "ben@firm.example")
    page = ben.request("/live")[2]
    row = page[page.index(f'href="/live/{handoff.id}"') :].split("</tr>")[0]
    assert "deadline 2026-07-10 (25 days), from its deadline card; no intake yet" in row  # today is 2026-06-15
    page = ben.request(f"/live/{handoff.id}")[2]
    assert (
        "Deadline on the latest deadline card in the conversation: <strong>2026-07-10</strong> (25 days left)" in page
    )


def test_every_page_says_how_many_applicants_wait_for_a_person(site, assistant):
    # Staff on another page (the lead list) saw nothing of a request: those pages run no script.
    ben = signed_in(site, "ben@firm.example")
    before = handoffs.waiting_count(site["store"])
    waiting(site, "widget-count")
    page = ben.request("/leads")[2]
    assert f'<a href="/live">Live ({before + 1} waiting)</a>' in page
