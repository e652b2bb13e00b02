"""Rasa glue for bot.rules.entities: a rule-based entity extractor in the NLU pipeline."""

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rules import clock
from bot.rules.entities import EntityExtractor
from components.stateless import StatelessComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SpacyRuleEntityExtractor(StatelessComponent, EntityExtractorMixin):
    def __init__(self) -> None:
        self.extractor = EntityExtractor()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = []
            for entity in self.extractor.extract(text, clock.today()):
                item = {
                    "entity": entity.entity,
                    "value": entity.value,
                    "start": entity.start,
                    "end": entity.end,
                    "confidence_entity": 1.0,
                }
                if entity.role:
                    item.update(role=entity.role, confidence_role=1.0)
                found.append(item)
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
