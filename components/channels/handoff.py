"""Rasa glue: the route through which a person of the firm takes over a conversation, speaks in it
and hands it back (issue 26, docs/handoff-plan.md). Only the staff dashboard calls it, with the
shared secret (bot.backoffice.handoffs.handoff_secret); the dashboard's database decides who
holds a conversation, this route only changes the conversation itself:

    POST /webhooks/handoff/take  {"conversation_id", "staff": {"id", "name", "role"}}
    POST /webhooks/handoff/say   {"conversation_id", "staff", "text"}
    POST /webhooks/handoff/end   {"conversation_id", "how": returned|closed|abandoned|expired, "staff"?,
                                  "since"?: when the applicant asked for a person, epoch seconds}

A take-over appends Rasa's own `pause` event, after which the assistant logs the applicant's
messages without answering them; `end` appends `resume`. Every change is made under the
conversation's lock (Rasa's lock store, shared by the replicas), as a turn is: a message that
arrives while a take-over starts is either answered before the pause or kept unanswered after
it, never lost or answered twice. Staff messages are BotUttered events with `metadata.staff`,
so the transcript, erasure and retention cover them as every bot message. They reach the
applicant in their channel (the widget's room on any replica, Telegram, Slack); a REST
conversation has nowhere to push to and keeps them in the transcript only.
"""

import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backoffice.handoffs import handoff_secret
from bot.backoffice.notify import slack_escaped
from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.language.channel import channel_text
from bot.rules.firm import load_firm
from components.channels.common import MAX_MESSAGE_CHARS, RepliesTo, conversation_id

logger = logging.getLogger(__name__)
ENDINGS = ("returned", "closed", "abandoned", "expired")
# The intent the assistant is given when nobody took a request for a person in time: its
# rule says so to the applicant and offers the callback request (data/rules/rules.yml).
UNANSWERED_INTENT = "EXTERNAL_handoff_unanswered"
MAX_NAME_CHARS = 100


class BadRequest(ValueError):
    """The dashboard sent something this route cannot act on (400)."""


def _staff(body: dict[str, Any], required: bool = True) -> dict[str, Any] | None:
    staff = body.get("staff")
    if staff is None and not required:
        return None
    if not isinstance(staff, dict) or not isinstance(staff.get("id"), int):
        raise BadRequest("staff must be {id, name, role}")
    name, role = staff.get("name"), staff.get("role")
    if not isinstance(name, str) or not isinstance(role, str):
        raise BadRequest("staff name and role must be texts")
    name, role = " ".join(name.split()), " ".join(role.split())
    if not (0 < len(name) <= MAX_NAME_CHARS and 0 < len(role) <= MAX_NAME_CHARS):
        raise BadRequest("staff name and role must be short texts")
    return {"id": staff["id"], "name": name, "role": role}


def _language(tracker: DialogueStateTracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else load_firm().language or DEFAULT_LANGUAGE


class HandoffInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "handoff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(handoff_secret())

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("handoff_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/<verb>", methods=["POST"])
        async def act(request: Request, verb: str) -> HTTPResponse:
            given = request.headers.get("X-Handoff-Secret", "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                logger.warning("Refused a handoff request without the right secret")
                return response.json({"error": "forbidden"}, status=403)
            if verb not in ("take", "say", "end"):
                return response.json({"error": "no such action"}, status=404)
            try:
                body = request.json
            except Exception:
                body = None
            try:
                if not isinstance(body, dict) or not isinstance(body.get("conversation_id"), str):
                    raise BadRequest("expected a JSON object with conversation_id")
                return await Handoff(request.app, body["conversation_id"]).do(verb, body)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)

        return blueprint


class Handoff:
    """One request's work on one conversation."""

    def __init__(self, app: Sanic, conversation_id: str) -> None:
        self.app, self.conversation_id = app, conversation_id
        self.agent = app.ctx.agent

    async def do(self, verb: str, body: dict[str, Any]) -> HTTPResponse:
        since: float | None = None
        if verb == "take":
            staff = _staff(body)
        elif verb == "say":
            staff = _staff(body)
            text = body.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
                raise BadRequest(f"text must hold 1 to {MAX_MESSAGE_CHARS} characters")
        else:
            staff = _staff(body, required=False)
            if body.get("how") not in ENDINGS:
                raise BadRequest(f"how must be one of {', '.join(ENDINGS)}")
            if body.get("since") is not None:
                since = body["since"]
                if isinstance(since, bool) or not isinstance(since, (int, float)) or not math.isfinite(since):
                    raise BadRequest("since must be a time in epoch seconds")
        async with self.agent.lock_store.lock(self.conversation_id):
            tracker = await self.agent.tracker_store.retrieve(self.conversation_id)
            if tracker is None or not tracker.events:
                return response.json({"error": "no such conversation"}, status=404)
            if verb == "take":
                return await self.take(tracker, staff or {})
            if verb == "say":
                if not tracker.is_paused():
                    return response.json({"error": "nobody holds this conversation"}, status=409)
                text = str(body["text"]).strip()
                label = self.staff_label(tracker, staff or {})
                event = BotUttered(text, metadata={"staff": {**(staff or {}), "label": label}})
                return await self.record_and_send(tracker, [event], text, label)
            return await self.end(tracker, body["how"], staff, since)

    def staff_label(self, tracker: DialogueStateTracker, staff: dict[str, Any]) -> str:
        """Who wrote a staff message, as the applicant sees it above the message."""
        return channel_text(
            _language(tracker), "widget.staff_label", name=staff["name"], role=staff["role"], firm=load_firm().name
        )

    def _firm_note(self, tracker: DialogueStateTracker, key: str, staff: dict[str, Any] | None) -> str:
        names = {"name": staff["name"], "role": staff["role"]} if staff else {"name": "", "role": ""}
        return channel_text(_language(tracker), f"handoff.{key}", firm=load_firm().name, **names)

    async def take(self, tracker: DialogueStateTracker, staff: dict[str, Any]) -> HTTPResponse:
        note = self._firm_note(tracker, "taken", staff)
        events: list[Event] = [BotUttered(note, metadata={"handoff": "taken", "staff": staff})]
        if not tracker.is_paused():  # paused already: taken again after a release; who it is now still told
            events.insert(0, ConversationPaused())
        return await self.record_and_send(tracker, events, note, None, "taken")

    async def end(
        self, tracker: DialogueStateTracker, how: str, staff: dict[str, Any] | None, since: float | None = None
    ) -> HTTPResponse:
        if how == "expired":
            # Nobody took it: the assistant says so and offers the callback, as a turn of its own.
            # Paused all the same (a take-over whose answer the dashboard never saw, then released):
            # the assistant must not stay silent with nobody holding the conversation.
            resumed = tracker.is_paused()
            if resumed:
                tracker.update(ConversationResumed())
            if since is not None and any(
                isinstance(event, UserUttered) and event.intent_name == UNANSWERED_INTENT and event.timestamp >= since
                for event in tracker.events
            ):
                # Said already for this request (the dashboard did not see the answer in time and
                # asked again): the apology and the callback offer run once.
                if resumed:
                    await self.agent.tracker_store.save(tracker)
                return response.json({"status": "ok", "delivered": True})
            output = self.output_channel(tracker)
            await self.agent.processor.trigger_external_user_uttered(
                UNANSWERED_INTENT, None, tracker, output or _Nowhere()
            )
            return response.json({"status": "ok", "delivered": output is not None})
        if not tracker.is_paused():  # ended already: the note went out once
            return response.json({"status": "ok", "delivered": True})
        # A hand-back or close names its holder; without one (an account deleted since), the
        # note that does not need a name.
        note = self._firm_note(tracker, how if staff or how == "abandoned" else "abandoned", staff)
        events = [BotUttered(note, metadata={"handoff": how}), ConversationResumed()]
        return await self.record_and_send(tracker, events, note, None, how)

    async def record_and_send(
        self, tracker: DialogueStateTracker, events: list[Event], text: str, label: str | None, kind: str | None = None
    ) -> HTTPResponse:
        for event in events:
            tracker.update(event)
        await self.agent.tracker_store.save(tracker)
        try:
            delivered = await self.send(tracker, text, label, kind)
        except Exception as error:  # stored; the dashboard tells the staff member it may not have arrived
            logger.warning("A handoff message could not reach its channel: %s", type(error).__name__)
            return response.json({"error": "the applicant's channel did not take the message"}, status=502)
        return response.json({"status": "ok", "delivered": delivered})

    def _input_channel(self, name: str) -> Any:
        for channel in getattr(self.app.ctx, "input_channels", None) or []:
            if channel.name() == name:
                return channel
        return None

    def output_channel(self, tracker: DialogueStateTracker) -> OutputChannel | None:
        """Where the assistant's own answers to this conversation go, outside a turn."""
        channel = self.conversation_id.split("-", 1)[0]
        found = self._input_channel(channel)
        if found is None:
            return None
        if channel == "slack":
            metadata = (tracker.latest_message.metadata if tracker.latest_message else None) or {}
            platform = found.get_output_channel(metadata.get("out_channel"), metadata.get("thread_id"))
        elif channel == "telegram":
            platform = found.get_output_channel()
        elif channel == "widget":
            return found.get_output_channel()  # its rooms are named by conversation id
        else:
            return None  # REST: answers go back in the HTTP response only
        # The assistant addresses the conversation id; the platform wants its own chat id.
        return RepliesTo(platform, conversation_id(channel, ""))

    async def send(self, tracker: DialogueStateTracker, text: str, label: str | None, kind: str | None) -> bool:
        """Sends a staff message (under who wrote it) or a note to the applicant; False when their
        channel cannot receive pushes (REST) or is not configured on this server."""
        channel = self.conversation_id.split("-", 1)[0]
        found = self._input_channel(channel)
        if found is None:
            return False
        if channel == "widget" and hasattr(found, "send_to_conversation"):
            payload: dict[str, Any] = {"text": text}
            if label:
                payload["staff"] = {"label": label}
            if kind:
                payload["handoff"] = kind
            return bool(await found.send_to_conversation(self.conversation_id, payload))
        output = self.output_channel(tracker)
        if output is None:
            return False
        recipient = self.conversation_id
        if channel == "slack":
            message = slack_escaped(text) if not label else f"*{slack_escaped(label)}*\n{slack_escaped(text)}"
            await output.send_response(recipient, {"text": message})
        else:  # Telegram: plain text (no parse_mode), shown as written
            await output.send_response(recipient, {"text": f"{label}:\n{text}" if label else text})
        return True


class _Nowhere(OutputChannel):
    """For a conversation whose channel cannot receive pushes: the turn is stored, nothing sent."""

    @classmethod
    def name(cls) -> str:
        return "nowhere"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        return None
