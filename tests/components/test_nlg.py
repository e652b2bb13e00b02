"""Responses in the conversation's language (components/nlg.py, bot/language/es/responses.yml)."""

import string

import pytest
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language import LANGUAGES, translated_responses
from components.nlg import LocalizedResponses
from tests.common import ROOT
from tests.system.test_endpoints import PRODUCTION_VARIABLES, endpoints_files

DOMAIN = Domain.load(ROOT / "domain.yml")
TRANSLATED = [language for language in LANGUAGES if language != "en"]


def placeholders(text):
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_response_has_each_languages_text_with_the_same_values_and_buttons(language):
    translated = translated_responses(language)
    assert sorted(translated) == sorted(DOMAIN.responses), "responses missing or left over"
    for name, variations in DOMAIN.responses.items():
        assert len(translated[name]) == len(variations), name
        for english, other in zip(variations, translated[name], strict=True):
            assert placeholders(other["text"]) == placeholders(english["text"]), name
            payloads = [button["payload"] for button in english.get("buttons", [])]
            assert [button["payload"] for button in other.get("buttons", [])] == payloads, name
            assert set(other) == set(english), name  # the same keys: text, buttons, custom...


async def generate(name, language, **values):
    nlg = LocalizedResponses(domain=DOMAIN)
    events = [UserUttered("hola")] + ([SlotSet("language", language)] if language else [])
    tracker = DialogueStateTracker.from_events("nlg", events, slots=DOMAIN.slots)
    return await nlg.generate(name, tracker, "rest", **values)


async def test_a_spanish_conversation_gets_the_spanish_text_and_an_english_one_the_english():
    spanish = await generate("utter_goodbye", "es")
    english = await generate("utter_goodbye", "en")
    assert spanish["text"] == translated_responses("es")["utter_goodbye"][0]["text"]
    assert english["text"] == DOMAIN.responses["utter_goodbye"][0]["text"]
    # Before any message tells the language, the domain's English.
    assert (await generate("utter_goodbye", None))["text"] == english["text"]


async def test_values_are_filled_into_the_spanish_text():
    said = await generate("utter_ask_which_date", "es", first="3 de abril de 2026", second="4 de marzo de 2026")
    assert "3 de abril de 2026" in said["text"] and "4 de marzo de 2026" in said["text"]
    assert "{" not in said["text"]


@pytest.mark.parametrize("source", ["endpoints.yml", "production", "make run", "make run-cluster"])
def test_every_endpoints_file_answers_in_the_conversations_language(source, tmp_path, monkeypatch):
    for name in PRODUCTION_VARIABLES:
        monkeypatch.setenv(name, "x")
    endpoints = read_endpoints_from_path(endpoints_files(tmp_path)[source])
    assert endpoints.nlg is not None and endpoints.nlg.type == "components.nlg.LocalizedResponses"


async def test_the_responses_rasas_agent_sets_after_loading_the_model_are_localized_too():
    # rasa/core/agent.py sets nlg.responses to the domain's once the model is loaded: the e2e
    # Spanish conversation got English replies until the setter added the translations again.
    nlg = LocalizedResponses(domain=Domain.empty())
    nlg.responses = DOMAIN.responses
    tracker = DialogueStateTracker.from_events(
        "nlg", [UserUttered("hola"), SlotSet("language", "es")], slots=DOMAIN.slots
    )
    said = await nlg.generate("utter_greet", tracker, "rest")
    assert said["text"] == translated_responses("es")["utter_greet"][0]["text"]
