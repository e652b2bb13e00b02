"""The conversation around the answers: the disclaimer, fallbacks and the firm's contacts."""
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from sqlalchemy.exc import SQLAlchemyError
from rasa_sdk.executor import CollectingDispatcher

from actions.base import SafeAction, latest_intent
from actions.engine import FIRM, firm_values
from actions.storage import intake_store
from bot.models import utcnow

RESPONSE_BY_INTENT = {
    "bot_challenge": "utter_bot_challenge",
    "out_of_scope": "utter_out_of_scope",
}


class ActionSessionStart(Action):
    """Every conversation opens with the disclaimer, before the first answer."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_disclaimer", **firm_values())
        return [SessionStarted(), ActionExecuted("action_listen")]


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """First ask to rephrase; the second time in a row, offer the attorney."""
    if not tracker.get_slot("fallback_count"):
        dispatcher.utter_message(response="utter_ask_rephrase")
        return [SlotSet("fallback_count", 1)]
    dispatcher.utter_message(response="utter_offer_attorney", **firm_values())
    return [SlotSet("fallback_count", 0), SlotSet("pending_topic", "attorney_offer")]


class ActionFallback(SafeAction):
    """Low NLU confidence."""

    def name(self) -> str:
        return "action_fallback"

    def respond(self, dispatcher, tracker, domain):
        return not_understood(dispatcher, tracker)


class ActionFirmResponse(SafeAction):
    """Replies that speak for the firm: its name, contacts and booking link come from firm.yml."""

    def name(self) -> str:
        return "action_firm_response"

    def respond(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response=RESPONSE_BY_INTENT[latest_intent(tracker)], **firm_values())
        return [SlotSet("pending_topic", None)] if tracker.get_slot("pending_topic") else []


class ActionAskDeleteConfirmation(SafeAction):
    def name(self) -> str:
        return "action_ask_delete_confirmation"

    def respond(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_confirm_delete", **firm_values())
        return [SlotSet("pending_topic", "delete_data")]


def erase_conversation(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    """Deletes the conversation's leads and reminders; the tracker store then deletes its history."""
    try:
        removed = intake_store().erase_conversation(tracker.sender_id)
    except SQLAlchemyError:
        dispatcher.utter_message(response="utter_delete_failed", **firm_values())
        return []
    dispatcher.utter_message(response="utter_deleted", **removed)
    return [SlotSet("erase_conversation", True)]


def cancel_erasure(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    dispatcher.utter_message(response="utter_delete_cancelled")
    return []


class ActionOfferCallback(SafeAction):
    """No one pretends to type: the applicant is told it's a bot and offered a callback."""

    def name(self) -> str:
        return "action_offer_callback"

    def respond(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_human", **firm_values())
        opening = FIRM.next_opening(utcnow())
        if opening is None:
            dispatcher.utter_message(response="utter_callback_open", **firm_values())
        else:
            dispatcher.utter_message(response="utter_callback_closed", next_opening=FIRM.describe_opening(opening),
                                     **firm_values())
        return []
