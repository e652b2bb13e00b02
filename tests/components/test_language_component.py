"""The NLU component that tells the message's language (components/language.py)."""

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.language import LanguageDetector


def entities_of(text):
    [message] = LanguageDetector().process([Message(data={TEXT: text})])
    return message.get(ENTITIES, [])


def test_a_message_that_tells_its_language_gets_a_language_entity_covering_no_words():
    # A span over the whole text made a question asked inside a form look like a bare answer
    # (asks_a_question_too removes the entities' words): the fuzz test saw the answer go missing.
    [entity] = entities_of("mi estatus dice Administrative Processing, qué significa eso?")
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == ("language", "es", 0, 0)


def test_a_message_that_tells_nothing_gets_no_language_entity():
    assert entities_of("ok") == [] and entities_of("221g") == []
