"""What every action shares: an unexpected error becomes a polite reply, never silence, and
the action's work runs off the event loop (it may wait for the database), so one slow
database call never holds up the other conversations."""

import abc
import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.leads import retry_pending_lead
from actions.resources import firm_values
from actions.turns import conversation_language
from bot.language import DEFAULT_LANGUAGE

logger = logging.getLogger(__name__)


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def disclaimer_in_new_language(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """The disclaimer once more when the conversation has changed language since it was shown
    (a Spanish first message in a conversation the channel opened in English)."""
    language = conversation_language(tracker)
    if language == (tracker.get_slot("disclaimer_language") or DEFAULT_LANGUAGE):
        return []
    dispatcher.utter_message(response="utter_disclaimer", **firm_values(language))
    return [SlotSet("disclaimer_language", language)]


class SafeAction(Action, metaclass=abc.ABCMeta):
    """Abstract, so the action server does not register it as an action of its own."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            return await asyncio.to_thread(self._work, dispatcher, tracker, domain)
        except Exception:
            # Logged without the tracker: messages may hold personal data.
            logger.exception("Action %s failed", self.name())
            dispatcher.messages.clear()
            dispatcher.utter_message(
                response="utter_something_went_wrong", **firm_values(conversation_language(tracker))
            )
            return []

    def _work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        events = disclaimer_in_new_language(dispatcher, tracker) + retry_pending_lead(dispatcher, tracker)
        return events + self.respond(dispatcher, tracker, domain)

    @abc.abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The action's work; events to return."""
