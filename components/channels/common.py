"""What the channels share: refusing over-long messages before NLU, remembering events
already answered, and standing in for a channel whose credentials are not set."""
import logging
import time
from collections import OrderedDict
from typing import Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response

logger = logging.getLogger(__name__)

# DIET's attention grows with the square of a message's length, so one huge message
# slows every conversation on the server. Real questions, even long stories, fit.
MAX_MESSAGE_CHARS = 2000
TOO_LONG = ("Your message is too long for me (more than 2,000 characters). Please send a shorter one: "
            "your question, your visa type and the dates that matter. I'm still here.")
# Sanic's own default is 100 MB; a 1 MB message still gets the polite answer above.
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def refusing_long_messages(on_new_message: Callable[[UserMessage], Awaitable[None]]
                           ) -> Callable[[UserMessage], Awaitable[None]]:
    """Rasa's on_new_message, except that a message over MAX_MESSAGE_CHARS is answered with a
    request to shorten it and never reaches NLU or the tracker; the conversation goes on."""
    async def handle(message: UserMessage) -> None:
        if message.text and len(message.text) > MAX_MESSAGE_CHARS:
            logger.info("Refused a message of %d characters on %s", len(message.text), message.input_channel)
            await message.output_channel.send_text_message(message.sender_id, TOO_LONG)
            return
        await on_new_message(message)

    return handle


def limit_request_size(blueprint: Blueprint) -> Blueprint:
    """Caps the size of every request to the Rasa server (413 above it)."""
    @blueprint.listener("before_server_start")
    async def cap(app, _loop) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)

    return blueprint


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
