"""Slack and Telegram against the real servers, with local stand-ins of Slack's and Telegram's APIs."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

import pytest

from bot.language.channel import channel_text
from scripts.serve import running_servers
from tests.common import recording_api, wait_until

TOO_LONG = channel_text("en", "messages.too_long")

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5125, 5175
SLACK_SECRET, TELEGRAM_SECRET, TELEGRAM_TOKEN = "slack-signing-secret", "telegram-secret-token", "123:ABC"
WEBHOOK = f"http://localhost:{RASA_PORT}/webhooks"


@pytest.fixture(scope="module")
def apis():
    with (
        recording_api({"ok": True, "ts": "1.0", "channel": "D1"}) as slack,
        recording_api({"ok": True, "result": True}) as telegram,
    ):
        yield {"slack": slack, "telegram": telegram}


@pytest.fixture(scope="module")
def servers(apis, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("channels")
    env = {
        "BOT_TODAY": "2026-06-15",
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "SLACK_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": apis["slack"][0] + "/api/",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": apis["telegram"][0],
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/webhooks/telegram/webhook",
    }
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield workdir


def post(path, body: bytes, headers):
    request = urllib.request.Request(f"{WEBHOOK}/{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# Every answer from the knowledge base ends with the referral, which begins so (the welcome
# message of a new conversation says "not legal advice" too, in other words).
ANSWERED = "This is general information, not legal advice"
BOT_ANSWER = "not a person and not a lawyer"  # in the answer to "are you a bot?" only


def sent(calls):
    """The messages the bot sent so far: Slack's chat.postMessage and Telegram's sendMessage."""
    return [body for path, body in list(calls) if path.endswith(("chat.postMessage", "/sendMessage"))]


def with_text(messages, text):
    return [body for body in messages if text in json.dumps(body)]


def wait_for(calls, text):
    """Every call so far, once a message containing `text` was sent."""
    wait_until(lambda: with_text(sent(calls), text), timeout=30, what=f"a message saying {text!r}")
    return list(calls)


def after_another_question(calls, ask):
    """`ask(question)` sends a question in the same conversation; returns the calls once it is
    answered. Anything the earlier message caused (a reply that should not be) came before:
    one conversation's messages are handled in order."""
    before = len(with_text(sent(calls), ANSWERED))
    ask("what is administrative processing?")
    wait_until(lambda: len(with_text(sent(calls), ANSWERED)) > before, timeout=30, what="the answer")
    return list(calls)


# --- Slack -------------------------------------------------------------------------------


def slack_event(text, event_id, user="U1"):
    return json.dumps(
        {
            "type": "event_callback",
            "event_id": event_id,
            "team_id": "T1",
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D1",
                "user": user,
                "text": text,
                "ts": "1.1",
            },
        }
    ).encode()


def slack_headers(body, secret=SLACK_SECRET, timestamp=None, **extra):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        **extra,
    }


def slack_says(user):
    """Sends a signed direct message from that Slack user, as Slack would deliver it."""

    def say(text):
        body = slack_event(text, f"Ev-{user}-{time.monotonic_ns()}", user=user)
        assert post("slack/webhook", body, slack_headers(body))[0] == 200

    return say


def test_slack_signed_event_is_answered_with_a_deadline_block(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("my 221g letter is dated 3 March 2026, when is my deadline?", "Ev-deadline", user="U-dl")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    posted = [payload for path, payload in wait_for(calls, ANSWERED) if path.endswith("chat.postMessage")]
    blocks = [p for p in posted if p.get("blocks")]
    assert blocks and "Your 221(g) deadline: 3 March 2027" in blocks[0]["blocks"][0]["text"]["text"]
    assert any("Sources:" in (p.get("text") or "") for p in posted)
    assert all(p["channel"] == "D1" for p in posted)


def test_slack_answer_with_details_shows_them_as_small_context_text(servers, apis):
    """The short answer first, then the details collapsed-looking: a context block (small grey
    text) with the title and each item a bullet line, escaped, with a plain text; then the sources."""
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("what is administrative processing?", "Ev-details", user="U-details")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    posted = [payload for path, payload in wait_for(calls, ANSWERED) if path.endswith("chat.postMessage")]
    details = [p for p in posted if p.get("blocks") and p["blocks"][0]["type"] == "context"]
    assert len(details) == 1, posted
    [message] = details
    assert message["text"].startswith("Good to know\n• ") and message["unfurl_links"] is False
    assert all(block["type"] == "context" and len(block["elements"]) == 1 for block in message["blocks"])
    lines = "\n".join(block["elements"][0]["text"] for block in message["blocks"]).split("\n")
    assert lines[0] == "*Good to know*" and len(lines) > 2
    assert all(line.startswith("• ") for line in lines[1:])
    assert "administrative processing" in message["text"].lower()
    assert "<" not in json.dumps(message["blocks"]) and ">" not in json.dumps(message["blocks"])
    # After the short answer, before the sources.
    order = posted.index(message)
    assert any("administrative processing" in (p.get("text") or "").lower() for p in posted[:order])
    assert any((p.get("text") or "").startswith("Sources:") for p in posted[order + 1 :])


def test_slack_retry_of_the_same_event_gets_no_second_reply(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("are you a bot?", "Ev-retry", user="U-retry")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    wait_for(calls, BOT_ANSWER)
    retry = post(
        "slack/webhook", body, slack_headers(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    )
    assert retry[0] == 200
    assert len(with_text(sent(after_another_question(calls, slack_says("U-retry"))), BOT_ANSWER)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},  # unsigned
        "wrong-secret",
        "stale",
    ],
)
def test_slack_rejects_unsigned_wrongly_signed_and_stale_requests(servers, apis, headers):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("are you a bot?", f"Ev-bad-{headers}", user="U-bad")
    if headers == "wrong-secret":
        headers = slack_headers(body, secret="not-the-secret")
    elif headers == "stale":
        headers = slack_headers(body, timestamp=int(time.time()) - 600)
    assert post("slack/webhook", body, headers)[0] == 400
    assert with_text(sent(after_another_question(calls, slack_says("U-bad"))), BOT_ANSWER) == []


def test_slack_malformed_json_and_unknown_events(servers):
    body = b"{not json"
    assert post("slack/webhook", body, slack_headers(body))[0] == 400
    body = json.dumps({"type": "event_callback", "event_id": "Ev-x", "event": {"type": "reaction_added"}}).encode()
    assert post("slack/webhook", body, slack_headers(body)) == (200, "Bot message delivered.")


# --- Telegram ----------------------------------------------------------------------------


def telegram(update, secret=TELEGRAM_SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return post("telegram/webhook", json.dumps(update).encode() if isinstance(update, dict) else update, headers)


def telegram_says(chat, update_id):
    """Sends a text message in that Telegram chat, as Telegram would deliver it."""
    return lambda text: telegram({"update_id": update_id, "message": {"chat": {"id": chat}, "text": text}})


def test_telegram_webhook_is_registered_with_the_secret_token(servers, apis):
    _, calls = apis["telegram"]
    registered = [body for path, body in calls if path == f"/bot{TELEGRAM_TOKEN}/setWebhook"]
    assert registered and registered[0]["secret_token"] == TELEGRAM_SECRET
    assert registered[0]["url"] == "https://bot.example.com/webhooks/telegram/webhook"


def test_a_telegram_app_in_spanish_opens_the_conversation_in_spanish(servers, apis):
    """Telegram's language_code is a hint: the disclaimer in Spanish at once; the cards and the
    source marks in Spanish; a message in English then switches."""
    _, calls = apis["telegram"]
    calls.clear()
    sender = {"id": 77, "is_bot": False, "first_name": "Ana", "language_code": "es-MX"}
    update = {
        "update_id": 1601,
        "message": {
            "chat": {"id": 7777},
            "from": sender,
            "text": "me dieron la 221g el 3 de marzo de 2026, hasta cuándo tengo?",
        },
    }
    assert telegram(update)[0] == 200
    messages = sent(wait_for(calls, "Reservar una consulta"))  # the contact card ends the answer
    texts = [body["text"] for body in messages]
    assert texts[0].startswith("Hola, le saluda")  # not the English disclaimer first
    assert any("Su plazo de la 221(g): 3 de marzo de 2027" in text for text in texts)
    assert any("(en inglés)" in text for text in texts if text.startswith("<b>Fuentes</b>"))
    assert not with_text(messages, "Hello from")


def test_telegram_update_with_the_secret_is_answered_without_getme(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {
        "update_id": 1001,
        "message": {
            "message_id": 1,
            "chat": {"id": 4242, "type": "private"},
            "text": "my 221g letter is dated 4/6/2026, when is my deadline?",
        },
    }
    assert telegram(update)[0] == 200
    messages = sent(wait_for(calls, "4 June 2026"))  # the second reading, on a button
    assert all(body["chat_id"] == "4242" for body in messages)
    question = [body for body in messages if "reply_markup" in body]
    keyboard = question[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["6 April 2026", "4 June 2026"]
    assert not any(path.endswith("/getMe") for path, _ in calls)

    calls.clear()  # pressing the second button
    press = {
        "update_id": 1002,
        "callback_query": {
            "id": "cb-1",
            "data": keyboard[1][0]["callback_data"],
            "message": {"message_id": 2, "chat": {"id": 4242}},
        },
    }
    assert telegram(press)[0] == 200
    answered = wait_for(calls, ANSWERED)
    assert any(path.endswith("/answerCallbackQuery") for path, _ in answered)
    cards = [body for path, body in answered if body.get("parse_mode") == "HTML" and "deadline" in body["text"]]
    assert cards and "4 June 2027" in cards[0]["text"]


def test_telegram_answer_with_details_shows_them_in_an_expandable_quote(servers, apis):
    """The deadline card, then the details collapsed in an expandable blockquote headed by
    "Good to know (N)", one "• " line per item, then the sources."""
    _, calls = apis["telegram"]
    calls.clear()
    question = "got a 221g letter dated 3 March 2026, when is my deadline?"
    assert telegram({"update_id": 1501, "message": {"chat": {"id": 1515}, "text": question}})[0] == 200
    messages = [body for body in sent(wait_for(calls, ANSWERED)) if body["chat_id"] == "1515"]
    details = [body for body in messages if "<blockquote expandable>" in body["text"]]
    assert len(details) == 1, messages
    [message] = details
    assert message["parse_mode"] == "HTML"
    heading, quote = message["text"].split("\n<blockquote expandable>")
    items = quote.removesuffix("</blockquote>").split("\n")
    assert heading == f"<b>Good to know ({len(items)})</b>" and len(items) > 1
    assert all(item.startswith("• ") and "<" not in item and ">" not in item for item in items)
    assert any("3 March 2027" in item for item in items)
    order = messages.index(message)
    assert any("deadline" in body["text"] and body.get("parse_mode") == "HTML" for body in messages[:order])
    assert any(body["text"].startswith("<b>Sources</b>") for body in messages[order + 1 :])


def test_telegram_rejects_updates_without_the_secret(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {"update_id": 2001, "message": {"chat": {"id": 1}, "text": "are you a bot?"}}
    assert telegram(update, secret=None)[0] == 403
    assert telegram(update, secret="wrong")[0] == 403
    assert with_text(sent(after_another_question(calls, telegram_says(1, 2002))), BOT_ANSWER) == []


def test_telegram_duplicates_garbage_and_unknown_updates(servers, apis):
    _, calls = apis["telegram"]
    update = {"update_id": 3001, "message": {"chat": {"id": 77}, "text": "are you a bot?"}}
    assert telegram(update)[0] == 200
    wait_for(calls, BOT_ANSWER)
    assert telegram(update) == (200, '{"status":"duplicate"}')
    answered = [
        body for body in sent(after_another_question(calls, telegram_says(77, 3003))) if body["chat_id"] == "77"
    ]
    assert len(with_text(answered, BOT_ANSWER)) == 1
    assert telegram(b"{garbage")[0] == 400
    assert telegram(b"x" * 70_000)[0] == 413
    assert telegram({"update_id": 3002, "channel_post": {"text": "hello"}}) == (200, '{"status":"ignored"}')


# --- Conversations belong to their channel ------------------------------------------------


def test_no_channel_can_address_another_channels_conversation(servers, apis):
    """A Telegram chat and a Slack user give their notice date; REST senders that use their
    ids (raw, or as their conversation ids) are in conversations of their own."""
    _, telegram_calls = apis["telegram"]
    _, slack_calls = apis["slack"]
    telegram_calls.clear()
    slack_calls.clear()
    question = "my 221g letter is dated 3 March 2026, when is my deadline?"
    assert telegram({"update_id": 5001, "message": {"chat": {"id": 5151}, "text": question}})[0] == 200
    body = slack_event(question, "Ev-own", user="U-own")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    wait_for(telegram_calls, "3 March 2027")
    wait_for(slack_calls, "3 March 2027")
    for sender in ["5151", "telegram-5151", "U-own", "slack-U-own"]:
        status, replies = rest(sender, "and what if i miss my deadline?")
        assert status == 200 and replies
        assert "2027-03-03" not in json.dumps(replies) and "3 March 2027" not in json.dumps(replies), sender
    # The platforms' own ids still get the replies.
    assert {b["chat_id"] for p, b in telegram_calls if p.endswith("/sendMessage")} == {"5151"}


# --- Over-long messages, every channel ------------------------------------------------------

MEGABYTE_MESSAGE = "my 221g story " + "x" * (1024 * 1024)


def rest(sender, message):
    status, text = post(
        "rest/webhook",
        json.dumps({"sender": sender, "message": message}).encode(),
        {"Content-Type": "application/json"},
    )
    return status, json.loads(text) if status == 200 else text


def test_rest_answers_a_megabyte_message_politely_and_goes_on(servers):
    status, replies = rest("long-rest", MEGABYTE_MESSAGE)
    assert status == 200
    assert [r["text"] for r in replies] == [TOO_LONG]
    # The conversation goes on, and others are answered.
    assert any("automated assistant" in r.get("text", "") for r in rest("long-rest", "are you a bot?")[1])
    assert rest("other-rest", "are you a bot?")[0] == 200
    # Beyond any real message, Sanic refuses the request itself.
    assert post("rest/webhook", b"x" * (3 * 1024 * 1024), {"Content-Type": "application/json"})[0] == 413


def test_an_over_long_spanish_message_is_asked_in_spanish_to_be_shorter(servers):
    story = "me dieron la hoja 221g en la entrevista y no sé qué hacer con los documentos " * 40
    assert rest("long-rest-es", story) == (
        200,
        [{"recipient_id": "long-rest-es", "text": channel_text("es", "messages.too_long")}],
    )


def test_slack_answers_a_megabyte_message_politely(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event(MEGABYTE_MESSAGE, "Ev-long", user="U-long")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    posted = sent(after_another_question(calls, slack_says("U-long")))
    assert [p["text"] for p in posted[:1]] == [TOO_LONG] and not with_text(posted[1:], TOO_LONG)
    assert rest("other-slack", "are you a bot?")[0] == 200


def test_telegram_answers_an_over_long_message_politely(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {"update_id": 4001, "message": {"chat": {"id": 88}, "text": "my 221g story " + "x" * 4000}}
    assert telegram(update)[0] == 200
    messages = sent(after_another_question(calls, telegram_says(88, 4003)))
    assert [body["text"] for body in messages[:1]] == [TOO_LONG] and not with_text(messages[1:], TOO_LONG)
    # A megabyte is no Telegram update (they carry at most 4,096 characters): refused outright.
    assert telegram({"update_id": 4002, "message": {"chat": {"id": 88}, "text": MEGABYTE_MESSAGE}})[0] == 413
    assert rest("other-telegram", "are you a bot?")[0] == 200
