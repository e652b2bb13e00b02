"""Long messages: the question at the end of a story decides the intent.

Applicants write 100-word stories (job, wedding, the officer's manner) and ask at the end.
Summed over the whole story, the background words outvote the question. For a long message
QuestionFocus puts the asking sentence first, followed by the whole story, so that the
question counts twice and the background still gives the topic ("stuck in AP ... what now?").
It runs in training too, so the classifier learns from what it will see. The applicant's
own text is put back by RestoreText at the end of the pipeline: forms and the tracker must
keep every word they wrote, and the entity extractor runs before the change.
"""

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.stateless import StatelessComponent

ORIGINAL_TEXT = "original_text"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
ASKS = re.compile(
    r"\?|^\W*(?:what|how|when|why|where|which|who|is|are|was|can|could|should|shall|will|would|do|does|did|"
    r"have|has|any|pls|please|plz|kindly|help)\b|\b(?:please|pls|plz|kindly) (?:advise|advice|help|guide|tell|"
    r"suggest|assist|let me know)|\b(?:i want to know|i wanna know|i would like to know|wondering|any idea)\b",
    re.I,
)
CLOSING = re.compile(r"^\W*(?:thanks?|thank you|thx|regards|god bless|waiting for|looking forward)\b", re.I)


def asking_sentence(text: str, min_words: int) -> str | None:
    """The last sentence that asks, in a message of at least min_words words with two or more sentences."""
    if len(text.split()) < min_words:
        return None
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]
    if len(sentences) < 2:
        return None
    for sentence in reversed(sentences):
        if not CLOSING.search(sentence) and ASKS.search(sentence):
            return sentence
    return None


def focused(text: str, min_words: int) -> str:
    question = asking_sentence(text, min_words)
    return f"{question} {text}" if question else text


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class QuestionFocus(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_words": 30}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionFocus":
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.min_words = int(config["min_words"])

    def _focus(self, message: Message) -> None:
        text = message.get(TEXT)
        if text:
            new = focused(text, self.min_words)
            if new != text:
                message.set(ORIGINAL_TEXT, text)
                message.set(TEXT, new)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._focus(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._focus(message)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class RestoreText(StatelessComponent):
    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(ORIGINAL_TEXT):
                message.set(TEXT, message.get(ORIGINAL_TEXT))
                message.data.pop(ORIGINAL_TEXT)
        return messages
