"""Rasa glue: the website widget's socket.io channel, and the widget's files.

A replacement for Rasa's SocketIOInput (name "widget") that
- keeps each browser's conversation across reloads (the browser's session id is
  its room; `enter_room` is awaited when python-socketio makes it a coroutine);
- sends custom payloads as {"custom": {...}} (Rasa 3.6 passes them to emit() as
  keyword arguments, which fails for ours);
- ignores malformed events, over-long messages and floods (per connection);
- serves the widget (widget/static) at /webhooks/widget/static/ and a demo page at
  /webhooks/widget/demo.
WIDGET_ALLOWED_ORIGINS (comma-separated) lists the sites that may embed the widget;
by default only the server's own origin may connect.
"""
import inspect
import logging
import os
import re
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import response
from socketio import AsyncServer

from components.channels.common import limit_request_size, refusing_long_messages

logger = logging.getLogger(__name__)
WIDGET_DIR = Path(__file__).resolve().parent.parent.parent / "widget"
STATIC_FILES = {
    "widget.js": (WIDGET_DIR / "static" / "widget.js", "application/javascript"),
    "widget.css": (WIDGET_DIR / "static" / "widget.css", "text/css"),
    "socket.io.min.js": (WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
                         "application/javascript"),
}
SESSION_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
FLOOD_MESSAGES, FLOOD_SECONDS = 20, 10  # at most 20 messages in 10 seconds per connection


class WidgetOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> Text:
        return "widget"

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WidgetInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        origins = [o.strip() for o in os.environ.get("WIDGET_ALLOWED_ORIGINS", "").split(",") if o.strip()]
        return cls(origins or None)

    def __init__(self, allowed_origins=None) -> None:
        self.allowed_origins = allowed_origins
        self.sio: Optional[AsyncServer] = None
        self.sessions: Dict[Text, Text] = {}  # socket id -> conversation (session) id
        self.recent: Dict[Text, Deque[float]] = defaultdict(deque)

    def get_output_channel(self) -> Optional[WidgetOutput]:
        return WidgetOutput(self.sio, "bot_uttered") if self.sio else None

    def flooding(self, sid: Text) -> bool:
        now, recent = time.monotonic(), self.recent[sid]
        while recent and recent[0] < now - FLOOD_SECONDS:
            recent.popleft()
        recent.append(now)
        return len(recent) > FLOOD_MESSAGES

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        # None: same origin only (python-socketio's default); a list: those sites too.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins)
        blueprint = limit_request_size(SocketBlueprint(sio, "/socket.io", "widget_webhook", __name__))
        on_new_message = refusing_long_messages(on_new_message)
        self.sio = sio

        @blueprint.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @blueprint.route("/static/<filename>", methods=["GET"])
        async def static(_request, filename: str):
            if filename not in STATIC_FILES or not STATIC_FILES[filename][0].exists():
                return response.json({"error": "not found"}, status=404)
            path, content_type = STATIC_FILES[filename]
            return await response.file(path, mime_type=content_type, headers={"Cache-Control": "no-cache"})

        @blueprint.route("/demo", methods=["GET"])
        async def demo(_request):
            return await response.file(WIDGET_DIR / "demo.html", mime_type="text/html")

        @sio.on("disconnect")
        async def disconnect(sid: Text) -> None:
            self.sessions.pop(sid, None)
            self.recent.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            session_id = wanted if isinstance(wanted, str) and SESSION_ID.match(wanted) else uuid.uuid4().hex
            # One conversation per connection: asking for another leaves the first, so one
            # socket cannot collect the replies of thousands of conversations.
            previous = self.sessions.get(sid)
            if previous and previous != session_id:
                left = sio.leave_room(sid, previous)
                if inspect.isawaitable(left):
                    await left
            entered = sio.enter_room(sid, session_id)
            if inspect.isawaitable(entered):  # python-socketio >= 5.10
                await entered
            self.sessions[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def handle_message(sid: Text, data: Any) -> None:
            session_id = self.sessions.get(sid)
            message = data.get("message") if isinstance(data, dict) else None
            if session_id is None or not isinstance(message, str) or data.get("session_id") != session_id:
                logger.warning("Ignored a malformed widget message (connection %s)", sid)
                return
            if self.flooding(sid):
                logger.warning("Ignored a message from a flooding widget connection (%s)", sid)
                return
            await on_new_message(UserMessage(message.strip(), WidgetOutput(sio, "bot_uttered"),
                                             session_id, input_channel=self.name()))

        return blueprint
