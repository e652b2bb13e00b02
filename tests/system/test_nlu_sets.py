"""The honest test set stays honest: big enough, every contract intent in it, and no message
that is (nearly) a training example or a dev-set message. `make eval` scores it."""

import math
import re
import unicodedata
from collections import Counter

import pytest
import yaml

from tests.common import ROOT

NLU = ROOT / "tests" / "nlu"
# Per language: the test set (at least so many messages) and the dev sets.
SETS = {
    "en": (sorted((NLU / "test_set").glob("*.yml")), 500, sorted(NLU.glob("dev_set*.yml"))),
    "es": (sorted((NLU / "es" / "test_set").glob("*.yml")), 400, sorted((NLU / "es").glob("dev_set*.yml"))),
}
TEST_SET, _, DEV_SETS = SETS["en"]
# Both languages' training data: one model learns from all of it.
TRAINING = sorted((ROOT / "data" / "nlu").rglob("*.yml"))
CONTRACT_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "inform",
    "ask_status_meaning",
    "explain_221g",
    "ask_deadline",
    "missed_deadline",
    "ask_processing_time",
    "ask_documents",
    "ask_options",
    "petition_returned",
    "compare_refusals",
    "request_consultation",
    "request_human",
    "set_reminder",
    "delete_my_data",
}
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
NEAR = 0.8


def examples(paths):
    """(intent, plain text) for every example in Rasa YAML files."""
    found = []
    for path in paths:
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        found.append((block["intent"], ANNOTATION.sub(r"\1", line.strip()[2:])))
    return found


def tokens(text):
    """Words without case or accents: "qué" and "que" are the same word."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return frozenset(re.findall(r"[a-z0-9]+", plain))


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def near_duplicates(messages, others):
    """Pairs whose token sets overlap by NEAR or more (exact duplicates included).

    Prefix filtering keeps this fast with Spanish's many shared words ("de", "la", "que"):
    with tokens ordered rarest first, two sets that overlap by NEAR share a token among the
    first len - ceil(NEAR * len) + 1 of each, so only those are indexed and looked up."""
    counts = Counter(token for text in (*messages, *others) for token in tokens(text))

    def prefix(text):
        ordered = sorted(tokens(text), key=lambda token: (counts[token], token))
        return ordered[: len(ordered) - math.ceil(NEAR * len(ordered)) + 1]

    index = {}
    for text in others:
        for token in prefix(text):
            index.setdefault(token, []).append(text)
    pairs = []
    for text in messages:
        mine = tokens(text)
        candidates = {other for token in prefix(text) for other in index.get(token, [])}
        if not mine:
            candidates = {other for other in others if not tokens(other)}
        pairs += [(text, other) for other in candidates if jaccard(mine, tokens(other)) >= NEAR]
    return pairs


@pytest.mark.parametrize("language", SETS)
def test_the_test_set_is_big_enough_and_covers_every_contract_intent(language):
    test_set, size, _ = SETS[language]
    found = examples(test_set)
    assert len(found) >= size
    assert {intent for intent, _ in found} >= CONTRACT_INTENTS


@pytest.mark.parametrize("language", SETS)
def test_the_dev_set_exists_apart_from_the_test_set(language):
    assert len(examples(SETS[language][2])) >= 300


@pytest.mark.parametrize("language", SETS)
@pytest.mark.parametrize("other", ["training", "dev"])
def test_no_test_message_is_a_near_duplicate(language, other):
    test_set, _, dev_sets = SETS[language]
    against = examples(TRAINING) if other == "training" else examples(dev_sets)
    pairs = near_duplicates([text for _, text in examples(test_set)], [text for _, text in against])
    assert pairs == []


@pytest.mark.parametrize("language", SETS)
def test_no_dev_message_is_a_near_duplicate_of_training(language):
    dev_sets = SETS[language][2]
    pairs = near_duplicates([text for _, text in examples(dev_sets)], [text for _, text in examples(TRAINING)])
    assert pairs == []


def test_the_duplicate_check_catches_case_punctuation_and_word_order():
    assert near_duplicates(["My 221g, when is the DEADLINE?"], ["when is the deadline my 221g"])
    assert not near_duplicates(["my 221g letter is dated 3 March, when is my deadline?"], ["what is 221g"])
    assert near_duplicates(["¿Qué significa REFUSED?"], ["que significa refused"])
