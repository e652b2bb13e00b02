"""The Rasa server's live-chat route (issue 26, components/channels/handoff.py) against the real
servers: a person takes over a conversation, speaks in it in the applicant's channel (REST,
Telegram through a stand-in of its API, the widget's socket) and hands it back; while they hold
it the assistant answers nothing and loses nothing."""

import asyncio
import json
import sqlite3
import threading
import urllib.error
import urllib.request

import pytest

from bot.language.channel import channel_text
from bot.rules.firm import load_firm
from scripts.serve import rest_reply, running_servers
from tests.common import recording_api, wait_until, wait_until_async, widget_session

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5146, 5196
SECRET = "handoff-secret-for-the-route-tests-0123456789"
TELEGRAM_SECRET, TELEGRAM_TOKEN = "telegram-secret-token", "123:ABC"
SLACK_SECRET = "slack-signing-secret"
ANA = {"id": 7, "name": "Ana", "role": "Paralegal"}
FIRM = load_firm().name
TAKEN = channel_text("en", "handoff.taken", name="Ana", role="Paralegal", firm=FIRM)
RETURNED = channel_text("en", "handoff.returned", name="Ana", role="Paralegal", firm=FIRM)
LABEL = channel_text("en", "widget.staff_label", name="Ana", role="Paralegal", firm=FIRM)
ANSWERED = "This is general information, not legal advice"


@pytest.fixture(scope="module")
def telegram_api():
    with recording_api({"ok": True, "result": True}) as api:
        yield api


@pytest.fixture(scope="module")
def slack_api():
    with recording_api({"ok": True, "ts": "1.0", "channel": "D1"}) as api:
        yield api


@pytest.fixture(scope="module")
def servers(telegram_api, slack_api, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("handoff")
    env = {
        "BOT_TODAY": "2026-06-15",
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "HANDOFF_SECRET": SECRET,
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": telegram_api[0],
        "SLACK_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": slack_api[0] + "/api/",
    }
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield workdir


def post(path, body, headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://localhost:{RASA_PORT}/webhooks/{path}",
        data=data,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")  # Slack's webhook answers nothing
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def handoff(verb, body, secret=SECRET):
    return post(f"handoff/{verb}", body, {"X-Handoff-Secret": secret})


def events(workdir, conversation):
    """The conversation's stored events (type, data), oldest first."""
    with sqlite3.connect(workdir / "conversations.db") as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (conversation,)
        ).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def telegram(chat, update_id, text):
    update = {"update_id": update_id, "message": {"chat": {"id": chat}, "text": text}}
    status, _ = post("telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert status == 200


def sent_to(calls, chat):
    return [body for path, body in list(calls) if path.endswith("/sendMessage") and body["chat_id"] == str(chat)]


def test_only_the_dashboard_with_the_secret_and_a_sound_request_is_heard(servers):
    rest_reply(RASA_PORT, "handoff-guard", "hello")
    assert handoff("take", {"conversation_id": "rest-handoff-guard", "staff": ANA}, secret="wrong")[0] == 403
    assert handoff("take", {"conversation_id": "rest-handoff-guard", "staff": ANA}, secret="")[0] == 403
    assert handoff("take", {"conversation_id": "rest-handoff-guard"})[0] == 400  # who takes it?
    assert handoff("take", {"conversation_id": "rest-handoff-guard", "staff": {**ANA, "name": "x" * 101}})[0] == 400
    assert handoff("end", {"conversation_id": "rest-handoff-guard", "how": "whenever"})[0] == 400
    assert post("handoff/take", b"not json", {"X-Handoff-Secret": SECRET})[0] == 400
    assert handoff("take", {"conversation_id": "rest-nobody-ever", "staff": ANA})[0] == 404
    assert handoff("explode", {"conversation_id": "rest-handoff-guard"})[0] == 404
    # Nobody holds it: a staff message is refused, not slipped into the assistant's conversation.
    assert handoff("say", {"conversation_id": "rest-handoff-guard", "staff": ANA, "text": "hi"})[0] == 409
    assert not any(kind == "pause" for kind, _ in events(servers, "rest-handoff-guard"))


def test_while_a_person_holds_a_conversation_the_assistant_keeps_every_message_and_answers_none(servers):
    conversation = "rest-held"
    assert any(ANSWERED in r.get("text", "") for r in rest_reply(RASA_PORT, "held", "what is a 221g?"))
    assert handoff("take", {"conversation_id": conversation, "staff": ANA}) == (
        200,
        {"status": "ok", "delivered": False},  # REST cannot receive pushes: kept in the transcript
    )
    assert rest_reply(RASA_PORT, "held", "when is my deadline? letter dated 3 March 2026") == []
    status, _ = handoff("say", {"conversation_id": conversation, "staff": ANA, "text": "Hi, I'm <b>Ana</b>."})
    assert status == 200
    assert handoff("say", {"conversation_id": conversation, "staff": ANA, "text": "x" * 2001})[0] == 400
    assert handoff("say", {"conversation_id": conversation, "staff": ANA, "text": "   "})[0] == 400
    assert handoff("end", {"conversation_id": conversation, "how": "returned", "staff": ANA})[0] == 200
    # Ending twice (a retry) says nothing twice.
    assert handoff("end", {"conversation_id": conversation, "how": "returned", "staff": ANA})[0] == 200
    assert any(ANSWERED in r.get("text", "") for r in rest_reply(RASA_PORT, "held", "what is a 221g?"))

    stored = events(servers, conversation)
    kinds = [kind for kind, _ in stored]
    paused, resumed = kinds.index("pause"), kinds.index("resume")
    assert kinds.count("pause") == 1 and kinds.count("resume") == 1
    during = stored[paused + 1 : resumed]
    # The applicant's message is kept, unanswered; the staff message says who wrote it.
    assert [data["text"] for kind, data in during if kind == "user"] == [
        "when is my deadline? letter dated 3 March 2026"
    ]
    bot = [data for kind, data in during if kind == "bot"]
    assert [b["text"] for b in bot] == [TAKEN, "Hi, I'm <b>Ana</b>.", RETURNED]
    assert bot[1]["metadata"]["staff"] == {**ANA, "label": LABEL}
    assert not any(kind == "action" and data["name"] == "action_answer_question" for kind, data in during)


def test_telegram_round_trip_staff_text_is_plain_and_the_assistant_comes_back(servers, telegram_api):
    _, calls = telegram_api
    chat = 5151
    telegram(chat, 9001, "what is a 221g?")
    wait_until(lambda: any(ANSWERED in m["text"] for m in sent_to(calls, chat)), what="the first answer")
    assert handoff("take", {"conversation_id": f"telegram-{chat}", "staff": ANA})[1]["delivered"] is True
    wait_until(lambda: any(m["text"] == TAKEN for m in sent_to(calls, chat)), what="the take-over note")
    before = len(sent_to(calls, chat))
    telegram(chat, 9002, "thanks, my interview was on 3 March 2026")
    assert (
        handoff("say", {"conversation_id": f"telegram-{chat}", "staff": ANA, "text": "<b>Hello</b> & welcome"})[0]
        == 200
    )
    staff = wait_until(lambda: [m for m in sent_to(calls, chat)[before:] if LABEL in m["text"]], what="Ana's message")
    # Shown as written: no parse_mode, so Telegram renders no markup from staff text.
    assert staff[0]["text"] == f"{LABEL}:\n<b>Hello</b> & welcome" and "parse_mode" not in staff[0]
    assert handoff("end", {"conversation_id": f"telegram-{chat}", "how": "returned", "staff": ANA})[0] == 200
    wait_until(lambda: any(m["text"] == RETURNED for m in sent_to(calls, chat)), what="the hand-back note")
    # Between the take-over and the hand-back, the assistant sent nothing of its own.
    during = sent_to(calls, chat)[before:]
    assert [m["text"] for m in during] == [staff[0]["text"], RETURNED]
    telegram(chat, 9003, "what is a 221g?")
    wait_until(
        lambda: any(ANSWERED in m["text"] for m in sent_to(calls, chat)[before + 2 :]), what="the assistant again"
    )


def test_nobody_in_time_the_assistant_says_so_and_offers_the_callback(servers, telegram_api):
    _, calls = telegram_api
    chat = 5252
    telegram(chat, 9101, "hello")
    # The whole greeting (the disclaimer, then the greeting itself) before counting.
    wait_until(lambda: any("What would you like to know?" in m["text"] for m in sent_to(calls, chat)), what="greeting")
    before = len(sent_to(calls, chat))
    assert handoff("end", {"conversation_id": f"telegram-{chat}", "how": "expired"})[0] == 200
    texts = wait_until(
        lambda: [m["text"] for m in sent_to(calls, chat)[before:]] if len(sent_to(calls, chat)) > before + 1 else None,
        what="the callback offer",
    )
    assert "nobody from" in texts[0] and "I can arrange for someone to contact you" in texts[0]
    kinds = [(kind, data.get("name")) for kind, data in events(servers, f"telegram-{chat}")]
    assert ("active_loop", "callback_form") in kinds  # the callback request starts at once


def test_widget_round_trip_and_the_history_shows_who_wrote(servers):
    async def scenario():
        received: list[dict] = []
        history: list = []
        client, session_id = await widget_session(RASA_PORT, received, history)
        await client.emit("user_uttered", {"message": "what is a 221g?", "session_id": session_id})
        await wait_until_async(lambda: any(ANSWERED in (m.get("text") or "") for m in received), what="an answer")
        conversation = wait_until(lambda: widget_conversation(servers), what="the widget conversation")
        assert (await asyncio.to_thread(handoff, "take", {"conversation_id": conversation, "staff": ANA}))[0] == 200
        await wait_until_async(lambda: any(m.get("handoff") == "taken" for m in received), what="the note")
        said = {"conversation_id": conversation, "staff": ANA, "text": "<img src=x onerror=alert(1)>"}
        assert (await asyncio.to_thread(handoff, "say", said))[0] == 200
        await wait_until_async(lambda: any(m.get("staff") for m in received), what="Ana's message")
        [staff] = [m for m in received if m.get("staff")]
        assert staff == {"text": "<img src=x onerror=alert(1)>", "staff": {"label": LABEL}}
        await client.disconnect()
        # A browser that comes back sees who wrote it.
        again, _ = await widget_session(RASA_PORT, [], history, session_id)
        await again.disconnect()
        return history

    history = asyncio.run(scenario())
    assert {"label": LABEL} in [entry.get("staff") for entry in history]
    assert [entry.get("handoff") for entry in history if entry.get("handoff")] == ["taken"]


def widget_conversation(workdir):
    with sqlite3.connect(workdir / "conversations.db") as db:
        row = db.execute("SELECT sender_id FROM events WHERE sender_id LIKE 'widget-%' LIMIT 1").fetchone()
    return row[0] if row else None


def ask(sender, replies):
    replies.extend(rest_reply(RASA_PORT, sender, "what is a 221g?"))


def test_a_message_while_the_take_over_starts_is_kept_once_and_answered_at_most_once(servers):
    """The take-over and the applicant's message race; each pair, whatever the order, leaves the
    message stored once, and answered only if it came before the pause."""
    for attempt in range(4):
        sender = f"race-{attempt}"
        rest_reply(RASA_PORT, sender, "hello")
        replies: list = []
        message = threading.Thread(target=ask, args=(sender, replies))
        message.start()
        assert handoff("take", {"conversation_id": f"rest-{sender}", "staff": ANA})[0] == 200
        message.join(60)
        stored = events(servers, f"rest-{sender}")
        kinds = [kind for kind, _ in stored]
        asked = [i for i, (kind, data) in enumerate(stored) if kind == "user" and data["text"] == "what is a 221g?"]
        assert len(asked) == 1 and kinds.count("pause") == 1
        answered_before_pause = asked[0] < kinds.index("pause")
        assert bool(replies) == answered_before_pause
        after = stored[kinds.index("pause") + 1 :]
        # After the pause, only the take-over note: never an answer of the assistant.
        assert [data["text"] for kind, data in after if kind == "bot"] == [TAKEN]


def test_nobody_holding_a_paused_conversation_never_leaves_the_assistant_silent(servers):
    """A take-over the dashboard never heard back about is released and, nobody taking it, expires:
    the conversation is resumed, and the assistant answers again."""
    rest_reply(RASA_PORT, "limbo", "hello")
    assert handoff("take", {"conversation_id": "rest-limbo", "staff": ANA})[0] == 200
    assert handoff("end", {"conversation_id": "rest-limbo", "how": "expired"})[0] == 200
    kinds = [kind for kind, _ in events(servers, "rest-limbo")]
    assert kinds.index("resume") > kinds.index("pause")
    assert rest_reply(RASA_PORT, "limbo", "what is a 221g?") != []


def test_an_applicant_can_have_their_data_deleted_in_the_middle_of_a_live_chat(servers):
    """The assistant is paused while Ana holds the conversation, but a request to delete one's
    data resumes it: asked to confirm, confirmed, and the transcript and the live chat are gone."""
    from bot.backoffice.db import make_engine, migrate
    from bot.backoffice.handoffs import open_handoff, request_handoff
    from bot.backoffice.intake import IntakeStore
    from bot.backoffice.models import utcnow

    engine = make_engine(f"sqlite:///{servers / 'intake.db'}")
    migrate(engine)
    store = IntakeStore(engine)
    rest_reply(RASA_PORT, "erase-me", "what is a 221g?")
    request_handoff(store, "rest-erase-me", "rest", "en", utcnow())
    assert handoff("take", {"conversation_id": "rest-erase-me", "staff": ANA})[0] == 200
    assert rest_reply(RASA_PORT, "erase-me", "my interview was on 3 March 2026") == []  # Ana answers that
    asked = rest_reply(RASA_PORT, "erase-me", "please delete my data")
    assert asked and any("delete" in reply.get("text", "").lower() for reply in asked), asked
    done = rest_reply(RASA_PORT, "erase-me", "/affirm")
    assert any("deleted" in reply.get("text", "").lower() for reply in done), done
    assert open_handoff(store, "rest-erase-me") is None
    stored = [data.get("text") for kind, data in events(servers, "rest-erase-me") if kind == "user"]
    assert "my interview was on 3 March 2026" not in stored and "what is a 221g?" not in stored
    # Ana's next message is refused: nobody holds the conversation any more.
    assert handoff("say", {"conversation_id": "rest-erase-me", "staff": ANA, "text": "Hello?"})[0] in (404, 409)


def test_on_slack_staff_text_is_escaped_and_goes_to_the_applicants_channel(servers, slack_api):
    """Slack reads <!channel>, <@U1> and <url|text> in a message as commands and links: a staff
    member's text is shown as written, under their name, in the applicant's direct-message channel."""
    from tests.components.test_channels import slack_event, slack_headers

    _, calls = slack_api
    body = slack_event("what is a 221g?", "Ev-handoff-1", user="U9")
    assert post("slack/webhook", body, slack_headers(body, SLACK_SECRET))[0] == 200
    posted = lambda: [b for path, b in list(calls) if path.endswith("chat.postMessage")]  # noqa: E731
    wait_until(lambda: any(ANSWERED in b.get("text", "") for b in posted()), what="the first answer")
    assert handoff("take", {"conversation_id": "slack-U9", "staff": ANA})[1] == {"status": "ok", "delivered": True}
    said = {
        "conversation_id": "slack-U9",
        "staff": ANA,
        "text": "<!channel> see <https://evil.example|your case> & more",
    }
    assert handoff("say", said)[0] == 200
    staff = wait_until(lambda: [b for b in posted() if "Ana" in b.get("text", "") and "evil" in b["text"]], what="Ana")
    assert staff[0]["channel"] == "D1"
    label = LABEL.replace("&", "&amp;")  # the firm's name has one too
    assert staff[0]["text"] == f"*{label}*\n&lt;!channel&gt; see &lt;https://evil.example|your case&gt; &amp; more"


def test_what_the_applicant_tells_the_person_fills_no_form_question(servers):
    """A "yes" said to Ana while the intake form waits for consent is not consent to the form:
    nothing is taken from messages while a person holds the conversation (Rasa extracted slots
    even while paused, and the form never validated them)."""
    asked = rest_reply(RASA_PORT, "consent", "i want to book a consultation with a lawyer")
    assert any("Do you agree?" in reply.get("text", "") for reply in asked), asked
    assert handoff("take", {"conversation_id": "rest-consent", "staff": ANA})[0] == 200
    assert rest_reply(RASA_PORT, "consent", "yes") == []  # to Ana's "can you hear me?"
    assert handoff("end", {"conversation_id": "rest-consent", "how": "returned", "staff": ANA})[0] == 200
    stored = events(servers, "rest-consent")
    kinds = [kind for kind, _ in stored]
    during = stored[kinds.index("pause") : kinds.index("resume")]
    assert [data["name"] for kind, data in during if kind == "slot"] == []


def test_nobody_in_time_told_again_apologises_once_and_a_later_request_again(servers, telegram_api):
    """The dashboard did not see the route's answer in time (the channel was slow) and tells the
    same `expired` again, with the same `since` (when the applicant asked): the assistant's apology
    and callback offer run once. A later request for a person that nobody took gets its own."""
    import time

    _, calls = telegram_api
    chat = 5353
    conversation = f"telegram-{chat}"
    telegram(chat, 9201, "hello")
    wait_until(lambda: sent_to(calls, chat), what="the greeting")

    def unanswered():
        return [
            data
            for kind, data in events(servers, conversation)
            if kind == "user" and data["parse_data"]["intent"].get("name") == "EXTERNAL_handoff_unanswered"
        ]

    def apologies():
        return [m for m in sent_to(calls, chat) if "nobody from" in m["text"]]

    asked = {"conversation_id": conversation, "how": "expired", "since": time.time()}
    assert handoff("end", asked) == (200, {"status": "ok", "delivered": True})
    wait_until(apologies, what="the apology")
    assert handoff("end", asked) == (200, {"status": "ok", "delivered": True})
    assert len(unanswered()) == 1
    assert handoff("end", {**asked, "since": "yesterday"})[0] == 400
    asked_later = {**asked, "since": time.time()}
    assert handoff("end", asked_later)[0] == 200
    assert len(unanswered()) == 2
    wait_until(lambda: len(apologies()) == 2, what="the second apology")


def test_a_spanish_conversation_is_told_in_spanish_who_it_is_talking_with(servers):
    rest_reply(RASA_PORT, "es-held", "hola, ¿qué es un 221g?")
    assert handoff("take", {"conversation_id": "rest-es-held", "staff": ANA})[0] == 200
    assert handoff("end", {"conversation_id": "rest-es-held", "how": "returned", "staff": ANA})[0] == 200
    notes = [data["text"] for kind, data in events(servers, "rest-es-held") if kind == "bot" and data.get("metadata")]
    firm = load_firm().name
    assert notes[-2:] == [
        channel_text("es", "handoff.taken", name="Ana", role="Paralegal", firm=firm),
        channel_text("es", "handoff.returned", name="Ana", role="Paralegal", firm=firm),
    ]


def test_a_hand_back_without_a_holder_to_name_gets_the_note_that_names_nobody(servers):
    # The holder's account was deleted before the end was told: "has handed the conversation back"
    # with an empty name would be what the applicant read.
    rest_reply(RASA_PORT, "nameless", "hello")
    assert handoff("take", {"conversation_id": "rest-nameless", "staff": ANA})[0] == 200
    assert handoff("end", {"conversation_id": "rest-nameless", "how": "returned"})[0] == 200
    last = [data["text"] for kind, data in events(servers, "rest-nameless") if kind == "bot"][-1]
    assert last == channel_text("en", "handoff.abandoned", name="", role="", firm=FIRM)


def test_nobody_in_time_in_the_middle_of_a_form_says_so_and_the_form_goes_on(servers):
    asked = rest_reply(RASA_PORT, "in-form", "i want to book a consultation with a lawyer")
    assert any("Do you agree?" in reply.get("text", "") for reply in asked), asked
    assert handoff("end", {"conversation_id": "rest-in-form", "how": "expired"})[0] == 200
    said = [data["text"] for kind, data in events(servers, "rest-in-form") if kind == "bot"]
    assert "Let's finish this first; then ask me for a callback" in said[-2] and "do you agree" in said[-1].lower()
    # The form is still the intake's: the applicant's answer goes on with it.
    assert any("full name" in reply.get("text", "") for reply in rest_reply(RASA_PORT, "in-form", "/affirm"))
