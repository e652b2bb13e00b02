"""The channels' and the widget's words (bot/language/<code>/channel.yml): every language says
everything English says, with the same placeholders, and nothing English is left in Spanish."""

import pytest

from bot.language import LANGUAGES
from bot.language.channel import channel_strings, channel_text, placeholders
from bot.rules.yamlfile import DataFileError


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_language_has_every_text_with_the_same_placeholders(language):
    english, other = channel_strings("en"), channel_strings(language)
    assert set(other) == set(english)
    for key, text in english.items():
        assert placeholders(other[key]) == placeholders(text), key


def test_the_spanish_texts_are_spanish():
    english, spanish = channel_strings("en"), channel_strings("es")
    same = {key for key in english if english[key] and english[key] == spanish[key]}
    # Only the marks that are empty in one language may be equal, and nothing else.
    assert same == set()
    assert channel_text("es", "cards.days_left_other", n=3) == "quedan 3 días"
    assert channel_text("es", "cards.source_in_en") == "(en inglés)"
    assert channel_text("en", "cards.source_in_en") == ""


def test_an_unknown_language_is_english():
    assert channel_text("fr", "cards.book") == channel_text(None, "cards.book") == "Book a consultation"


def test_a_table_without_a_section_is_refused(tmp_path, monkeypatch):
    from bot.language import channel

    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "channel.yml").write_text("language_name: X\ncards: {}\nmessages: {}\nhandoff: {}\n")
    monkeypatch.setattr(channel, "FOLDER", tmp_path)
    monkeypatch.setattr(channel, "LANGUAGES", ("en", "xx"))
    channel.channel_strings.cache_clear()
    try:
        with pytest.raises(DataFileError, match="widget"):
            channel.channel_strings("xx")
    finally:
        channel.channel_strings.cache_clear()
