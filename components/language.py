"""Rasa glue for bot.language.detect: a `language` entity when a message tells its language.

The `language` slot takes it (domain.yml), so a message that does not tell (short, mixed,
unsure) leaves the conversation's language as it was.
"""

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language.detect import detect
from components.stateless import StatelessComponent

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(StatelessComponent, EntityExtractorMixin):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            found = detect(text) if text else None
            if found is None or found.language is None:
                continue
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": found.language,
                # No span: it is said by the whole message, and code that removes the entities'
                # words from the text (actions/forms.py asks_a_question_too) must keep them all.
                "start": 0,
                "end": 0,
                "confidence_entity": round(found.confidence, 3),
                # Asked for outright ("en español"): a message that only asks is acknowledged
                # (actions/conversation.py). Not a role: the slot's mapping takes any value.
                "explicit": found.explicit,
            }
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([entity]), add_to_output=True)
        return messages
