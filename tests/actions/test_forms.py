"""The intake, callback and reminder forms: validation, consent, storage and erasure."""

import datetime as dt
import os

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import storage
from actions.answers import ActionContinue
from actions.conversation import ActionOfferCallback
from actions.flows import ActionAskDeleteConfirmation, ActionStopForm
from actions.forms import ActionSubmitIntake, ActionSubmitReminder, ValidateIntakeForm
from actions.leads import SKIPPED
from actions.resources import FIRM
from bot.backoffice.intake import MAX_REMINDER_DEADLINES_PER_ADDRESS
from bot.backoffice.models import Lead, Reminder, utcnow
from tests.common import ROOT, entity, responses, run, tracker, understood_tracker

# The intake form's questions, in the domain's order.
DOMAIN_SLOTS = yaml.safe_load((ROOT / "domain.yml").read_text())["forms"]["intake_form"]["required_slots"]
INTAKE = dict(
    intake_consent="yes",
    person_name="Ravi Kumar",
    email="ravi@example.com",
    phone=SKIPPED,
    visa_type="H-1B",
    consulate="Chennai",
    interview_date="2025-06-20",
    notice_date="2025-06-25",
    notice_request="documents",
    has_petition="yes",
    petitioner_name="Acme Corp",
    case_description="They asked for a client letter; my employer is slow.",
)


# What the NLU pipeline extracts from these answers (bot/rules/entities.py, tested on its own).
NLU_ENTITIES = {
    "the consulate in bombay": [entity("consulate", "Mumbai")],
    "it was 3 March 2026": [entity("date", "2026-03-03")],
    "1 August 2026": [entity("date", "2026-08-01")],
    "30 February 2026": [entity("date", "2026-02-30")],
    "4/6/2026": [entity("ambiguous_date", "2026-04-06|2026-06-04")],
}


def validate(slot, value, **slots):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    form = ValidateIntakeForm()
    state = tracker("inform", NLU_ENTITIES.get(value, []), text=value, **slots)
    result = getattr(form, f"validate_{slot}")(value, dispatcher, state, {})
    return result, responses(dispatcher.messages)


def stored_leads():
    with storage.intake_store().session() as session:
        return session.execute(select(Lead).order_by(Lead.id)).scalars().all()


@pytest.mark.parametrize(
    "slot, answer, value",
    [
        ("email", "it's ravi.k@mail.com thanks", "ravi.k@mail.com"),
        ("person_name", "Maria José O'Neil", "Maria José O'Neil"),
        ("phone", "+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("phone", "skip", SKIPPED),
        ("visa_type", "h1b", "H-1B"),
        ("visa_type", "other", "other"),
        ("consulate", "the consulate in bombay", "Mumbai"),
        ("consulate", "Tirana", "Tirana"),
        ("interview_date", "it was 3 March 2026", "2026-03-03"),
        ("interview_date", "2026-03-03", "2026-03-03"),
        ("notice_date", "don't know", SKIPPED),
        ("notice_request", "they want more papers", "documents"),
        ("notice_request", "unknown", "unknown"),
        ("has_petition", "yes", "yes"),
        (
            "case_description",
            "'; DROP TABLE leads; -- <script>x</script>",
            "'; DROP TABLE leads; -- <script>x</script>",
        ),
    ],
)
def test_good_answers_are_accepted_and_normalised(slot, answer, value):
    result, said = validate(slot, answer)
    assert result[slot] == value and result.get("form_failures") in (0, None)
    assert said == []


@pytest.mark.parametrize(
    "slot, answer, response",
    [
        ("email", "ravi at mail dot com", "utter_invalid_email"),
        ("person_name", "what is 221g???", "utter_invalid_person_name"),
        ("phone", "call me maybe", "utter_invalid_phone"),
        ("visa_type", "the blue one", "utter_invalid_visa_type"),
        ("interview_date", "no idea when, sometime", "utter_invalid_date"),
        ("notice_request", "hmm", "utter_invalid_notice_request"),
    ],
)
def test_bad_answers_get_a_helpful_re_ask(slot, answer, response):
    result, said = validate(slot, answer)
    assert (result[slot], result["form_failures"]) == (None, 1)
    assert said == [response]


@pytest.mark.parametrize(
    "answer, reason",
    [("1 August 2026", "in the future"), ("30 February 2026", "does not exist"), ("4/6/2026", "two ways")],
)
def test_future_impossible_and_ambiguous_dates_are_refused_with_the_reason(answer, reason):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    state = tracker("inform", NLU_ENTITIES[answer], text=answer)
    result = ValidateIntakeForm().validate_notice_date(answer, dispatcher, state, {})
    assert result["notice_date"] is None
    assert reason in dispatcher.messages[0]["reason"]


@pytest.mark.parametrize("answer", ["a few weeks ago", "about a couple of weeks ago", "hace unos días"])
def test_an_estimated_date_is_refused_as_the_intakes_date(answer):
    # "a few weeks ago" read as 3 weeks may be later than the real date: never stored as the notice's.
    from bot.rules import clock
    from bot.rules.entities import EntityExtractor

    found = [entity(e.entity, e.value, e.role) for e in EntityExtractor().extract(answer, clock.today())]
    assert [e["value"][0] for e in found if e["entity"] == "date"] == ["~"]
    dispatcher = CollectingDispatcher()
    result = ValidateIntakeForm().validate_notice_date(answer, dispatcher, tracker("inform", found, text=answer), {})
    assert result["notice_date"] is None
    assert responses(dispatcher.messages) == ["utter_invalid_date"]


# The intake's date answers, understood as a real conversation would (the real extractor and the
# language detector): why a date is refused is told in the conversation's language.
SPANISH_OPENING = "Hola, me dieron una 221g en Ciudad Juárez y quiero hablar con un abogado"
ENGLISH_OPENING = "Hi, I got a 221g in Chennai and I want to book a consultation"


def refused_date(opening, slot, answer):
    conversation = understood_tracker(opening, answer, intent="inform", intake_consent="yes")
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateIntakeForm(), f"validate_{slot}")(answer, dispatcher, conversation, {})
    assert (result[slot], result["date"], result["form_failures"]) == (None, None, 1)
    assert responses(dispatcher.messages) == ["utter_invalid_date"]
    return conversation.get_slot("language"), dispatcher.messages[0]["reason"]


@pytest.mark.parametrize(
    "slot, answer, reason",
    [
        ("notice_date", "no me acuerdo bien, fue en primavera", "no encontré ninguna fecha en su respuesta"),
        ("notice_date", "4/6/2026", "una fecha como 4/6/2026 se puede leer de dos maneras"),
        (
            "notice_date",
            "la carta dice 3 de marzo de 2030",
            "la fecha de la carta, el 3 de marzo de 2030, está en el futuro; por favor, revísela",
        ),
        (
            "interview_date",
            "fue el 3 de marzo de 2030",
            "la fecha de la entrevista, el 3 de marzo de 2030, está en el futuro; por favor, revísela",
        ),
        ("notice_date", "el 30 de febrero de 2026", "el 30 de febrero de 2026 no existe"),
        ("notice_date", "hace como 3 semanas", "es solo aproximada"),
    ],
)
def test_a_spanish_intake_is_told_why_a_date_is_refused_in_spanish(slot, answer, reason):
    language, said = refused_date(SPANISH_OPENING, slot, answer)
    assert language == "es"
    assert reason in said


@pytest.mark.parametrize(
    "slot, answer, reason",
    [
        ("notice_date", "I don't remember exactly, sometime in spring", "I couldn't find a date in your answer"),
        ("notice_date", "4/6/2026", "a date like 4/6/2026 can be read two ways"),
        (
            "notice_date",
            "the letter says 3 March 2030",
            "the notice date 3 March 2030 is in the future; please check it",
        ),
        (
            "interview_date",
            "it was on 3 March 2030",
            "the interview date 3 March 2030 is in the future; please check it",
        ),
        ("notice_date", "30 February 2026", "30 February 2026 does not exist"),
        ("notice_date", "about 3 weeks ago", "is only approximate"),
    ],
)
def test_an_english_intake_is_told_why_a_date_is_refused_in_english(slot, answer, reason):
    language, said = refused_date(ENGLISH_OPENING, slot, answer)
    assert language in (None, "en")
    assert reason in said


def test_after_two_failures_skip_is_offered_and_accepted():
    result, said = validate("email", "nope not telling", form_failures=1)
    assert result == {"email": None, "form_failures": 2}
    assert said == ["utter_invalid_email", "utter_skip_or_stop"]
    result, _ = validate("email", "skip", form_failures=2)
    assert result == {"email": SKIPPED, "form_failures": 0}
    result, said = validate("email", "skip", form_failures=0)  # not before two failures
    assert result["email"] is None and said == ["utter_invalid_email"]


def test_overlong_answers_are_refused():
    result, said = validate("case_description", "x" * 2001)
    assert result == {"case_description": None, "form_failures": 1}
    assert said == ["utter_too_long"]


async def test_a_validator_that_fails_asks_again_politely_and_logs_no_answer(monkeypatch, caplog):
    def broken(value):
        raise ValueError(f"cannot read {value}")

    monkeypatch.setattr("bot.rules.intake_answers.clean_text", broken)
    state = tracker(
        "inform", text="ravi@example.com", intake_consent="yes", person_name="Ravi Kumar", requested_slot="email"
    )
    state.active_loop = {"name": "intake_form"}
    state.events.append({"event": "slot", "name": "email", "value": "ravi@example.com"})
    dispatcher, domain = CollectingDispatcher(), {"forms": {"intake_form": {"required_slots": DOMAIN_SLOTS}}}
    events, messages = await ValidateIntakeForm().run(dispatcher, state, domain), dispatcher.messages
    assert events == [SlotSet("email", None)]  # the form asks for the email again
    assert responses(messages) == ["utter_something_went_wrong"]
    assert "ValueError" in caplog.text and "ravi@example.com" not in caplog.text


async def test_required_slots_follow_consent_and_petition():
    form = ValidateIntakeForm()
    assert await form.required_slots(DOMAIN_SLOTS, None, tracker(intake_consent="no"), {}) == []
    without = await form.required_slots(DOMAIN_SLOTS, None, tracker(has_petition="no"), {})
    assert "petitioner_name" not in without and len(without) == len(DOMAIN_SLOTS) - 1
    assert await form.required_slots(DOMAIN_SLOTS, None, tracker(has_petition="yes"), {}) == DOMAIN_SLOTS


async def test_submitted_intake_is_stored_with_deadline_and_flagged_urgent():
    before = len(stored_leads())
    events, messages = await run(
        ActionSubmitIntake(),
        tracker("affirm", **INTAKE, topics_asked=["deadline"], sources_cited=["22 CFR 42.83 https://x"]),
    )
    lead = stored_leads()[-1]
    assert len(stored_leads()) == before + 1
    assert events == [SlotSet("lead_id", lead.id), SlotSet("lead_pending", None)]
    assert responses(messages) == ["utter_intake_received", "utter_intake_urgent"]
    assert messages[0]["lead_id"] == lead.id and messages[0]["booking_url"] == FIRM.booking_url
    # Counted from the interview (the earlier date): 20 June 2026, 5 days after the pinned today.
    assert (lead.deadline.isoformat(), lead.urgency) == ("2026-06-20", "within_30_days")
    assert (lead.phone, lead.petitioner_name, lead.channel) == (None, "Acme Corp", "rest")
    assert "URGENT" in lead.summary and "Acme Corp" in lead.summary and "22 CFR 42.83" in lead.summary


async def test_one_client_opening_conversation_after_conversation_gets_a_few_leads_a_day():
    """Each new REST conversation is free: the channel's key for the client caps them together."""
    from bot.backoffice.intake import MAX_LEADS_PER_CLIENT_PER_DAY

    def from_one_client(number):
        state = tracker("affirm", **{**INTAKE, "email": f"person{number}@example.com"})
        state.sender_id = f"rest-script-{number}"
        state.latest_message["metadata"] = {"client": "5f3c0a9d1e2b4c6d8e0f1a2b"}  # as FirmRestInput sets it
        return state

    for number in range(MAX_LEADS_PER_CLIENT_PER_DAY):
        _, messages = await run(ActionSubmitIntake(), from_one_client(number))
        assert responses(messages)[0] == "utter_intake_received"
    before = len(stored_leads())
    events, messages = await run(ActionSubmitIntake(), from_one_client(99))
    assert responses(messages) == ["utter_lead_limit_client"]
    assert events == [SlotSet("lead_pending", None)] and len(stored_leads()) == before
    assert {lead.client_key for lead in stored_leads()[-MAX_LEADS_PER_CLIENT_PER_DAY:]} == {"5f3c0a9d1e2b4c6d8e0f1a2b"}


async def test_a_conversation_that_keeps_submitting_intakes_is_refused_politely():
    from bot.backoffice.intake import MAX_LEADS_PER_CONVERSATION

    def flooding():
        state = tracker("affirm", **{**INTAKE, "email": "flood@example.com"})
        state.sender_id = "flooding-conversation"
        return state

    for _ in range(MAX_LEADS_PER_CONVERSATION):
        _, messages = await run(ActionSubmitIntake(), flooding())
        assert responses(messages)[0] == "utter_intake_received"
    before = len(stored_leads())
    events, messages = await run(ActionSubmitIntake(), flooding())
    assert responses(messages) == ["utter_lead_limit"]
    assert events == [SlotSet("lead_pending", None)]
    assert len(stored_leads()) == before


async def test_no_consent_stores_nothing_and_still_gives_the_booking_link():
    before = len(stored_leads())
    events, messages = await run(ActionSubmitIntake(), tracker("deny", intake_consent="no"))
    assert len(stored_leads()) == before
    assert events == [SlotSet("intake_consent", None)]
    assert responses(messages) == ["utter_intake_no_consent"]
    assert FIRM.booking_url in messages[0]["contact_line"]


async def test_a_database_down_at_submit_keeps_the_lead_and_stores_it_when_back():
    working_url = os.environ["DATABASE_URL"]
    before = len(stored_leads())
    os.environ["DATABASE_URL"] = "postgresql+psycopg2://nobody@127.0.0.1:1/down"
    try:
        events, messages = await run(ActionSubmitIntake(), tracker("affirm", **INTAKE))
        assert events == [SlotSet("lead_pending", "consultation")]
        assert responses(messages) == ["utter_intake_saved_later"]
    finally:
        os.environ["DATABASE_URL"] = working_url
    # The next message, whatever it is, stores the kept answers first.
    events, messages = await run(ActionContinue(), tracker("deny", **INTAKE, lead_pending="consultation"))
    lead = stored_leads()[-1]
    assert len(stored_leads()) == before + 1 and lead.person_name == "Ravi Kumar"
    assert events[:2] == [SlotSet("lead_id", lead.id), SlotSet("lead_pending", None)]
    assert responses(messages)[0] == "utter_intake_now_saved"


async def test_stopping_a_form():
    state = tracker("stop_form", intake_consent="yes")
    state.active_loop = {"name": "intake_form"}
    events, messages = await run(ActionStopForm(), state)
    assert responses(messages) == ["utter_form_stopped"]
    assert events[0] == {"event": "active_loop", "timestamp": None, "name": None}
    assert SlotSet("intake_consent", None) in events


async def test_callback_offer_is_honest_and_follows_office_hours():
    _, messages = await run(ActionOfferCallback(), tracker("request_human"))
    expected = "utter_callback_open" if FIRM.next_opening(utcnow()) is None else "utter_callback_closed"
    assert responses(messages) == ["utter_human", expected]


async def test_reminders_are_stored_30_and_7_days_before():
    events, messages = await run(
        ActionSubmitReminder(),
        tracker(
            "affirm", reminder_consent="yes", email="a@example.com", notice_date="2025-09-01", refusal_section="221g"
        ),
    )
    # Nothing but a confirmation link goes to the address until its owner opens it.
    assert responses(messages) == ["utter_reminder_confirm"]
    assert messages[0]["dates"] == "2 August 2026 and 25 August 2026" and messages[0]["email"] == "a@example.com"
    with storage.intake_store().session() as session:
        rows = session.execute(select(Reminder).where(Reminder.email == "a@example.com")).scalars().all()
    assert sorted(r.days_before for r in rows) == [7, 30]


async def test_no_reminder_without_an_email_and_nothing_stored():
    with storage.intake_store().session() as session:
        before = len(session.execute(select(Reminder)).scalars().all())
    events, messages = await run(
        ActionSubmitReminder(),
        tracker("inform", reminder_consent="yes", email=SKIPPED, notice_date="2025-09-01", refusal_section="221g"),
    )
    assert events == [SlotSet("reminder_consent", None)]
    assert responses(messages) == ["utter_reminder_needs_email"]
    with storage.intake_store().session() as session:
        assert len(session.execute(select(Reminder)).scalars().all()) == before


async def test_reminders_to_an_address_already_at_its_limit_are_refused_politely():
    store = storage.intake_store()
    for number in range(MAX_REMINDER_DEADLINES_PER_ADDRESS):  # set from other conversations
        store.add_reminders(
            f"other-{number}",
            "target@example.com",
            dt.date(2026, 12, 1 + number),
            dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc),
            dt.date(2026, 6, 1),
        )
    events, messages = await run(
        ActionSubmitReminder(),
        tracker(
            "affirm",
            reminder_consent="yes",
            email="target@example.com",
            notice_date="2025-09-01",
            refusal_section="221g",
        ),
    )
    assert responses(messages) == ["utter_reminder_limit"]
    assert events == [SlotSet("reminder_consent", None)]
    mine = [r for r in store.reminders() if r.email == "target@example.com"]
    assert len(mine) == 2 * MAX_REMINDER_DEADLINES_PER_ADDRESS  # nothing added


async def test_reminders_to_an_address_whose_link_waits_elsewhere_are_refused_and_nothing_is_stored():
    store = storage.intake_store()
    store.request_confirmation("another-conversation", "busy@example.com")  # waiting, unopened
    events, messages = await run(
        ActionSubmitReminder(),
        tracker(
            "affirm", reminder_consent="yes", email="busy@example.com", notice_date="2025-09-01", refusal_section="221g"
        ),
    )
    assert responses(messages) == ["utter_reminder_address_busy"]
    assert "busy@example.com" in str(messages[0])  # tells them which email to look in
    assert events == [SlotSet("reminder_consent", None)]
    assert [r for r in store.reminders() if r.email == "busy@example.com"] == []


async def test_no_reminder_for_a_passed_deadline():
    _, messages = await run(
        ActionSubmitReminder(),
        tracker(
            "affirm", reminder_consent="yes", email="b@example.com", notice_date="2025-06-01", refusal_section="221g"
        ),
    )
    assert responses(messages) == ["utter_reminder_too_late"]


async def test_erasure_asks_first_then_deletes_the_conversation_data():
    await run(ActionSubmitIntake(), tracker("affirm", **INTAKE))
    events, messages = await run(ActionAskDeleteConfirmation(), tracker("delete_my_data"))
    assert events[-1] == SlotSet("pending_topic", "delete_data")  # whatever ran is stopped first
    assert responses(messages) == ["utter_confirm_delete"]
    events, messages = await run(ActionContinue(), tracker("affirm", pending_topic="delete_data"))
    assert events == [SlotSet("pending_topic", None), SlotSet("erase_conversation", True)]
    assert responses(messages) == ["utter_deleted", None]
    assert messages[0]["leads"] >= 1
    assert messages[1]["custom"] == {"type": "erased"}  # the widget forgets its copy
    assert [lead for lead in stored_leads() if lead.conversation_id == "rest-test-applicant"] == []
    assert [r for r in storage.intake_store().pending_erasures() if r.conversation_id == "rest-test-applicant"] == []


async def test_erasure_with_the_transcript_database_down_is_recorded_and_completed_later(monkeypatch, tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.backoffice.erasure import complete_pending_erasures
    from components.tracker_store import ErasableSQLTrackerStore

    state = tracker("affirm", pending_topic="delete_data")
    state.sender_id = "erase-while-down"
    transcripts = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))
    await transcripts.save(DialogueStateTracker.from_events("erase-while-down", [UserUttered("I am Ravi Kumar")]))
    # The transcript database is unreachable at the moment of the request.
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    storage.transcripts.cache_clear()
    try:
        events, messages = await run(ActionContinue(), state)
    finally:
        storage.transcripts.cache_clear()
    assert responses(messages) == ["utter_delete_pending"]  # no "done" before it is done
    assert events[-1] == SlotSet("erase_conversation", True)
    store = storage.intake_store()
    [pending] = [r for r in store.pending_erasures() if r.conversation_id == "erase-while-down"]
    assert pending.attempts == 1
    # The next send-due run, with the database back, completes it.
    counts = complete_pending_erasures(store, transcripts.engine, None)
    assert counts["done"] >= 1 and counts["failed"] == 0
    assert [r for r in store.pending_erasures() if r.conversation_id == "erase-while-down"] == []
    assert "erase-while-down" not in await transcripts.keys()


async def test_erasure_declined_deletes_nothing():
    events, messages = await run(ActionContinue(), tracker("deny", pending_topic="delete_data"))
    assert events == [SlotSet("pending_topic", None)]
    assert responses(messages) == ["utter_delete_cancelled"]


async def test_a_callback_request_is_stored_as_a_lead_with_the_contact():
    from actions.forms import ActionSubmitCallback

    events, messages = await run(
        ActionSubmitCallback(),
        tracker(
            "inform",
            callback_consent="yes",
            person_name="Ana Silva",
            contact="+1 415 555 0199",
            topics_asked=["options"],
        ),
    )
    lead = stored_leads()[-1]
    assert events == [SlotSet("lead_id", lead.id), SlotSet("lead_pending", None)]
    assert responses(messages) == ["utter_callback_received"]
    assert (lead.kind, lead.person_name, lead.phone, lead.email) == ("callback", "Ana Silva", "+1 415 555 0199", None)
    assert lead.summary.startswith("new callback request") and "options" in lead.summary
    with storage.intake_store().session() as session:
        from bot.backoffice.models import Notification

        channels = session.execute(select(Notification.channel).where(Notification.lead_id == lead.id)).scalars().all()
    assert channels == ["email"]


async def test_callback_without_consent_stores_nothing():
    from actions.forms import ActionSubmitCallback

    before = len(stored_leads())
    _, messages = await run(ActionSubmitCallback(), tracker("deny", callback_consent="no"))
    assert responses(messages) == ["utter_callback_no_consent"] and len(stored_leads()) == before


@pytest.mark.parametrize("answer", ["my visa was approved", "I will apply again", "apparently nothing"])
def test_notice_request_does_not_take_words_that_merely_start_with_ap(answer):
    result, said = validate("notice_request", answer)
    assert result["notice_request"] is None and said == ["utter_invalid_notice_request"]


def test_notice_request_still_takes_ap_as_a_word():
    result, _ = validate("notice_request", "just AP they said")
    assert result["notice_request"] == "administrative_processing"
