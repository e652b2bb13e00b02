"""Rasa glue: Slack, configured from the environment, with retries answered once.

Rasa's SlackInput verifies every request's signature (HMAC with the signing
secret, 5-minute replay window); this subclass keeps that and adds:
- configuration from SLACK_TOKEN, SLACK_SIGNING_SECRET, SLACK_CHANNEL (optional)
  and SLACK_API_URL (tests point it at a local stand-in of Slack's Web API);
  without a token and secret the channel answers 503 and does nothing;
- deduplication by Slack's event_id, so an event Slack retries (for any reason, to
  any replica) gets one reply;
- the deadline, details and sources payloads rendered as Slack blocks (details as
  small grey context text, see cards.slack_details_messages); other custom payloads
  go to Rasa's SlackBot as before;
- conversations named "slack-<user id>", which no other channel can address.
"""

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request

from components.channels.cards import (
    deadline_lines,
    slack_blocks,
    slack_contact,
    slack_details_messages,
    slack_sources,
)
from components.channels.common import (
    NotConfigured,
    SeenEvents,
    in_channel_conversations,
    limit_request_size,
    screening_messages,
)

logger = logging.getLogger(__name__)


class FirmSlackBot(SlackBot):
    def __init__(self, token: str, slack_channel: str | None, thread_id: str | None, api_url: str) -> None:
        super().__init__(token, slack_channel, thread_id)
        self.client.base_url = api_url

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        kind = json_message.get("type")
        if kind == "deadline":
            await self._post_message(
                channel=recipient,
                as_user=True,
                blocks=slack_blocks(json_message),
                text=deadline_lines(json_message)[0],
            )
        elif kind == "details":
            for message in slack_details_messages(json_message):
                await self._post_message(
                    channel=recipient, as_user=True, unfurl_links=False, unfurl_media=False, **message
                )
        elif kind == "sources":
            await self._post_message(
                channel=recipient, as_user=True, text=slack_sources(json_message), unfurl_links=False
            )
        elif kind == "contact":
            await self._post_message(channel=recipient, as_user=True, unfurl_links=False, **slack_contact(json_message))
        else:
            await super().send_custom_json(recipient_id, json_message, **kwargs)


class FirmSlackInput(SlackInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token, secret = os.environ.get("SLACK_TOKEN"), os.environ.get("SLACK_SIGNING_SECRET")
        if not (token and secret):
            return NotConfigured("slack")
        channel = cls(
            token,
            os.environ.get("SLACK_CHANNEL") or None,
            slack_signing_secret=secret,
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
        )
        channel.api_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
        channel.seen_events = SeenEvents()
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = screening_messages(in_channel_conversations("slack", on_new_message))
        return self.seen_events.blueprint_listener(limit_request_size(super().blueprint(on_new_message)))

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        event_id = (request.json or {}).get("event_id") if request.content_type == "application/json" else None
        if event_id and not await self.seen_events.first_time(f"slack:{event_id}"):
            logger.info("Ignored Slack's repeat of event %s", event_id)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return FirmSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.api_url)
