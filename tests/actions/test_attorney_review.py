"""The firm's `require_attorney_review`: how firm.yml and FIRM_REQUIRE_ATTORNEY_REVIEW set it,
and what the assistant answers with it on, in English and in Spanish (tracker fixtures in, exact
events and messages out, sign-offs in a real SQLite database of the test's own)."""

import dataclasses

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import attorney_review, storage
from actions.answers import ActionAnswerQuestion
from actions.case_facts import slot_facts
from actions.resources import ADVICE, FIRM
from bot.backoffice.signoffs import record_signoff
from bot.rules.firm import load_firm
from bot.rules.yamlfile import DataFileError
from tests.common import DEADLINE_TRACKER, ROOT, refusing_port, responses, run, tracker, understood_tracker

# --- the setting -----------------------------------------------------------------------------


def test_the_shipped_profile_leaves_it_off():
    assert load_firm({}).require_attorney_review is False


@pytest.mark.parametrize("value, on", [("yes", True), ("True", True), ("YES", True), ("no", False), ("false", False)])
def test_the_environment_sets_it_with_yes_no_true_or_false(value, on):
    assert load_firm({"FIRM_REQUIRE_ATTORNEY_REVIEW": value}).require_attorney_review is on


@pytest.mark.parametrize("line, on", [("require_attorney_review: yes", True), ('require_attorney_review: "no"', False)])
def test_the_profile_file_sets_it_quoted_or_not(tmp_path, line, on):
    profile = tmp_path / "firm.yml"
    shipped = (ROOT / "firm.yml").read_text()
    profile.write_text("\n".join(row for row in shipped.splitlines() if "require_attorney_review:" not in row))
    assert load_firm({"FIRM_PROFILE": str(profile)}).require_attorney_review is False  # absent: off
    profile.write_text(profile.read_text() + f"\n{line}\n")
    assert load_firm({"FIRM_PROFILE": str(profile)}).require_attorney_review is on


@pytest.mark.parametrize("value", ["maybe", "1", "on"])
def test_any_other_value_is_refused_with_the_field_named(value):
    with pytest.raises(DataFileError, match=f"field 'require_attorney_review' must be yes or no .*'{value}'"):
        load_firm({"FIRM_REQUIRE_ATTORNEY_REVIEW": value})


def test_the_reply_instead_of_an_unreviewed_answer_is_in_the_domain():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert "have not yet reviewed" in domain["responses"]["utter_answer_awaiting_review"][0]["text"]


# --- what the assistant answers with it on ---------------------------------------------------


@pytest.fixture
def review_required(monkeypatch):
    monkeypatch.setattr(attorney_review, "FIRM", dataclasses.replace(FIRM, require_attorney_review=True))


def sign_off_everything(language="en"):
    for entry in ADVICE.kb.entries.values():
        record_signoff(storage.intake_store(), entry, "attorney@firm.example", language)


def deadline_question():
    return Tracker.from_dict(DEADLINE_TRACKER)


async def test_an_answer_from_entries_not_signed_off_becomes_a_referral(review_required):
    events, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert responses(messages) == ["utter_answer_awaiting_review", "utter_referral_recommended", None]
    assert messages[1]["booking_url"] == FIRM.booking_url
    assert messages[2]["custom"]["type"] == "contact"
    # Nothing from the entries: no short answer, no deadline card, no details, no sources.
    assert not any(message.get("text") for message in messages)
    assert events == [
        SlotSet("pending_topic", None),
        SlotSet("topics_asked", ["deadline"]),
        SlotSet("referral_shown", True),
    ]


async def test_an_answer_whose_entries_are_signed_off_is_given_in_full(review_required, monkeypatch):
    sign_off_everything()
    reviewed = await run(ActionAnswerQuestion(), deadline_question())
    monkeypatch.setattr(attorney_review, "FIRM", FIRM)  # the setting off: the usual answer
    assert reviewed == await run(ActionAnswerQuestion(), deadline_question())
    assert "utter_answer_awaiting_review" not in responses(reviewed[1])
    assert "3 March 2027" in reviewed[1][0]["text"]


async def test_an_entry_changed_since_its_sign_off_stops_the_answer(review_required):
    sign_off_everything()
    _, messages = await run(ActionAnswerQuestion(), deadline_question())
    details = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "details")
    entry = ADVICE.kb.entry(details["items"][-1]["entry"])  # one of the entries this answer uses
    # The latest sign-off is of another wording than the one the assistant would say.
    record_signoff(storage.intake_store(), dataclasses.replace(entry, text=entry.text + " Old."), "bo@firm.example")
    _, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert responses(messages)[0] == "utter_answer_awaiting_review"


async def test_an_urgent_case_gets_the_urgent_referral_with_every_contact_in_it(review_required):
    _, messages = await run(ActionAnswerQuestion(), tracker("ask_deadline", notice_date="2025-06-20"))
    assert responses(messages) == ["utter_answer_awaiting_review", "utter_referral_urgent"]
    assert messages[1]["contact_line"] == FIRM.contact_line


async def test_while_the_database_is_down_nothing_counts_as_signed_off(review_required, monkeypatch):
    sign_off_everything()
    with refusing_port() as down:
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg2://nobody@127.0.0.1:{down}/down")
        events, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert responses(messages) == ["utter_answer_awaiting_review", "utter_referral_recommended", None]
    assert SlotSet("referral_shown", True) in events


async def test_with_the_setting_off_the_sign_offs_are_not_read(monkeypatch):
    def unexpected(*_args):
        raise AssertionError("sign-offs read with the setting off")

    monkeypatch.setattr(attorney_review, "signed_off", unexpected)  # would end in "something went wrong"
    _, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert "3 March 2027" in messages[0]["text"]


# --- in Spanish (issue 25): the Spanish text shown is what must be signed off ------------------


def spanish_deadline_question():
    conversation = understood_tracker(
        "me dieron la 221g el 10 de marzo, hasta cuándo tengo para mandar los papeles?",
        intent="ask_deadline",
        disclaimer_language="es",  # the disclaimer was shown in Spanish already
    )
    assert conversation.get_slot("language") == "es"
    return conversation


async def test_a_spanish_conversation_gets_the_referral_until_the_spanish_is_signed_off(review_required):
    referral = ["utter_answer_awaiting_review", "utter_referral_recommended", None]
    _, messages = await run(ActionAnswerQuestion(), spanish_deadline_question())
    assert responses(messages) == referral
    sign_off_everything("en")  # the English does not vouch for the Spanish words
    events, messages = await run(ActionAnswerQuestion(), spanish_deadline_question())
    assert responses(messages) == referral and SlotSet("referral_shown", True) in events
    assert messages[1]["referral_text"] == FIRM.text("referral_text", "es")  # the referral itself in Spanish
    assert messages[2]["custom"]["language"] == "es" and not any(message.get("text") for message in messages)
    sign_off_everything("es")
    _, messages = await run(ActionAnswerQuestion(), spanish_deadline_question())
    answer = ADVICE.answer("deadline", slot_facts(spanish_deadline_question()), "es")
    assert "utter_answer_awaiting_review" not in responses(messages)
    assert messages[0]["text"] == answer.lead and "de marzo de 2027" in " ".join(answer.explanation)


async def test_the_spanish_signed_off_alone_leaves_english_conversations_with_the_referral(review_required):
    sign_off_everything("es")
    _, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert responses(messages) == ["utter_answer_awaiting_review", "utter_referral_recommended", None]
    _, messages = await run(ActionAnswerQuestion(), spanish_deadline_question())
    assert "utter_answer_awaiting_review" not in responses(messages)


async def test_a_spanish_text_changed_since_its_sign_off_stops_the_spanish_answer_only(review_required):
    sign_off_everything("en")
    sign_off_everything("es")
    answer = ADVICE.answer("deadline", slot_facts(spanish_deadline_question()), "es")
    entry = ADVICE.kb.entry(answer.entries[-1])  # one of the entries this answer uses
    spanish = entry.translation("es")
    # The latest Spanish sign-off is of another Spanish wording than the one the assistant would say.
    older = dataclasses.replace(
        entry, translations=(("es", dataclasses.replace(spanish, text=spanish.text + " Viejo.")),)
    )
    record_signoff(storage.intake_store(), older, "bo@firm.example", "es")
    _, messages = await run(ActionAnswerQuestion(), spanish_deadline_question())
    assert responses(messages)[0] == "utter_answer_awaiting_review"
    _, messages = await run(ActionAnswerQuestion(), deadline_question())
    assert "utter_answer_awaiting_review" not in responses(messages)
