"""Rasa internals replaced because they cost time on every message, for the one Rasa version
they were written against (a different Rasa stops the server at start with the reason).

- RemoteAction._validate_action_result: Rasa calls jsonschema.validate() on each action
  server answer, which first checks the response schema itself against the JSON Schema
  meta-schema: 44 % of the Rasa server's time per message in a profile (2026-12-06). Here
  the schema is checked once and the compiled validator reused; the answer is checked
  exactly as before, with Rasa's own message on failure.
"""

from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

PINNED_RASA = "3.6.21"
# Rasa's own, kept for the tests that compare the two.
RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result


def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, at start
    return validator_class(schema)


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
