"""The assistant's intents, as domain.yml lists them (the NLU contract's names)."""

import functools
from pathlib import Path

from bot.rules.yamlfile import DataFileError, load_yaml

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"


@functools.cache
def domain_intents(path: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """In domain.yml's order; read once per process (a server restarts with a new model)."""
    data = load_yaml(path)
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, list):
        raise DataFileError(f"{path}: expected a top-level 'intents:' list")
    # An intent with options is written as a one-key mapping: `- name: {use_entities: [...]}`.
    return tuple(intent if isinstance(intent, str) else next(iter(intent)) for intent in intents)
