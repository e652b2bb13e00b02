"""Moving between flows in the middle of a form (actions/flows.py), consent only as the answer to
its question (actions/forms.py) and confirmations only for the next turn (actions/turns.py):
tracker fixtures, exact events asserted."""

import yaml
from rasa_sdk.events import ActionExecutionRejected, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion, ActionContinue
from actions.flows import (
    ActionAskDeleteConfirmation,
    ActionContinueForm,
    ActionOfferSwitch,
    ActionSwitchFlow,
)
from actions.forms import ActionAskIntakeConsent, ValidateIntakeForm
from tests.common import ROOT, entity, responses, run, tracker

INTAKE_SLOTS = yaml.safe_load((ROOT / "domain.yml").read_text())["forms"]["intake_form"]["required_slots"]

STOPPED = [
    {"event": "active_loop", "timestamp": None, "name": None},
    SlotSet("requested_slot", None),
    SlotSet("form_failures", 0),
    SlotSet("switch_to", None),
    SlotSet("pending_topic", None),
]


def in_form(state, form="intake_form", requested="email"):
    state.active_loop = {"name": form}
    state.slots["requested_slot"] = requested
    return state


def bot(response):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def user(text="..."):
    return {"event": "user", "text": text}


async def test_erasure_in_a_form_stops_it_before_asking():
    events, messages = await run(
        ActionAskDeleteConfirmation(), in_form(tracker("delete_my_data", intake_consent="yes"), requested="email")
    )
    assert responses(messages) == ["utter_confirm_delete_in_form"]
    assert events == [*STOPPED, SlotSet("intake_consent", None), SlotSet("pending_topic", "delete_data")]


async def test_a_request_for_another_flow_offers_finish_first_or_switch():
    events, messages = await run(ActionOfferSwitch(), in_form(tracker("set_reminder")))
    assert responses(messages) == ["utter_switch_intake_form_to_reminder_form"]
    assert events == [SlotSet("switch_to", "reminder_form")]


async def test_booking_in_the_intake_gets_the_link_and_no_offer():
    events, messages = await run(ActionOfferSwitch(), in_form(tracker("request_consultation")))
    assert responses(messages) == ["utter_same_flow_intake_form"]
    assert "booking_url" in messages[0] and events == []


async def test_finish_first_says_what_comes_after():
    offered = tracker(
        "continue_form", events=[user(), {"event": "slot", "name": "switch_to", "value": "reminder_form"}, user()]
    )
    events, messages = await run(ActionContinueForm(), in_form(offered))
    assert responses(messages) == ["utter_finish_first_reminder_form"]
    assert events == [SlotSet("switch_to", None)]


async def test_switching_stops_the_form_and_starts_the_one_offered():
    offered = tracker(
        "switch_flow",
        switch_to="callback_form",
        events=[user(), {"event": "slot", "name": "switch_to", "value": "callback_form"}, user()],
    )
    events, messages = await run(ActionSwitchFlow(), in_form(offered))
    assert responses(messages)[0] == "utter_human"
    assert events == [*STOPPED, SlotSet("intake_consent", None), FollowupAction("callback_form")]


async def test_a_switch_not_offered_in_the_last_turn_only_goes_on_with_the_form():
    stale = tracker(
        "switch_flow",
        switch_to="callback_form",
        events=[{"event": "slot", "name": "switch_to", "value": "callback_form"}, user(), user()],
    )
    events, messages = await run(ActionSwitchFlow(), in_form(stale))
    assert messages == []
    assert events == [SlotSet("switch_to", None), FollowupAction("intake_form")]


async def test_an_erasure_confirmation_is_not_taken_from_a_later_yes():
    # "delete my data", then a question, then "yes": the yes answers nothing.
    stale = tracker(
        "affirm",
        pending_topic="delete_data",
        events=[user(), {"event": "slot", "name": "pending_topic", "value": "delete_data"}, user(), user()],
    )
    events, messages = await run(ActionContinue(), stale)
    assert responses(messages) == ["utter_anything_else"]
    assert events == [SlotSet("pending_topic", None)]


def consent_turn(last_response):
    state = tracker("affirm", text="yes", events=[user(), bot(last_response), user("yes")])
    state.slots["intake_consent"] = "yes"
    return in_form(state, requested="intake_consent")


def test_consent_is_only_the_answer_to_the_consent_question():
    validator = ValidateIntakeForm()
    for asked, kept in [
        ("utter_ask_intake_consent", "yes"),
        ("utter_ask_intake_consent_again", "yes"),
        ("utter_confirm_delete", None),
        ("utter_switch_intake_form_to_reminder_form", None),
    ]:
        result = validator.validate_intake_consent("yes", None, consent_turn(asked), {})
        assert result == {"intake_consent": kept}, asked


async def test_the_consent_question_comes_back_without_its_preamble():
    first = tracker("request_consultation", events=[user()])
    _, messages = await run(ActionAskIntakeConsent(), first)
    assert responses(messages) == ["utter_ask_intake_consent"]
    again = tracker(
        "explain_221g",
        events=[
            user(),
            {"event": "active_loop", "name": "intake_form"},
            bot("utter_ask_intake_consent"),
            user(),
        ],
    )
    _, messages = await run(ActionAskIntakeConsent(), again)
    assert responses(messages) == ["utter_ask_intake_consent_again"]


async def test_a_question_that_also_answers_is_answered_after_the_answer_is_kept():
    text = "H-1B. But what does 221g mean for my case?"
    state = tracker("explain_221g", [entity("visa_type", "H-1B") | {"start": 0, "end": 4}], text=text)
    state.slots["visa_type"] = "H-1B"
    state.events = [
        user(),
        bot("utter_ask_visa_type"),
        user(text),
        # As Rasa shows the validator the message: the form as run, then the values it found.
        {"event": "action", "name": "intake_form"},
        {"event": "slot", "name": "visa_type", "value": "H-1B"},
    ]
    dispatcher, domain = CollectingDispatcher(), {"forms": {"intake_form": {"required_slots": INTAKE_SLOTS}}}
    events = await ValidateIntakeForm().run(dispatcher, in_form(state, requested="visa_type"), domain)
    assert SlotSet("visa_type", "H-1B") in events
    assert events[-1] == ActionExecutionRejected("intake_form")


async def test_after_the_answer_the_form_only_asks_again():
    # The form runs again after action_answer_question: it must not hand over a second time.
    text = "H-1B. But what does 221g mean for my case?"
    state = tracker("explain_221g", [entity("visa_type", "H-1B") | {"start": 0, "end": 4}], text=text)
    state.events = [
        user(text),
        {"event": "action", "name": "action_extract_slots"},
        {"event": "slot", "name": "visa_type", "value": "H-1B"},
        {"event": "action", "name": "action_answer_question"},
        {"event": "action", "name": "intake_form"},
    ]
    dispatcher, domain = CollectingDispatcher(), {"forms": {"intake_form": {"required_slots": INTAKE_SLOTS}}}
    events = await ValidateIntakeForm().run(dispatcher, in_form(state, requested="visa_type"), domain)
    assert ActionExecutionRejected("intake_form") not in events


async def test_an_answer_in_a_form_asks_nothing_of_its_own():
    # "When is my deadline?" without a date: outside a form the answer asks for the notice date;
    # in a form the form's question is waiting, so the answer says what it needs instead.
    events, messages = await run(ActionAnswerQuestion(), in_form(tracker("ask_deadline", refusal_section="221g")))
    assert responses(messages) == ["utter_ask_after_form"]
    assert SlotSet("pending_topic", None) in events
    events, messages = await run(ActionAnswerQuestion(), tracker("ask_deadline", refusal_section="221g"))
    assert responses(messages) == ["utter_ask_notice_date"]
    assert SlotSet("pending_topic", "deadline") in events
