"""The intent classifier: trains on n-grams, ranks intents with calibrated confidences,
and comes back from its saved arrays exactly as it was trained, without pickle."""

import zipfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import linear_intent
from components.linear_intent import LinearIntentClassifier
from scripts.fuzz import FALLBACK_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {**LinearIntentClassifier.get_default_config(), "folds": 3}
SMALL = {
    "ask_deadline": ["when is my deadline", "how long do I have to send the documents", "last day to reply to 221g"],
    "greet": ["hi", "hello there", "good morning"],
    "set_reminder": ["remind me before my deadline", "send me a reminder a week before", "ping me a month ahead"],
}


def training_data(examples: dict[str, list[str]]) -> TrainingData:
    return TrainingData([Message({TEXT: text, INTENT: intent}) for intent, texts in examples.items() for text in texts])


def trained(tmp_path: Path, data: TrainingData, config=CONFIG, name="linear"):
    tmp_path.mkdir(exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource(name)
    context = ExecutionContext(GraphSchema({}), "test")
    LinearIntentClassifier.create(config, storage, resource, context).train(data)
    return LinearIntentClassifier.load(config, storage, resource, context)


def parse(classifier, *texts):
    return classifier.process([Message({TEXT: text}) for text in texts])


def test_it_ranks_every_intent_by_a_confidence_that_sums_to_one(tmp_path):
    classifier = trained(tmp_path, training_data(SMALL))
    [message] = parse(classifier, "when is my deadline to reply")
    ranking = message.get(INTENT_RANKING_KEY)
    assert message.get(INTENT) == ranking[0] and ranking[0]["name"] == "ask_deadline"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert {r["name"] for r in ranking} == set(SMALL)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_the_saved_model_gives_what_the_trained_one_gave_and_training_is_repeatable(tmp_path):
    data = training_data(SMALL)
    (tmp_path / "a").mkdir()
    storage = LocalModelStorage(tmp_path / "a")
    resource = Resource("linear")
    context = ExecutionContext(GraphSchema({}), "test")
    fresh = LinearIntentClassifier.create(CONFIG, storage, resource, context)
    fresh.train(data)
    loaded = LinearIntentClassifier.load(CONFIG, storage, resource, context)
    again = trained(tmp_path / "b", data)
    texts = ["remind me a week before", "hello", "typo'd dedline question", ""]
    rankings = [[m.get(INTENT_RANKING_KEY) for m in parse(c, *texts)] for c in (fresh, loaded, again)]
    assert rankings[0] == rankings[1] == rankings[2]


def test_the_model_is_saved_as_plain_arrays_and_json_never_pickle(tmp_path):
    trained(tmp_path, training_data(SMALL))
    files = sorted(p.name for p in (tmp_path / "linear").iterdir())
    assert files == ["arrays.npz", "temperature.json", "vocabularies.json"]
    with zipfile.ZipFile(tmp_path / "linear" / "arrays.npz") as arrays:
        for name in arrays.namelist():  # a pickled (object) array would need allow_pickle to load
            np.load(arrays.open(name), allow_pickle=False)


def test_a_change_to_the_classifiers_code_changes_its_fingerprint(tmp_path, monkeypatch):
    before = LinearIntentClassifier.fingerprint_addon(CONFIG)
    changed = tmp_path / "linear_intent.py"
    changed.write_bytes(Path(linear_intent.__file__).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(linear_intent, "__file__", str(changed))
    assert LinearIntentClassifier.fingerprint_addon(CONFIG) != before


@pytest.fixture(scope="module")
def real_classifier(tmp_path_factory):
    data = TrainingData().merge(*(load_data(str(p)) for p in sorted((ROOT / "data" / "nlu").glob("*.yml"))))
    return trained(tmp_path_factory.mktemp("real"), data, LinearIntentClassifier.get_default_config())


def test_on_the_real_data_clear_messages_are_confident_and_made_up_words_are_not_a_visa_question(real_classifier):
    clear = {
        "my ceac status says refused what does that mean": "ask_status_meaning",
        "how many days do I have left to send the documents for my 221g": "ask_deadline",
        "can I speak to a real person": "request_human",
    }
    for message, (text, intent) in zip(parse(real_classifier, *clear), clear.items(), strict=True):
        assert message.get(INTENT)["name"] == intent, text
        assert message.get(INTENT)["confidence"] >= FALLBACK_THRESHOLD, text
    [nonsense] = parse(real_classifier, "blorf snarkle wibble quozzle")
    top = nonsense.get(INTENT)
    assert top["name"] == "out_of_scope" or top["confidence"] < FALLBACK_THRESHOLD
