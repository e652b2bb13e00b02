"""Off the script, end to end over REST with the real NLU and action server (issue 22): a question,
an erasure, a booking or another flow's request in the middle of a form."""

import pytest

from bot.rules.firm import load_firm
from tests.system.e2e import customs, say, stored, texts, tracker_events

pytestmark = pytest.mark.slow
BOOKING_URL = load_firm().booking_url
COULD_NOT_FOLLOW = "couldn't follow"


def start_intake(sender):
    assert any("Do you agree?" in t for t in texts(say(sender, "i want to book a consultation with a lawyer")))
    assert any("full name" in t for t in texts(say(sender, "/affirm")))
    assert any("email address" in t for t in texts(say(sender, "Ravi Kumar")))


def asked(replies, question):
    return sum(question in t for t in texts(replies))


def test_a_question_that_names_a_visa_is_answered_and_fills_nothing(servers):
    # Broken path 1: "H-1B" filled the form's visa slot, so the form went on and the question was lost.
    sender = "off-question"
    start_intake(sender)
    assert any("phone number" in t for t in texts(say(sender, "ravi@example.com")))
    replies = say(sender, "what does 221g mean for an H-1B?")
    assert customs(replies, "sources"), texts(replies)  # answered from the knowledge base
    assert asked(replies, "phone number") == 1  # then the same question, once
    assert not any(COULD_NOT_FOLLOW in t for t in texts(replies))
    # The visa named in the question was not taken as the intake's answer: it is still asked.
    assert any("Which visa" in t for t in texts(say(sender, "skip")))


def test_erasure_asked_at_the_consent_question_is_not_turned_into_consent(servers, workdir):
    # Broken path 2: the erasure question and the consent question came in one reply, and the next
    # "yes" filled the consent and started the intake; nothing was erased.
    sender = "off-erase-at-consent"
    say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in texts(say(sender, "book a consultation please")))
    confirm = texts(say(sender, "delete my data"))
    assert any("cannot be undone" in t for t in confirm)
    assert not any("Do you agree" in t for t in confirm)
    done = texts(say(sender, "yes"))
    assert any("I deleted" in t for t in done), done
    assert not any("full name" in t for t in done)
    assert tracker_events(workdir, sender) == 0
    assert stored(workdir, "select count(*) from leads where conversation_id = ?", f"rest-{sender}") == [(0,)]


def test_a_confirmation_does_not_carry_over_to_a_later_yes(servers, workdir):
    sender = "off-stale-confirmation"
    say(sender, "my ceac status says refused, what now?")
    assert any("cannot be undone" in t for t in texts(say(sender, "please delete my data")))
    say(sender, "what is administrative processing?")
    later = texts(say(sender, "yes"))
    assert not any("I deleted" in t for t in later)
    assert tracker_events(workdir, sender) > 0


def test_booking_during_the_intake_gets_the_link_and_the_question_again(servers):
    # Broken path 3: "Sorry, I couldn't follow that".
    sender = "off-book-in-intake"
    start_intake(sender)
    replies = texts(say(sender, "can I just book a consultation?"))
    assert any(BOOKING_URL in t for t in replies), replies
    assert sum("email address" in t for t in replies) == 1
    assert not any(COULD_NOT_FOLLOW in t for t in replies)


def test_a_reminder_request_during_the_reminder_form_goes_on_with_it(servers):
    sender = "off-remind-in-reminder"
    say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in texts(say(sender, "please send me a reminder before my deadline")))
    replies = texts(say(sender, "can you remind me before it runs out?"))
    assert not any(COULD_NOT_FOLLOW in t for t in replies), replies
    assert any("Back to the reminder" in t for t in replies)  # the consent question, without its preamble


def test_a_reminder_request_during_the_intake_offers_to_finish_first_and_keeps_the_intake(servers):
    # Broken path 4: the intake was dropped silently.
    sender = "off-remind-in-intake"
    start_intake(sender)
    offer = say(sender, "oh and can you remind me before my 221g deadline?")
    [choice] = [r for r in offer if r.get("buttons")]
    assert [b["payload"] for b in choice["buttons"]] == ["/continue_form", "/switch_flow"]
    resumed = texts(say(sender, "/continue_form"))
    assert any("ask me for a reminder" in t for t in resumed)
    assert sum("email address" in t for t in resumed) == 1  # the intake goes on where it was
    assert any("phone number" in t for t in texts(say(sender, "ravi@example.com")))


def test_a_callback_request_during_the_intake_can_replace_it(servers):
    sender = "off-call-in-intake"
    start_intake(sender)
    offer = texts(say(sender, "can someone from the office call me instead?"))
    assert any("arrange a call" in t for t in offer), offer
    switched = texts(say(sender, "/switch_flow"))
    assert any("To arrange a call" in t and "Do you agree?" in t for t in switched), switched
    assert not any("What email address" in t for t in switched)  # the intake is not asked any more


def test_a_reminder_lead_time_is_not_taken_for_the_wait(servers):
    sender = "off-lead-time"
    say(sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in texts(say(sender, "ping me 2 weeks before it runs out")))
    answer = texts(say(sender, "how long does administrative processing usually take?"))
    assert not any("It has been 2 weeks" in t for t in answer), answer
