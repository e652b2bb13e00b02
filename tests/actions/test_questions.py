"""One list of question intents: actions/questions.py, the domain's `*not_an_answer` and the
rules' `*question_intents` agree, so a question asked mid-form is answered, never taken as
the answer to the form's question."""

import yaml

from actions.questions import QUESTIONS
from actions.resources import ADVICE
from tests.common import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RULES = yaml.safe_load((ROOT / "data" / "rules" / "rules.yml").read_text())["rules"]


def text_mappings():
    for name, slot in DOMAIN["slots"].items():
        for mapping in slot.get("mappings", []):
            if mapping["type"] == "from_text":
                yield name, mapping


def test_every_question_intent_is_in_the_domain_and_has_a_topic_of_the_engine():
    assert set(QUESTIONS) <= set(DOMAIN["intents"])
    assert {question.topic for question in QUESTIONS.values()} == set(ADVICE.topics)


def test_no_question_is_taken_as_the_answer_to_a_form_question():
    form_slots = [name for name, mapping in text_mappings() if mapping.get("conditions")]
    assert len(form_slots) >= 10
    for name, mapping in text_mappings():
        if name != "case_description":  # free text: only the form controls are excluded there
            assert set(QUESTIONS) <= set(mapping.get("not_intent", [])), name


def test_the_rules_answer_exactly_the_question_intents_in_and_out_of_forms():
    answering = [rule for rule in RULES if {"action": "action_answer_question"} in rule["steps"]]
    assert len(answering) == 4  # on its own, and during each of the three forms
    for rule in answering:
        alternatives = next(step["or"] for step in rule["steps"] if "or" in step)
        assert [step["intent"] for step in alternatives] == list(QUESTIONS), rule["rule"]
