"""The honest test set stays honest: big enough, every contract intent in it, and no message
that is (nearly) a training example or a dev-set message. `make eval` scores it."""

import re

import pytest
import yaml

from tests.common import ROOT

TEST_SET = sorted((ROOT / "tests" / "nlu" / "test_set").glob("*.yml"))
DEV_SETS = sorted((ROOT / "tests" / "nlu").glob("dev_set*.yml"))
TRAINING = sorted((ROOT / "data" / "nlu").glob("*.yml"))
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
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def near_duplicates(messages, others):
    """Pairs whose token sets overlap by NEAR or more (exact duplicates included)."""
    index = {}
    for text in others:
        for token in tokens(text):
            index.setdefault(token, []).append(text)
    pairs = []
    for text in messages:
        mine = tokens(text)
        candidates = {other for token in mine for other in index.get(token, [])}
        if not mine:
            candidates = {other for other in others if not tokens(other)}
        pairs += [(text, other) for other in candidates if jaccard(mine, tokens(other)) >= NEAR]
    return pairs


def test_the_test_set_is_big_enough_and_covers_every_contract_intent():
    found = examples(TEST_SET)
    assert len(found) >= 500
    assert {intent for intent, _ in found} >= CONTRACT_INTENTS


def test_the_dev_set_exists_apart_from_the_test_set():
    assert len(examples(DEV_SETS)) >= 300


@pytest.mark.parametrize("other", ["training", "dev"])
def test_no_test_message_is_a_near_duplicate(other):
    against = examples(TRAINING) if other == "training" else examples(DEV_SETS)
    pairs = near_duplicates([text for _, text in examples(TEST_SET)], [text for _, text in against])
    assert pairs == []


def test_no_dev_message_is_a_near_duplicate_of_training():
    pairs = near_duplicates([text for _, text in examples(DEV_SETS)], [text for _, text in examples(TRAINING)])
    assert pairs == []


def test_the_duplicate_check_catches_case_punctuation_and_word_order():
    assert near_duplicates(["My 221g, when is the DEADLINE?"], ["when is the deadline my 221g"])
    assert not near_duplicates(["my 221g letter is dated 3 March, when is my deadline?"], ["what is 221g"])
