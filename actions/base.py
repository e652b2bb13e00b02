"""What every action shares: an unexpected error becomes a polite reply, never silence."""
import abc
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.engine import firm_values
from actions.leads import retry_pending_lead

logger = logging.getLogger(__name__)


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


class SafeAction(Action, metaclass=abc.ABCMeta):
    """Abstract, so the action server does not register it as an action of its own."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            events = retry_pending_lead(dispatcher, tracker)
            return events + self.respond(dispatcher, tracker, domain)
        except Exception:
            # Logged without the tracker: messages may hold personal data.
            logger.exception("Action %s failed", self.name())
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_something_went_wrong", **firm_values())
            return []

    @abc.abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """The action's work; events to return."""
