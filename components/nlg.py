"""Rasa glue: responses in the conversation's language.

The domain holds the English responses; bot/language/<code>/responses.yml holds each other
language's, by the same names. This generator adds them to the domain's as variations on
the condition that the `language` slot has that code, so Rasa picks them wherever it picks a
response: in rules and stories, in forms' questions and in custom actions' `response=`.
An action may name the language of one response (`language="es"`) instead.
Named in every endpoints file (`nlg: type: components.nlg.LocalizedResponses`).
"""

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.language import LANGUAGES, translated_responses

LANGUAGE_SLOT = "language"


def localized(responses: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The domain's responses with each language's variations added under its condition."""
    merged = {name: list(variations) for name, variations in responses.items()}
    for language in LANGUAGES:
        condition = [{"type": "slot", "name": LANGUAGE_SLOT, "value": language}]
        for name, variations in translated_responses(language).items():
            if name in merged:  # a response the domain no longer has is ignored (a test names it)
                merged[name] += [{**variation, "condition": condition} for variation in variations]
    return merged


class LocalizedResponses(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    # Rasa's Agent sets `responses` again once the model's domain is loaded (rasa/core/agent.py,
    # load_model): each time they are set, the other languages' variations are added.
    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, value: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = localized(value)

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """As Rasa's, except that an action may name the language (`language=` with the response):
        the one starting a conversation speaks before the slot is set."""
        if kwargs.get(LANGUAGE_SLOT) in LANGUAGES:
            filled_slots = {**filled_slots, LANGUAGE_SLOT: kwargs[LANGUAGE_SLOT]}
        return super().generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
