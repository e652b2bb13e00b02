"""Rasa internals overridden for speed (components/rasa_overrides.py): they behave as Rasa's own,
on the Rasa version they were written for."""

import jsonschema
import pytest
import rasa
from rasa.core.actions.action import RemoteAction

import components  # noqa: F401  (applies the overrides, as Rasa's loading of our components does)
from components import rasa_overrides

VALID = {"events": [{"event": "slot", "name": "lead_id", "value": 3}], "responses": [{"text": "hi"}]}


def test_the_overrides_are_for_the_installed_rasa():
    assert rasa.__version__ == rasa_overrides.PINNED_RASA


def test_action_server_answers_are_checked_without_checking_the_schema_each_time(monkeypatch):
    """Rasa's jsonschema.validate() checks the response schema itself against its meta-schema on
    every call: 44 % of the Rasa server's time per message in a profile (2026-12-06)."""
    checks = []
    validator_class = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda cls, schema: checks.append(schema)))
    action = RemoteAction("action_answer_question", None)
    for _ in range(3):
        assert action._validate_action_result(VALID) is True
    assert checks == []


@pytest.mark.parametrize(
    "answer",
    [
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "not a list"},
        {"events": [], "responses": ["not an object"]},
    ],
)
def test_a_malformed_answer_is_refused_as_rasa_refuses_it(answer):
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_answer_question", None)._validate_action_result(answer)
    with pytest.raises(jsonschema.ValidationError) as rasas:
        rasa_overrides.RASA_VALIDATE_ACTION_RESULT(RemoteAction("action_answer_question", None), answer)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response from API" in ours.value.message
