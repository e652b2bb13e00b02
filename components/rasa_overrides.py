"""Rasa internals replaced because they cost time on every message, for the one Rasa version
they were written against (a different Rasa stops the server at start with the reason).

- RemoteAction._validate_action_result: Rasa calls jsonschema.validate() on each action
  server answer, which first checks the response schema itself against the JSON Schema
  meta-schema: 44 % of the Rasa server's time per message in a profile (2026-12-06). Here
  the schema is checked once and the compiled validator reused; the answer is checked
  exactly as before, with Rasa's own message on failure.
- Event.resolve_by_type: Rasa walks the whole tree of Event subclasses for every event it
  reads back from the tracker store or an action server's answer (7 % of the Rasa
  server's time in a profile under load, 2026-12-06). Here the classes are looked up by
  type name in a table, built again when a name is not in it (a class imported later);
  the same class is found, and the same answer given for an unknown name.
"""

from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

PINNED_RASA = "3.6.21"
# Rasa's own, kept for the tests that compare the two.
RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result
RASA_RESOLVE_BY_TYPE = Event.resolve_by_type


def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, at start
    return validator_class(schema)


def _event_classes_by_type_name() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)  # the first, as Rasa's loop finds it
    return classes


def apply() -> None:
    if rasa.__version__ != PINNED_RASA:
        raise RuntimeError(
            f"components/rasa_overrides.py replaces internals of Rasa {PINNED_RASA}, but Rasa "
            f"{rasa.__version__} is installed: check each override against it, then update PINNED_RASA"
        )
    validator = _action_result_validator()

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (  # word for word as Rasa 3.6.21 says it
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = validate_action_result

    event_classes = _event_classes_by_type_name()

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        nonlocal event_classes
        if type_name not in event_classes:
            event_classes = _event_classes_by_type_name()
        if type_name in event_classes:
            return event_classes[type_name]
        return RASA_RESOLVE_BY_TYPE(type_name, default)  # Rasa's answer for a name no class has

    Event.resolve_by_type = staticmethod(resolve_by_type)
