"""The languages the assistant speaks to applicants, and where each one's words live.

English is the domain's and the knowledge base's own language. Every other language has a
folder here: `<code>/responses.yml` holds its text of each domain response (by the same
names), and the knowledge base holds its text of each entry beside the English
(bot/rules/knowledge.py). The firm's side (summaries, dashboard, emails to staff) stays English.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.rules.yamlfile import DataFileError, load_yaml

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
# What the firm's side (summaries, dashboard) calls each language: it stays English.
ENGLISH_NAMES = {"en": "English", "es": "Spanish"}
FOLDER = Path(__file__).parent


def english_name(language: str | None) -> str:
    """The language's name in English ("Spanish" for "es"), as the firm's staff read it; a code
    the assistant does not speak is shown as it is."""
    return ENGLISH_NAMES.get(language or DEFAULT_LANGUAGE, language or "")


@lru_cache(maxsize=len(LANGUAGES))
def translated_responses(language: str) -> dict[str, list[dict[str, Any]]]:
    """The language's variations of the domain's responses, by response name (none for English).
    Read once: the generator asks again each time Rasa sets its responses. Not to be changed."""
    if language == DEFAULT_LANGUAGE:
        return {}
    path = FOLDER / language / "responses.yml"
    data = load_yaml(path)
    responses = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(responses, dict):
        raise DataFileError(f"{path}: expected 'responses:' with one entry per response name")
    for name, variations in responses.items():
        if not isinstance(variations, list) or not all(isinstance(v, dict) and v.get("text") for v in variations):
            raise DataFileError(f"{path}: response '{name}': expected a list of variations, each with a text")
    return responses
