"""What the channels and the website widget write around the answers, per language: the cards'
labels, the widget's buttons and notices, the messages a channel sends by itself, and the
emails and page of deadline reminders (bot/backoffice/notify.py, components/channels/reminders.py).
Each language's table is bot/language/<code>/channel.yml, with the same keys as English's."""

import string
from functools import lru_cache
from typing import Any

from bot.language import DEFAULT_LANGUAGE, FOLDER, LANGUAGES
from bot.rules.yamlfile import DataFileError, load_yaml

SECTIONS = ("cards", "messages", "handoff", "widget", "email", "confirmation_page")


def _flat(path: Any, data: Any) -> dict[str, str]:
    """'section.key' -> text, every value a string."""
    if not isinstance(data, dict) or not isinstance(data.get("language_name"), str):
        raise DataFileError(f"{path}: expected language_name and the sections {', '.join(SECTIONS)}")
    table = {"language_name": data["language_name"]}
    for section in SECTIONS:
        texts = data.get(section)
        if not isinstance(texts, dict):
            raise DataFileError(f"{path}: expected a section '{section}'")
        for key, text in texts.items():
            if not isinstance(text, str):
                raise DataFileError(f"{path}: {section}.{key}: expected a text")
            table[f"{section}.{key}"] = " ".join(text.split()) if section in ("messages", "handoff") else text
    return table


@lru_cache(maxsize=len(LANGUAGES))
def channel_strings(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The language's table ('cards.book' -> "Book a consultation"); an unknown language is English's."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    path = FOLDER / language / "channel.yml"
    return _flat(path, load_yaml(path))


def channel_text(language: str | None, key: str, **values: Any) -> str:
    """One text of the table, its {placeholders} filled: channel_text("es", "cards.phone", phone=...)."""
    return channel_strings(language or DEFAULT_LANGUAGE)[key].format(**values)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def all_channel_strings() -> dict[str, dict[str, str]]:
    """Every language's table, for the widget (which picks its language in the browser)."""
    return {language: channel_strings(language) for language in LANGUAGES}
