"""What the channels share: conversation ids that carry their channel, screening messages
before NLU (over-long ones refused, a typed "/" read as text), remembering events already
answered, and standing in for a channel whose credentials are not set."""

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backoffice import log_privacy
from bot.backoffice.addresses import client_group
from bot.backoffice.kept_secret import VAR, kept_secret
from bot.language import LANGUAGES
from bot.language.channel import channel_text
from bot.language.detect import detect
from bot.rules.intents import domain_intents

logger = logging.getLogger(__name__)

# A button's payload: "/affirm" or '/switch_flow{"switch_to": "intake"}'.
PAYLOAD = re.compile(r"/(?P<intent>\w+)(?P<entities>\{.*\})?", re.S)

# The NLU's work grows with a message's length, so one huge message slows every
# conversation on the server. Real questions, even long stories, fit.
MAX_MESSAGE_CHARS = 2000
# Sanic's own default is 100 MB; a 1 MB message still gets the polite answer (too_long).
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def reply_language(text: str | None, hint: Any = None) -> str | None:
    """The language of a reply the channel writes itself, before (or without) the assistant: the
    client's hint (the widget's language, Telegram's language_code), else the message's own
    language when it tells, else English."""
    if isinstance(hint, str) and hint[:2].lower() in LANGUAGES:
        return hint[:2].lower()
    found = detect(text) if text else None
    return found.language if found else None


def wanted_language(hint: Any) -> dict[str, str]:
    """A client's language hint as message metadata ({"language": "es"}), if it is one we speak."""
    if isinstance(hint, str) and hint[:2].lower() in LANGUAGES:
        return {"language": hint[:2].lower()}
    return {}


def too_long(text: str | None, hint: Any = None) -> str:
    """The request to shorten a message over MAX_MESSAGE_CHARS."""
    return channel_text(reply_language(text, hint), "messages.too_long")


def slow_down(text: str | None, hint: Any = None) -> str:
    """The request to wait, to a client over its messages a minute."""
    return channel_text(reply_language(text, hint), "messages.slow_down")


def conversation_id(channel: str, raw_id: str) -> str:
    """The conversation (tracker) id of a channel's own user or chat id. The prefix keeps
    channels apart: a REST sender "12345" or "telegram-12345" can never address the
    Telegram chat 12345, whose conversation is "telegram-12345" and reachable only by
    Telegram's signed updates."""
    return f"{channel}-{raw_id}"


class RepliesTo(OutputChannel):
    """An output channel as its platform knows it: Rasa addresses replies to the
    conversation id, the platform wants its own id (a Slack channel, a Telegram chat)."""

    def __init__(self, platform: OutputChannel, prefix: str) -> None:
        super().__init__()
        self.platform, self.prefix = platform, prefix

    def name(self) -> str:
        return self.platform.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.platform.send_response(recipient_id.removeprefix(self.prefix), message)


def in_channel_conversations(
    channel: str, on_new_message: Callable[[UserMessage], Awaitable[None]]
) -> Callable[[UserMessage], Awaitable[None]]:
    """Rasa's on_new_message for a channel whose messages carry the platform's own sender
    ids: the conversation is conversation_id(channel, sender), and replies go back to the
    platform's id."""

    async def handle(message: UserMessage) -> None:
        message.output_channel = RepliesTo(message.output_channel, conversation_id(channel, ""))
        message.sender_id = conversation_id(channel, message.sender_id)
        await on_new_message(message)

    return handle


def is_button_payload(text: str) -> bool:
    match = PAYLOAD.fullmatch(text.strip())
    # EXTERNAL_ intents are given by the server itself (components/channels/handoff.py), never typed.
    if not match or match["intent"] not in domain_intents() or match["intent"].startswith("EXTERNAL_"):
        return False
    if match["entities"] is None:
        return True
    try:
        return isinstance(json.loads(match["entities"]), dict)
    except ValueError:
        return False


def as_typed(text: str | None) -> str | None:
    """What the applicant typed, as text. Rasa reads a message starting with "/" as an intent
    with arguments (skipping NLU, and warning with the whole message when it cannot parse it):
    only a button's exact payload may do that."""
    if not text or not text.lstrip().startswith("/") or is_button_payload(text):
        return text
    return text.lstrip().lstrip("/").lstrip()


def screening_messages(
    on_new_message: Callable[[UserMessage], Awaitable[None]],
) -> Callable[[UserMessage], Coroutine[Any, Any, None]]:
    """Rasa's on_new_message, except that a message over MAX_MESSAGE_CHARS is answered with a
    request to shorten it and never reaches NLU or the tracker (the conversation goes on), a
    typed "/" is text, and the message's language (when it tells) is in its metadata. Wrapping a channel's handler marks a server that takes applicants'
    messages: warnings show their category and place only from here on."""
    log_privacy.withhold_warning_messages()

    async def handle(message: UserMessage) -> None:
        if message.text and len(message.text) > MAX_MESSAGE_CHARS:
            logger.info("Refused a message of %d characters on %s", len(message.text), message.input_channel)
            hint = (message.metadata or {}).get("language")
            await message.output_channel.send_response(message.sender_id, {"text": too_long(message.text, hint)})
            return
        message.text = as_typed(message.text)
        # A message that tells its language is the best hint for a conversation it opens: the
        # disclaimer comes before the message is understood (actions/conversation.py).
        told = detect(message.text).language if message.text else None
        if told:
            message.metadata = {**(message.metadata or {}), "language": told}
        await on_new_message(message)

    return handle


def limit_request_size(blueprint: Blueprint) -> Blueprint:
    """Caps the size of every request to the Rasa server (413 above it)."""

    @blueprint.listener("before_server_start")
    async def cap(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)

    return blueprint


# Channels anyone can reach (REST, the widget) take at most this many messages a minute
# from one client address, all its connections together; 0 turns the limit off (make
# bench-load, whose simulated applicants share one address). Behind a proxy, set
# SANIC_PROXIES_COUNT=1 so that the address is the client's, not the proxy's.
DEFAULT_MESSAGES_PER_ADDRESS = 120


class AddressLimits:
    """Messages per client address in the last minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.recent: dict[str, deque[float]] = defaultdict(deque)

    @classmethod
    def from_environment(cls) -> "AddressLimits":
        return cls(int(os.environ.get("MESSAGES_PER_ADDRESS_PER_MINUTE", DEFAULT_MESSAGES_PER_ADDRESS)))

    def allow(self, address: str) -> bool:
        if self.per_minute <= 0:
            return True
        address = client_group(address)
        now = time.monotonic()
        if len(self.recent) > 100_000:  # forget idle addresses now and then
            for idle in [a for a, times in self.recent.items() if not times or times[-1] < now - 60]:
                del self.recent[idle]
        times = self.recent[address]
        while times and times[0] < now - 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        return True


def client_address(request: Any) -> str:
    """The client's address: from the proxy's forwarding headers when SANIC_PROXIES_COUNT says there is one."""
    return request.remote_addr or request.ip


def client_key(secret: bytes, address: str) -> str:
    """The client as stored with its messages and leads (to cap leads per client): the same for
    one client group, and not its address, which is personal data. `secret`: server_secret(),
    read once by each channel."""
    return hmac.new(secret, f"client:{client_group(address)}".encode(), hashlib.sha256).hexdigest()[:24]


SECRET_FILE = VAR / "widget-session-secret"
MIN_SECRET_CHARS = 32


def server_secret() -> bytes:
    """The deployment's secret: WIDGET_SESSION_SECRET, which every replica shares, or one made
    once in var/ (make run). It signs the widget's session ids and keys client addresses."""
    configured = os.environ.get("WIDGET_SESSION_SECRET", "")
    secret = configured.encode() if configured else kept_secret(SECRET_FILE)
    if len(secret) < MIN_SECRET_CHARS:
        where = "WIDGET_SESSION_SECRET" if configured else str(SECRET_FILE)
        raise ValueError(f"{where} must hold a secret of at least {MIN_SECRET_CHARS} characters")
    return secret


EVENT_MEMORY_SECONDS = 3600  # platforms retry within minutes; keep ids for an hour
EVENT_MEMORY_SIZE = 10_000


class SeenEvents:
    """Event ids answered recently: in Redis when Rasa's lock store is Redis (several replicas
    share it, so a platform's retry to another replica is not answered again), else in this
    process. While Redis fails, this process's memory stands in: better a rare second reply
    than none."""

    def __init__(self) -> None:
        self.seen: OrderedDict[str, float] = OrderedDict()
        self.redis: Any = None
        self.key_prefix = ""

    def share_through(self, lock_store: Any) -> None:
        from rasa.core.lock_store import RedisLockStore

        if isinstance(lock_store, RedisLockStore):
            self.redis, self.key_prefix = lock_store.red, f"{lock_store.key_prefix}answered_event:"

    async def first_time(self, event_id: str) -> bool:
        if self.redis is not None:
            try:
                return bool(
                    await asyncio.to_thread(
                        self.redis.set, self.key_prefix + event_id, 1, nx=True, ex=EVENT_MEMORY_SECONDS
                    )
                )
            except Exception as error:  # redis.RedisError, OSError
                logger.warning("Remembering an event in Redis failed (%s); remembered here only", type(error).__name__)
        return self._first_time_here(event_id)

    def _first_time_here(self, event_id: str) -> bool:
        now = time.monotonic()
        while self.seen and (
            len(self.seen) > EVENT_MEMORY_SIZE or next(iter(self.seen.values())) < now - EVENT_MEMORY_SECONDS
        ):
            self.seen.popitem(last=False)
        if event_id in self.seen:
            return False
        self.seen[event_id] = now
        return True

    def blueprint_listener(self, blueprint: Blueprint) -> Blueprint:
        """Shares the memory through the server's lock store once the agent is loaded."""

        @blueprint.listener("after_server_start")
        async def share(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            agent = getattr(app.ctx, "agent", None)
            self.share_through(getattr(agent, "lock_store", None))

        return blueprint


class NotConfigured(InputChannel):
    """Stands in for a channel whose credentials are not set: it answers 503 and does nothing."""

    def __init__(self, channel_name: str) -> None:
        self.channel_name = channel_name

    def name(self) -> str:
        return self.channel_name

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint(f"{self.channel_name}_not_configured", __name__)

        @blueprint.route("/webhook", methods=["GET", "POST"])
        async def webhook(_request: Request) -> HTTPResponse:
            return response.json({"error": f"the {self.channel_name} channel is not configured"}, status=503)

        return blueprint
