"""Entries in another language beside the English: what a translation must keep (the same
placeholders, a short version where the English has one) and how an out-of-date one is seen."""

import pytest
import yaml

from bot.rules.knowledge import TRANSLATION_LANGUAGES, KnowledgeBase, KnowledgeBaseError
from tests.rules.test_knowledge import edit_entry, kb_copy  # noqa: F401  (kb_copy is a fixture)

DEADLINES = "deadlines.yml"


def entry_with_placeholders(directory):
    """The index and data of the first entry of deadlines.yml whose text fills a {placeholder}."""
    entries = yaml.safe_load((directory / DEADLINES).read_text())["entries"]
    return next((index, raw) for index, raw in enumerate(entries) if "{" in raw["text"])


def spanish(raw, english_hash, **changes):
    text = "Traducción de prueba: " + " ".join(f"{{{name}}}" for name in placeholders(raw["text"]))
    block = {"text": text, "translated_from": english_hash}
    if raw.get("short"):
        block["short"] = "Breve: " + " ".join(f"{{{name}}}" for name in placeholders(raw["short"]))
    block.update(changes)
    return {key: value for key, value in block.items() if value is not None}


def placeholders(text):
    import string

    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


def test_a_translation_is_read_and_current_until_the_english_changes(kb_copy):  # noqa: F811
    index, raw = entry_with_placeholders(kb_copy)
    english_hash = KnowledgeBase.load(kb_copy).entry(raw["id"]).english_hash
    edit_entry(kb_copy, DEADLINES, index, es=spanish(raw, english_hash))
    entry = KnowledgeBase.load(kb_copy).entry(raw["id"])
    assert entry.translation_is_current("es")
    values = {name: "X" for name in placeholders(raw["text"])}
    assert entry.render("es", **values).startswith("Traducción de prueba:")
    assert entry.render("en", **values) == entry.render(**values) == entry.text.format_map(values)
    # The English gains a word: the Spanish is now out of date (and still loads).
    edit_entry(kb_copy, DEADLINES, index, text=raw["text"] + " Really.")
    assert not KnowledgeBase.load(kb_copy).entry(raw["id"]).translation_is_current("es")


def test_rewrapping_the_english_keeps_the_translation_current(kb_copy):  # noqa: F811
    index, raw = entry_with_placeholders(kb_copy)
    english_hash = KnowledgeBase.load(kb_copy).entry(raw["id"]).english_hash
    edit_entry(kb_copy, DEADLINES, index, es=spanish(raw, english_hash), text=raw["text"].replace(" ", "\n  ", 3))
    assert KnowledgeBase.load(kb_copy).entry(raw["id"]).translation_is_current("es")


def test_an_entry_without_a_translation_answers_in_english(kb_copy):  # noqa: F811
    index, raw = entry_with_placeholders(kb_copy)
    edit_entry(kb_copy, DEADLINES, index, es=None)
    entry = KnowledgeBase.load(kb_copy).entry(raw["id"])
    assert entry.translation("es") is None and not entry.translation_is_current("es")
    values = {name: "X" for name in placeholders(raw["text"])}
    assert entry.render("es", **values) == entry.render(**values)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"text": "Sin la fecha."}, "field 'text' must use the English's placeholders"),
        ({"text": "Con {otra}."}, "field 'text' must use the English's placeholders"),
        ({"translated_from": None}, "field 'translated_from' is missing or empty"),
        # Unquoted in YAML, an all-digit hash is a number (a translator's copy lost its quotes).
        ({"translated_from": 864255516202}, "field 'translated_from' must be the English's english_hash in quotes"),
        ({"note": "x"}, "unknown field 'note'"),
    ],
)
def test_a_translation_that_drops_or_invents_a_value_is_refused_at_load(kb_copy, change, message):  # noqa: F811
    index, raw = entry_with_placeholders(kb_copy)
    edit_entry(kb_copy, DEADLINES, index, es=spanish(raw, "0" * 12, **change))
    with pytest.raises(KnowledgeBaseError, match=rf"{DEADLINES}: entry '{raw['id']}': 'es': {message}"):
        KnowledgeBase.load(kb_copy)


def test_a_short_version_exactly_where_the_english_has_one(kb_copy):  # noqa: F811
    entries = yaml.safe_load((kb_copy / DEADLINES).read_text())["entries"]
    index, raw = next((i, e) for i, e in enumerate(entries) if e.get("short") and "{" not in e["text"])
    block = {"text": "Texto.", "translated_from": "0" * 12}  # no short
    edit_entry(kb_copy, DEADLINES, index, es=block)
    with pytest.raises(KnowledgeBaseError, match="field 'short' must be given exactly where the English has one"):
        KnowledgeBase.load(kb_copy)


@pytest.mark.parametrize("language", TRANSLATION_LANGUAGES)
def test_every_entry_of_the_shipped_knowledge_base_has_a_current_translation(language):
    """Fails when an entry lacks the language, or its English changed after the translation was
    written ("translation out of date": a translator renews the text and its translated_from)."""
    entries = KnowledgeBase.load().entries.values()
    missing = [entry.id for entry in entries if entry.translation(language) is None]
    out_of_date = [
        entry.id for entry in entries if entry.translation(language) and not entry.translation_is_current(language)
    ]
    assert (missing, out_of_date) == ([], [])
