"""Rasa glue: the website widget's socket.io channel, and the widget's files.

A replacement for Rasa's SocketIOInput (name "widget") that
- issues each browser's session id itself, signed (see WidgetSessions), and accepts
  no other: a session id that the server did not issue, such as a conversation id
  seen somewhere, gets a new conversation instead of someone else's;
- keeps each browser's conversation across reloads: the session's room is its
  conversation "widget-<id>", and a browser that comes back with its signed id gets
  the conversation's history from the tracker store (the browser stores no
  transcript; `enter_room` is awaited when python-socketio makes it a coroutine);
- sends custom payloads as {"custom": {...}} (Rasa 3.6 passes them to emit() as
  keyword arguments, which fails for ours);
- ignores malformed events, over-long messages and floods (per connection), takes at
  most MAX_CONNECTIONS_PER_ADDRESS connections and common.AddressLimits messages a
  minute from one client address;
- serves the widget (widget/static) at /webhooks/widget/static/ and a demo page at
  /webhooks/widget/demo.
WIDGET_ALLOWED_ORIGINS (comma-separated) lists the sites that may embed the widget;
by default only the server's own origin may connect. WIDGET_SESSION_SECRET signs the
session ids (every replica needs the same one); without it a secret is made once and
kept in var/widget-session-secret.
"""

import asyncio
import hashlib
import hmac
import inspect
import json
import logging
import os
import re
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.language.channel import all_channel_strings
from bot.language.words import words
from bot.rules.firm import load_firm
from components.channels.common import (
    AddressLimits,
    client_address,
    client_key,
    conversation_id,
    limit_request_size,
    screening_messages,
    server_secret,
    slow_down,
    wanted_language,
)
from components.channels.fanout import WidgetFanout

logger = logging.getLogger(__name__)
WIDGET_DIR = Path(__file__).resolve().parent.parent.parent / "widget"
STATIC_FILES = {
    "widget.js": (WIDGET_DIR / "static" / "widget.js", "application/javascript"),
    "widget.css": (WIDGET_DIR / "static" / "widget.css", "text/css"),
    "socket.io.min.js": (
        WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "application/javascript",
    ),
}
# Where widget.js receives every language's words (its own, its cards', the months).
STRINGS_PLACEHOLDER = "/*CHANNEL_STRINGS*/null"
FIRM_LANGUAGE_PLACEHOLDER = '/*FIRM_LANGUAGE*/"en"'
WIDGET_SECTIONS = ("language_name", "cards.", "widget.")  # not the emails' and pages' texts


@lru_cache(maxsize=1)
def widget_script() -> bytes:
    """widget.js with the languages' tables in place (read once: the files do not change while
    the server runs). JSON is a JavaScript expression; "</" is escaped anyway, and every character
    outside ASCII too: a firm's page in another encoding would otherwise garble "Español"."""
    tables = {
        language: {
            "strings": {key: text for key, text in strings.items() if key.startswith(WIDGET_SECTIONS)},
            "months": list(words(language).months),
            "date": words(language).date_format,
        }
        for language, strings in all_channel_strings().items()
    }
    source = STATIC_FILES["widget.js"][0].read_text(encoding="utf-8")
    if source.count(STRINGS_PLACEHOLDER) != 1:
        raise RuntimeError(f"widget.js must hold {STRINGS_PLACEHOLDER} exactly once")
    if source.count(FIRM_LANGUAGE_PLACEHOLDER) != 1:
        raise RuntimeError(f"widget.js must hold {FIRM_LANGUAGE_PLACEHOLDER} exactly once")
    data = json.dumps(tables, ensure_ascii=True).replace("</", "<\\/")
    source = source.replace(FIRM_LANGUAGE_PLACEHOLDER, json.dumps(load_firm().language))
    return source.replace(STRINGS_PLACEHOLDER, data).encode("utf-8")


FLOOD_MESSAGES, FLOOD_SECONDS = 20, 10  # at most 20 messages in 10 seconds per connection
MAX_CONNECTIONS_PER_ADDRESS = 30  # an office behind one address has a few applicants, each a tab or two
HISTORY_ENTRIES = 100  # as many as the widget shows


class WidgetSessions:
    """Signed session ids: "<32 hex>.<HMAC of them>". The id is a bearer secret held by one
    browser; the conversation id it opens, "widget-<another HMAC of the key>", may be seen in
    logs, the tracker store, the staff tools or a CSV export without letting anyone in, even
    someone who also has the secret: the key cannot be had back from it."""

    SHAPE = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{32})$")

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    @classmethod
    def from_environment(cls) -> "WidgetSessions":
        return cls(server_secret())

    def _signature(self, key: str, purpose: str = "widget-session") -> str:
        return hmac.new(self.secret, f"{purpose}:{key}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        key = secrets.token_hex(16)
        return f"{key}.{self._signature(key)}"

    def conversation_of(self, session_id: Any) -> str | None:
        """The conversation a session id opens, or None if this server did not issue it."""
        found = self.SHAPE.match(session_id) if isinstance(session_id, str) else None
        if not found or not hmac.compare_digest(found.group(2), self._signature(found.group(1))):
            return None
        return conversation_id("widget", self._signature(found.group(1), "widget-conversation"))


def history_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A conversation's tracker events as the widget's history entries (widget.js, renderMessage)."""
    entries: list[dict[str, Any]] = []
    titles: dict[Any, Any] = {}  # payload -> title of the buttons last offered (as the events hold them)
    for event in events:
        if event.get("event") == "user" and isinstance(event.get("text"), str):
            entries.append({"from": "user", "text": titles.get(event["text"], event["text"])})
            titles = {}
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)]
            if event.get("text"):
                entry = {
                    "from": "bot",
                    "text": event["text"],
                    "used": True,
                    "replies": [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons],
                }
                metadata = event.get("metadata") or {}
                staff = metadata.get("staff")
                if isinstance(staff, dict) and isinstance(staff.get("label"), str):
                    entry["staff"] = {"label": staff["label"]}  # written by a person of the firm
                if isinstance(metadata.get("handoff"), str):
                    entry["handoff"] = metadata["handoff"]  # a person took over, or handed back
                entries.append(entry)
                titles = {b.get("payload"): b.get("title") for b in buttons}
            custom = data.get("custom")
            if isinstance(custom, dict) and custom.get("type") in ("deadline", "details", "sources", "contact"):
                entries.append({"from": "bot", "custom": custom})
    entries = entries[-HISTORY_ENTRIES:]
    last = entries[-1] if entries else {}
    if last.get("replies"):
        last["used"] = False  # still unanswered: its buttons work
    return entries


class WidgetOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> str:
        return "widget"

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class FannedOutWidgetOutput(WidgetOutput):
    """The widget's output from outside a turn (the live-chat route, on any replica): to the
    conversation's browsers wherever they are connected (components/channels/fanout.py)."""

    def __init__(self, fanout: WidgetFanout, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.fanout = fanout

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await self.fanout.emit(socket_id, response)


class WidgetInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        origins = [o.strip() for o in os.environ.get("WIDGET_ALLOWED_ORIGINS", "").split(",") if o.strip()]
        return cls(origins or None, WidgetSessions.from_environment())

    def __init__(self, allowed_origins: list[str] | None = None, sessions: WidgetSessions | None = None) -> None:
        self.allowed_origins = allowed_origins
        self.issued = sessions or WidgetSessions.from_environment()
        self.tracker_store: Any = None  # the agent's, once the server runs
        self.sio: AsyncServer | None = None
        self.sessions: dict[str, str] = {}  # socket id -> conversation (session) id
        self.addresses: dict[str, str] = {}  # socket id -> client address
        self.address_limits = AddressLimits.from_environment()
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self.fanout = WidgetFanout("bot_uttered")

    def get_output_channel(self) -> WidgetOutput | None:
        """For messages outside a turn (a turn's replies go to the asking socket's room directly)."""
        return FannedOutWidgetOutput(self.fanout, self.sio, "bot_uttered") if self.sio else None

    def flooding(self, sid: str) -> bool:
        now, recent = time.monotonic(), self.recent[sid]
        while recent and recent[0] < now - FLOOD_SECONDS:
            recent.popleft()
        recent.append(now)
        return len(recent) > FLOOD_MESSAGES

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        # None: same origin only (python-socketio's default); a list: those sites too.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins)
        blueprint = limit_request_size(SocketBlueprint(sio, "/socket.io", "widget_webhook", __name__))
        on_new_message = screening_messages(on_new_message)
        self.sio = sio

        @blueprint.listener("after_server_start")
        async def keep_tracker_store(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            agent = getattr(app.ctx, "agent", None)
            self.tracker_store = agent.tracker_store if agent else None
            self.fanout.start(sio, getattr(agent, "lock_store", None))

        @blueprint.listener("before_server_stop")
        async def stop_fanout(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            await self.fanout.stop()

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/static/<filename>", methods=["GET"])
        async def static(_request: Request, filename: str) -> HTTPResponse:
            if filename not in STATIC_FILES or not STATIC_FILES[filename][0].exists():
                return response.json({"error": "not found"}, status=404)
            path, content_type = STATIC_FILES[filename]
            if filename == "widget.js":
                return response.raw(
                    widget_script(),
                    content_type=f"{content_type}; charset=utf-8",
                    headers={"Cache-Control": "no-cache"},
                )
            return await response.file(path, mime_type=content_type, headers={"Cache-Control": "no-cache"})

        @blueprint.route("/demo", methods=["GET"])
        async def demo(_request: Request) -> HTTPResponse:
            return await response.file(WIDGET_DIR / "demo.html", mime_type="text/html")

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], *_auth: Any) -> bool:
            request = environ.get("sanic.request")
            address = client_address(request) if request is not None else "unknown"
            if sum(1 for a in self.addresses.values() if a == address) >= MAX_CONNECTIONS_PER_ADDRESS:
                logger.warning("Refused a widget connection: too many from one address")
                return False
            self.addresses[sid] = address
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            self.sessions.pop(sid, None)
            self.recent.pop(sid, None)
            self.addresses.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            conversation = self.issued.conversation_of(wanted)
            if conversation:
                assert isinstance(wanted, str)  # conversation_of opens a conversation for a string id only
                session_id = wanted
            else:  # new, or not issued here: a new conversation, never someone else's
                session_id = self.issued.issue()
                conversation = self.issued.conversation_of(session_id)
                assert conversation is not None  # an id issued here always opens its conversation
            # One conversation per connection: asking for another leaves the first, so one
            # socket cannot collect the replies of thousands of conversations.
            previous = self.sessions.get(sid)
            if previous and previous != session_id:
                left = sio.leave_room(sid, self.issued.conversation_of(previous))
                if inspect.isawaitable(left):
                    await left
            entered = sio.enter_room(sid, conversation)
            if inspect.isawaitable(entered):  # python-socketio >= 5.10
                await entered
            self.sessions[sid] = session_id
            if session_id == wanted:
                await sio.emit("history", await self.history(conversation), room=sid)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def handle_message(sid: str, data: Any) -> None:
            session_id = self.sessions.get(sid)
            message = data.get("message") if isinstance(data, dict) else None
            if session_id is None or not isinstance(message, str) or data.get("session_id") != session_id:
                logger.warning("Ignored a malformed widget message (connection %s)", sid)
                return
            if self.flooding(sid):
                logger.warning("Ignored a message from a flooding widget connection (%s)", sid)
                return
            if not self.address_limits.allow(self.addresses.get(sid, "unknown")):
                await sio.emit("bot_uttered", {"text": slow_down(message, data.get("language"))}, room=sid)
                return
            await on_new_message(
                UserMessage(
                    message.strip(),
                    WidgetOutput(sio, "bot_uttered"),
                    self.issued.conversation_of(session_id),
                    input_channel=self.name(),
                    metadata={
                        "client": client_key(self.issued.secret, self.addresses.get(sid, "unknown")),
                        # The widget's language (the page's or the one chosen): the conversation's until it says otherwise.
                        **wanted_language(data.get("language")),
                    },
                )
            )

        return blueprint

    async def send_to_conversation(self, conversation: str, payload: dict[str, Any]) -> bool:
        """A message from outside the conversation's turns (a person of the firm, issue 26) to
        every browser of the conversation, on whichever replica it is connected."""
        await self.fanout.emit(conversation, payload)
        return True

    async def history(self, conversation: str) -> list[dict[str, Any]]:
        """The conversation so far, for a browser that comes back; [] if it cannot be read."""
        if self.tracker_store is None:
            return []
        try:
            tracker = self.tracker_store.retrieve(conversation)
            if inspect.isawaitable(tracker):
                tracker = await tracker
        except Exception as error:  # the conversation goes on without its history
            logger.warning("Could not read a widget conversation's history: %s", type(error).__name__)
            return []
        return history_entries([event.as_dict() for event in tracker.events]) if tracker else []
