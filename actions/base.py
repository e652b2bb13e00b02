"""What every action shares: an unexpected error becomes a polite reply, never silence, and
the action's work runs off the event loop (it may wait for the database), so one slow
database call never holds up the other conversations."""

import abc
import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.leads import retry_pending_lead
from actions.resources import firm_values
from actions.turns import conversation_language

logger = logging.getLogger(__name__)


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


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
        events = retry_pending_lead(dispatcher, tracker)
        return events + self.respond(dispatcher, tracker, domain)

    @abc.abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The action's work; events to return."""
