"""What the Slack and Telegram channels share: remembering events already answered, and
standing in for a channel whose credentials are not set."""
import time
from collections import OrderedDict
from typing import Text

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response

EVENT_MEMORY_SECONDS = 3600  # platforms retry within minutes; keep ids for an hour
EVENT_MEMORY_SIZE = 10_000


class SeenEvents:
    """Event ids seen recently, in this process. (Several replicas need a shared store.)"""

    def __init__(self) -> None:
        self.seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        now = time.monotonic()
        while self.seen and (len(self.seen) > EVENT_MEMORY_SIZE or next(iter(self.seen.values())) < now - EVENT_MEMORY_SECONDS):
            self.seen.popitem(last=False)
        if event_id in self.seen:
            return False
        self.seen[event_id] = now
        return True


class NotConfigured(InputChannel):
    """Stands in for a channel whose credentials are not set: it answers 503 and does nothing."""

    def __init__(self, channel_name: str) -> None:
        self.channel_name = channel_name

    def name(self) -> Text:  # type: ignore[override]
        return self.channel_name

    def blueprint(self, on_new_message) -> Blueprint:
        blueprint = Blueprint(f"{self.channel_name}_not_configured", __name__)

        @blueprint.route("/webhook", methods=["GET", "POST"])
        async def webhook(_request):
            return response.json({"error": f"the {self.channel_name} channel is not configured"}, status=503)

        return blueprint
