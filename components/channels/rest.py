"""Rasa glue: Rasa's REST channel (same URL and JSON), with the length cap of every channel."""
from typing import Text

from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from components.channels.common import limit_request_size, refusing_long_messages


class FirmRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"  # keeps /webhooks/rest/webhook

    def blueprint(self, on_new_message) -> Blueprint:
        return limit_request_size(super().blueprint(refusing_long_messages(on_new_message)))
