"""Rasa internals overridden for speed (components/rasa_overrides.py): they behave as Rasa's own,
on the Rasa version they were written for."""

import jsonschema
import pytest
import rasa
import rasa.shared.utils.common
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered, deserialise_events

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


def test_events_are_resolved_by_type_name_without_walking_every_event_class(monkeypatch):
    """Rasa walked the tree of Event subclasses for each event read back: 7 % of its time under load."""
    walks = []
    rasa_walk = rasa.shared.utils.common.all_subclasses
    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", lambda cls: walks.append(cls) or rasa_walk(cls))
    events = [UserUttered("hi", {"name": "greet"}), SlotSet("lead_id", 3), ActionExecuted("action_listen")]
    assert deserialise_events([event.as_dict() for event in events]) == events
    assert walks == []


def test_every_event_type_resolves_to_the_class_rasa_finds():
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is rasa_overrides.RASA_RESOLVE_BY_TYPE(cls.type_name)


def test_an_unknown_event_type_gets_rasas_answer():
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet


def test_an_event_class_defined_later_is_found():
    class LaterEvent(SlotSet):
        type_name = "later_event_for_this_test"

    assert Event.resolve_by_type("later_event_for_this_test") is LaterEvent
