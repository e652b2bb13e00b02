"""End to end: the real action server and Rasa server, conversed with over the REST channel
(the servers and helpers: tests/system/e2e.py and conftest.py)."""

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from bot.rules.firm import load_firm
from tests.common import wait_until
from tests.system.e2e import KNOWLEDGE, RASA_PORT, customs, say, says, stored, texts, tracker_events

pytestmark = pytest.mark.slow


def test_a_refused_status_then_a_deadline_then_a_missed_deadline(servers):
    first = say("e2e-1", "my ceac status says refused, what now?")
    assert "not legal advice" in texts(first)[0]  # the disclaimer comes first
    assert says(first, "status_refused")
    assert customs(first, "sources")[0]["sources"]

    deadline = say("e2e-1", "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert customs(deadline, "deadline") == [
        {
            "type": "deadline",
            "notice_date": "2026-03-03",
            "counted_from": "notice",
            "deadline": "2027-03-03",
            "days_left": 261,
            "urgency": "later",
            "language": "en",
        }
    ]
    assert any("3 March 2027" in t for t in texts(deadline))

    follow_up = say("e2e-1", "and what if i miss it?")
    assert says(follow_up, "missed_final_refusal")
    assert customs(follow_up, "deadline")[0]["deadline"] == "2027-03-03"  # the date is remembered


def test_follow_ups_update_the_deadline_and_the_status_and_are_answered_on_their_topic(servers):
    sender = "e2e-follow-ups"
    first = say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert customs(first, "deadline")[0]["deadline"] == "2027-03-03"
    # An earlier interview date given afterwards counts: never more time than the truth.
    update = say(sender, "wait, the interview itself was on 1 March 2026")
    assert [(c["counted_from"], c["deadline"]) for c in customs(update, "deadline")] == [("interview", "2027-03-01")]
    status = say(sender, "now it changed to In Transit")
    assert says(status, "status_in_transit")
    issued = say(sender, "it says Issued but I still don't have my passport")
    assert says(issued, "status_issued")
    sue = say(sender, "if I sue, will they have to issue my visa?")
    assert any("does not guarantee that the visa is issued" in t for t in texts(sue))


def test_an_ambiguous_date_is_confirmed_with_buttons(servers):
    replies = say("e2e-2", "my 221g letter is dated 4/6/2026, when is my deadline?")
    question = [r for r in replies if r.get("buttons")][0]
    assert "6 April 2026" in question["text"] and "4 June 2026" in question["text"]
    chosen = say("e2e-2", question["buttons"][1]["payload"])
    assert customs(chosen, "deadline")[0]["deadline"] == "2027-06-04"


def test_impossible_and_future_dates_are_refused_politely(servers):
    replies = say("e2e-3", "my 221g notice is dated 30 February 2026, what is my deadline")
    assert any("30 February 2026 does not exist" in t for t in texts(replies))
    assert not customs(replies, "deadline")
    replies = say("e2e-3", "i got the 221g letter on 1 August 2026, when is my deadline")
    assert any("in the future" in t for t in texts(replies))


@pytest.mark.parametrize(
    "message",
    [
        "",
        "a" * 10_000,
        "🙂🙂🙂",
        "<script>alert('x')</script>",
        "¿dónde está mi pasaporte? necesito ayuda",
        "'; DROP TABLE events; --",
    ],
)
def test_bad_input_gets_a_polite_answer_and_the_conversation_goes_on(servers, message):
    sender = f"e2e-bad-{abs(hash(message))}"
    replies = say(sender, message)
    assert replies and all("Traceback" not in t and "Exception" not in t for t in texts(replies))
    after = say(sender, "what is administrative processing?")
    assert customs(after, "sources")


def test_a_dv_case_gets_the_end_of_its_dv_year_as_its_deadline(servers):
    # Issue 21, finding 1, through the real NLU and action server.
    replies = say("e2e-dv", "I am a DV-2026 selectee, got a 221g on 2 March 2026, when is my deadline?")
    (card,) = customs(replies, "deadline")
    assert (card["deadline"], card["counted_from"]) == ("2026-09-30", "dv_fiscal_year")
    short = KNOWLEDGE.entry("deadline_dv_cutoff").render_short(
        deadline="30 September 2026", days_left=107, dv_year=2026
    )
    assert short in texts(replies)


def test_a_214b_refusal_gets_no_reminder(servers):
    say("e2e-214b", "my B1/B2 visa was refused under 214b on 3 March 2026")
    replies = say("e2e-214b", "can you remind me before my deadline?")
    assert any(t.startswith("I set reminders only for the one-year window") for t in texts(replies))
    assert not any("email" in t.lower() and "?" in t for t in texts(replies))  # no address asked for


def test_administrative_processing_only_gets_no_countdown_and_no_closed_verdict(servers):
    # Issue 21, finding 2: CEAC "Administrative Processing", CR-1, notice 14 months old.
    replies = say(
        "e2e-ap",
        "my CEAC status is administrative processing, CR-1, the 221g letter is dated 10 April 2025. what is my deadline?",
    )
    assert not customs(replies, "deadline")
    assert says(replies, "ap_nothing_to_send")
    assert not says(replies, "deadline_result_passed") and not says(replies, "missed_iv_termination")


def test_an_intake_is_stored_sent_to_the_attorney_and_erased_on_request(servers, workdir, inbox):
    _, mailbox = inbox
    sender = "e2e-intake"
    assert customs(say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?"), "deadline")
    consent = say(sender, "i want to book a consultation with a lawyer")
    assert any("Do you agree?" in t for t in texts(consent))
    assert any(load_firm().booking_url in t for t in texts(consent))  # the link at once, details optional
    answers = [
        ("/affirm", "full name"),
        ("Ravi Kumar", "email address"),
        ("not an email", "doesn't look like an email"),
        ("ravi@example.com", "phone number"),
        ("skip", "Which visa"),
        ("h1b", "embassy or consulate"),
        # A question in the middle is answered, and the form asks its question again.
        ("wait, what is administrative processing?", "embassy or consulate"),
        ("Chennai", "visa interview"),
        ("1 March 2026", "What did the 221(g) notice ask for?"),
        ('/inform{"notice_request":"documents"}', "USCIS petition"),
        ("/affirm", "petitioner or the employer"),
        ("Acme Corp", "what happened"),
    ]
    for answer, next_question in answers:
        replies = texts(say(sender, answer))
        assert any(next_question in t for t in replies), (answer, replies)
    done = texts(say(sender, "They asked for a client letter and my employer is slow. <script>alert(1)</script>"))
    assert any("reference #" in t for t in done)
    [(lead_id, name, description, deadline)] = stored(
        workdir, "select id, person_name, description, deadline from leads where conversation_id = 'rest-e2e-intake'"
    )
    assert (name, deadline) == ("Ravi Kumar", "2027-03-01")
    assert "<script>alert(1)</script>" in description  # stored as text
    wait_until(
        lambda: [m for m in mailbox.messages if m["Subject"] == f"new consultation request #{lead_id}"],
        timeout=30,
        what="the notification email",
    )

    assert tracker_events(workdir, sender) > 0
    confirm = say(sender, "please delete all my data")
    assert any("cannot be undone" in t for t in texts(confirm))
    deleted = texts(say(sender, "/affirm"))
    assert any("I deleted 1 intake record(s)" in t for t in deleted)
    assert stored(workdir, "select count(*) from leads where conversation_id = 'rest-e2e-intake'") == [(0,)]
    assert tracker_events(workdir, sender) == 0
    # Personal data never reaches the servers' logs.
    log = (workdir / "servers.log").read_text()
    assert "Ravi Kumar" not in log and "ravi@example.com" not in log and "client letter" not in log


def post_raw(body: bytes):
    request = urllib.request.Request(
        f"http://localhost:{RASA_PORT}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_malformed_requests_leave_no_personal_data_in_the_logs(servers, workdir):
    """Rasa logs a failing REST message with its text, and its JSON logs write each frame's
    local variables: requests that fail inside Rasa, carrying a name and an email."""
    private = {"name": "Priya Raman", "email": "priya.raman@example.org"}
    assert post_raw(json.dumps({"sender": "e2e-malformed", "message": private}).encode()) < 500
    assert post_raw(json.dumps({"sender": "e2e-malformed", "message": [private["name"]]}).encode()) < 500
    assert post_raw(f'{{"sender": "e2e-malformed", "message": "{private["name"]} {private["email"]}'.encode()) < 500
    assert customs(say("e2e-malformed", "what is administrative processing?"), "sources")  # still answering
    log = (workdir / "servers.log").read_text()
    assert "Priya Raman" not in log and "priya.raman@example.org" not in log


def test_a_reminder_address_is_confirmed_by_its_owner_through_the_emailed_link(servers, workdir, inbox):
    import re
    import urllib.parse

    _, mailbox = inbox
    sender = "e2e-reminder"
    say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in texts(say(sender, "please send me a reminder before my deadline")))
    assert any("email" in t for t in texts(say(sender, "/affirm")))
    replies = texts(say(sender, "meera@example.net"))
    assert any("I've sent a link to meera@example.net" in t for t in replies), replies
    # The link is sent at once, in the background.
    [message] = wait_until(
        lambda: [m for m in mailbox.messages if m["To"] == "meera@example.net"],
        timeout=30,
        what="the confirmation email",
    )
    link = re.search(
        r"http://\S+/webhooks/reminders/confirm\?token=[0-9a-f]{64}", message.get_payload(decode=True).decode()
    ).group(0)
    with urllib.request.urlopen(link, timeout=30) as page:  # what a mail scanner does: confirms nothing
        assert page.status == 200 and b"Yes, send me the reminders" in page.read()
    assert stored(
        workdir, "select confirmed_at from address_confirmations where conversation_id = 'rest-e2e-reminder'"
    ) == [(None,)]
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
    pressed = urllib.request.Request(
        link.split("?")[0], data=urllib.parse.urlencode({"token": token}).encode(), method="POST"
    )
    with urllib.request.urlopen(pressed, timeout=30) as page:
        assert b"Reminders confirmed" in page.read()
    [(confirmed_at,)] = stored(
        workdir, "select confirmed_at from address_confirmations where conversation_id = 'rest-e2e-reminder'"
    )
    assert confirmed_at is not None


def test_a_message_starting_with_a_slash_is_text_and_stays_out_of_the_log(servers, workdir):
    """Rasa reads "/..." as an intent with arguments and warns with the whole text when it
    cannot parse it; warnings bypass the log's redaction (issue 23, finding 2)."""
    sender = "e2e-slash"
    for message in (
        "/ my name is Jane Roe, jane.roe@example.com, case ABC2026123456",
        "/inform my name is Jane Roe, case ABC2026123456",
        '/inform{"person_name": "Jane Roe", case ABC2026123456',
        "/what does 221g mean? I am Jane Roe",
    ):
        assert texts(say(sender, message)), message  # answered as text, not an error
    assert customs(say(sender, "/what does administrative processing mean?"), "sources")  # understood as text
    log = (workdir / "servers.log").read_text()
    assert "Jane Roe" not in log and "ABC2026123456" not in log and "jane.roe@example.com" not in log


def test_the_rest_client_cannot_choose_its_channel_or_store_metadata(servers, workdir):
    """A REST client said it was Telegram (which became the lead's channel) and sent 1.5 MB of
    metadata, stored with the message (issue 23, finding 7)."""
    body = {
        "sender": "e2e-claims",
        "message": "what is administrative processing?",
        "input_channel": "telegram",
        "metadata": {"padding": "x" * 1_500_000},
    }
    assert post_raw(json.dumps(body).encode()) == 200
    with sqlite3.connect(workdir / "conversations.db") as connection:
        rows = connection.execute(
            "select data from events where sender_id = 'rest-e2e-claims' and type_name = 'user'"
        ).fetchall()
    [event] = [json.loads(row[0]) for row in rows]
    assert event["input_channel"] == "rest" and "padding" not in event["metadata"]
    # The server's own metadata: the client's key (for the caps on leads), never its address.
    assert len(event["metadata"]["client"]) == 24 and "127.0.0.1" not in json.dumps(event)
    assert max(len(row[0]) for row in rows) < 10_000
