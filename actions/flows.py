"""Leaving a form and moving between flows: stop, erase, and a request for another flow in the
middle of a form ("finish this first, or stop it and do that?"). README "How a conversation
flows" is the table these actions and data/rules/rules.yml follow."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.base import SafeAction, latest_intent
from actions.conversation import offer_callback
from actions.resources import firm_values
from actions.turns import conversation_language, set_in_last_turn

# The form each request starts.
FLOW_OF_INTENT = {
    "request_consultation": "intake_form",
    "set_reminder": "reminder_form",
    "request_human": "callback_form",
}
# The slot each form asks consent in: cleared when the form stops, so that a later form asks again.
CONSENT_SLOTS = {
    "intake_form": "intake_consent",
    "callback_form": "callback_consent",
    "reminder_form": "reminder_consent",
}


def active_form(tracker: Tracker) -> str | None:
    name: Any = (tracker.active_loop or {}).get("name")  # Rasa's loop data; no key when no form is active
    return name


def stop_events(tracker: Tracker) -> list[EventType]:
    """Ends the running form: nothing it asked is kept as consent, nothing is offered any more."""
    form = active_form(tracker)
    cleared = [SlotSet(CONSENT_SLOTS[form], None)] if form in CONSENT_SLOTS else []
    return [
        ActiveLoop(None),
        SlotSet(REQUESTED_SLOT, None),
        SlotSet("form_failures", 0),
        SlotSet("switch_to", None),
        SlotSet("pending_topic", None),
        *cleared,
    ]


class ActionStopForm(SafeAction):
    def name(self) -> str:
        return "action_stop_form"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_form_stopped", **firm_values(conversation_language(tracker)))
        return stop_events(tracker)


class ActionAskDeleteConfirmation(SafeAction):
    """Erasure always wins: a running form stops first, so the next "yes" can only confirm the
    erasure, never fill the form (a consent question left open would take it)."""

    def name(self) -> str:
        return "action_ask_delete_confirmation"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        in_form = active_form(tracker) is not None
        dispatcher.utter_message(
            response="utter_confirm_delete_in_form" if in_form else "utter_confirm_delete",
            **firm_values(conversation_language(tracker)),
        )
        return [*stop_events(tracker), SlotSet("pending_topic", "delete_data")]


class ActionOfferSwitch(SafeAction):
    """A request for a flow in the middle of a form: its own flow is already running (booking
    gets the link at once); another one is offered as finish-first or stop-and-switch."""

    def name(self) -> str:
        return "action_offer_switch"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        current = active_form(tracker)
        wanted = FLOW_OF_INTENT[str(latest_intent(tracker))]
        if wanted == current:
            dispatcher.utter_message(
                response=f"utter_same_flow_{current}", **firm_values(conversation_language(tracker))
            )
            return []
        dispatcher.utter_message(
            response=f"utter_switch_{current}_to_{wanted}", **firm_values(conversation_language(tracker))
        )
        return [SlotSet("switch_to", wanted)]


class ActionContinueForm(SafeAction):
    """ "Finish this first": the form's question comes back (the form runs next)."""

    def name(self) -> str:
        return "action_continue_form"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        offered = set_in_last_turn(tracker, "switch_to")
        if offered in CONSENT_SLOTS:
            dispatcher.utter_message(response=f"utter_finish_first_{offered}")
        return [SlotSet("switch_to", None)]


class ActionSwitchFlow(SafeAction):
    """ "Stop this and do that": only right after the offer; otherwise the form simply goes on."""

    def name(self) -> str:
        return "action_switch_flow"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        wanted = set_in_last_turn(tracker, "switch_to")
        current = active_form(tracker)
        if wanted not in CONSENT_SLOTS:
            return [SlotSet("switch_to", None)] + ([FollowupAction(current)] if current else [])
        if wanted == "callback_form":
            offer_callback(dispatcher, tracker)
        return [*stop_events(tracker), FollowupAction(wanted)]
