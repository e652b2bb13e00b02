"""Rasa glue: Rasa's REST channel (same URL and JSON), with the length cap of every channel.

A sender "x" talks in the conversation "rest-x": REST takes any sender it is given, so it
must not reach the conversations of the widget, Slack or Telegram. Messages per client
address are limited (common.AddressLimits): 429 beyond. The client's own `input_channel`
and `metadata` are ignored: a REST conversation is a REST conversation whatever the client
says, and Rasa would store the client's metadata with every message, whatever its size. The
metadata is the server's own: the client's key (common.client_key), for the limits on leads."""

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from components.channels.common import (
    AddressLimits,
    client_address,
    client_key,
    in_channel_conversations,
    limit_request_size,
    screening_messages,
    server_secret,
    slow_down,
)


def message_text(request: Request) -> str | None:
    """The message of a REST request, if its body is the JSON Rasa expects (to answer in its language)."""
    try:
        body = request.json
    except Exception:  # any body at all may come; it is only a hint
        return None
    said = body.get("message") if isinstance(body, dict) else None
    return said if isinstance(said, str) else None


class FirmRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps /webhooks/rest/webhook

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return {"client": client_key(self.secret, client_address(request))}  # set here, never by the client

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self.secret = server_secret()  # refused at start when too short
        on_new_message = screening_messages(in_channel_conversations("rest", on_new_message))
        blueprint = limit_request_size(super().blueprint(on_new_message))
        limits = AddressLimits.from_environment()

        @blueprint.middleware("request")
        async def per_address(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and not limits.allow(client_address(request)):
                return response.json(
                    {"error": slow_down(message_text(request))}, status=429, headers={"Retry-After": "60"}
                )
            return None

        return blueprint
