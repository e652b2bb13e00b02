"""Slack and Telegram against the real servers, with local stand-ins of Slack's and Telegram's APIs."""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

import pytest

from components.channels.common import TOO_LONG
from scripts.serve import running_servers
from tests.standins import recording_api

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5125, 5175
SLACK_SECRET, TELEGRAM_SECRET, TELEGRAM_TOKEN = "slack-signing-secret", "telegram-secret-token", "123:ABC"
WEBHOOK = f"http://localhost:{RASA_PORT}/webhooks"


@pytest.fixture(scope="module")
def apis():
    with recording_api({"ok": True, "ts": "1.0", "channel": "D1"}) as slack, \
            recording_api({"ok": True, "result": True}) as telegram:
        yield {"slack": slack, "telegram": telegram}


@pytest.fixture(scope="module")
def servers(apis, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("channels")
    env = {
        "BOT_TODAY": "2026-06-15", "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "SLACK_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_URL": apis["slack"][0] + "/api/",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": apis["telegram"][0], "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/webhooks/telegram/webhook",
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


def wait_for(calls, count, seconds=30):
    deadline = time.monotonic() + seconds
    while len(calls) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # let any extra (wrong) call arrive too
    return list(calls)


# --- Slack -------------------------------------------------------------------------------

def slack_event(text, event_id, user="U1"):
    return json.dumps({
        "type": "event_callback", "event_id": event_id, "team_id": "T1",
        "event": {"type": "message", "channel_type": "im", "channel": "D1", "user": user, "text": text, "ts": "1.1"},
    }).encode()


def slack_headers(body, secret=SLACK_SECRET, timestamp=None, **extra):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature, **extra}


def test_slack_signed_event_is_answered_with_a_deadline_block(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("my 221g letter is dated 3 March 2026, when is my deadline?", "Ev-deadline", user="U-dl")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    posted = [payload for path, payload in wait_for(calls, 6) if path.endswith("chat.postMessage")]
    blocks = [p for p in posted if p.get("blocks")]
    assert blocks and "Your 221(g) deadline: 3 March 2027" in blocks[0]["blocks"][0]["text"]["text"]
    assert any("Sources:" in (p.get("text") or "") for p in posted)
    assert all(p["channel"] == "D1" for p in posted)


def test_slack_retry_of_the_same_event_gets_no_second_reply(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event("are you a bot?", "Ev-retry", user="U-retry")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    first = len(wait_for(calls, 1))
    assert first >= 1
    retry = post("slack/webhook", body, slack_headers(body, **{"X-Slack-Retry-Num": "1",
                                                                 "X-Slack-Retry-Reason": "http_error"}))
    assert retry[0] == 200
    assert len(wait_for(calls, first + 1, seconds=3)) == first


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "application/json"},  # unsigned
     "wrong-secret", "stale"],
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
    assert wait_for(calls, 1, seconds=2) == []


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


def test_telegram_webhook_is_registered_with_the_secret_token(servers, apis):
    _, calls = apis["telegram"]
    registered = [body for path, body in calls if path == f"/bot{TELEGRAM_TOKEN}/setWebhook"]
    assert registered and registered[0]["secret_token"] == TELEGRAM_SECRET
    assert registered[0]["url"] == "https://bot.example.com/webhooks/telegram/webhook"


def test_telegram_update_with_the_secret_is_answered_without_getme(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {"update_id": 1001, "message": {"message_id": 1, "chat": {"id": 4242, "type": "private"},
                                             "text": "my 221g letter is dated 4/6/2026, when is my deadline?"}}
    assert telegram(update)[0] == 200
    sent = [body for path, body in wait_for(calls, 2) if path.endswith("/sendMessage")]
    assert all(body["chat_id"] == "4242" for body in sent)
    question = [body for body in sent if "reply_markup" in body]
    keyboard = question[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["6 April 2026", "4 June 2026"]
    assert not any(path.endswith("/getMe") for path, _ in calls)

    calls.clear()  # pressing the second button
    press = {"update_id": 1002, "callback_query": {"id": "cb-1", "data": keyboard[1][0]["callback_data"],
                                                   "message": {"message_id": 2, "chat": {"id": 4242}}}}
    assert telegram(press)[0] == 200
    answered = wait_for(calls, 3)
    assert any(path.endswith("/answerCallbackQuery") for path, _ in answered)
    cards = [body for path, body in answered if body.get("parse_mode") == "HTML" and "deadline" in body["text"]]
    assert cards and "4 June 2027" in cards[0]["text"]


def test_telegram_rejects_updates_without_the_secret(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {"update_id": 2001, "message": {"chat": {"id": 1}, "text": "hi"}}
    assert telegram(update, secret=None)[0] == 403
    assert telegram(update, secret="wrong")[0] == 403
    assert wait_for(calls, 1, seconds=2) == []


def test_telegram_duplicates_garbage_and_unknown_updates(servers, apis):
    _, calls = apis["telegram"]
    update = {"update_id": 3001, "message": {"chat": {"id": 77}, "text": "are you a bot?"}}
    assert telegram(update)[0] == 200
    first = len(wait_for(calls, 1))
    assert telegram(update) == (200, '{"status":"duplicate"}')
    assert len(wait_for(calls, first + 1, seconds=2)) == first
    assert telegram(b"{garbage")[0] == 400
    assert telegram(b"x" * 70_000)[0] == 413
    assert telegram({"update_id": 3002, "channel_post": {"text": "hello"}}) == (200, '{"status":"ignored"}')


# --- Over-long messages, every channel ------------------------------------------------------

MEGABYTE_MESSAGE = "my 221g story " + "x" * (1024 * 1024)


def rest(sender, message):
    status, text = post("rest/webhook", json.dumps({"sender": sender, "message": message}).encode(),
                        {"Content-Type": "application/json"})
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


def test_slack_answers_a_megabyte_message_politely(servers, apis):
    _, calls = apis["slack"]
    calls.clear()
    body = slack_event(MEGABYTE_MESSAGE, "Ev-long", user="U-long")
    assert post("slack/webhook", body, slack_headers(body))[0] == 200
    posted = [payload for path, payload in wait_for(calls, 1) if path.endswith("chat.postMessage")]
    assert [p["text"] for p in posted] == [TOO_LONG]
    assert rest("other-slack", "are you a bot?")[0] == 200


def test_telegram_answers_an_over_long_message_politely(servers, apis):
    _, calls = apis["telegram"]
    calls.clear()
    update = {"update_id": 4001, "message": {"chat": {"id": 88}, "text": "my 221g story " + "x" * 4000}}
    assert telegram(update)[0] == 200
    sent = [body for path, body in wait_for(calls, 1) if path.endswith("/sendMessage")]
    assert [body["text"] for body in sent] == [TOO_LONG]
    # A megabyte is no Telegram update (they carry at most 4,096 characters): refused outright.
    assert telegram({"update_id": 4002, "message": {"chat": {"id": 88}, "text": MEGABYTE_MESSAGE}})[0] == 413
    assert rest("other-telegram", "are you a bot?")[0] == 200
