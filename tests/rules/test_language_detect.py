"""Which language a message tells (bot/language/detect.py): only when it says so outright,
or has enough words of one language; everything else keeps the conversation's language."""

import pytest

from bot.language.detect import READ_CHARS, detect


@pytest.mark.parametrize(
    "text, language",
    [
        ("mi caso dice refused, qué significa", "es"),
        ("me dieron la 221g el 3 de marzo, hasta cuando tengo", "es"),
        ("le escribo por mi mama que no sabe usar el celular", "es"),
        ("my CEAC status says refused, what now?", "en"),
        ("got a 221g on 3 March, when is my deadline?", "en"),
        ("hola", "es"),
        ("Buenos días!", "es"),
        ("hi", "en"),
    ],
)
def test_a_message_with_enough_words_tells_its_language(text, language):
    assert detect(text).language == language


@pytest.mark.parametrize(
    "text",
    ["ok", "gracias", "thanks", "221g", "H-1B", "3/03/2026", "ana.perez@example.com", "+52 656 123 4567", "si", "👍"],
)
def test_short_and_neutral_messages_tell_nothing(text):
    assert detect(text).language is None


@pytest.mark.parametrize(
    "text, language",
    [
        ("English please", "en"),
        ("en inglés por favor", "en"),
        ("¿Habla español?", "es"),
        ("EN ESPAÑOL", "es"),
        ("can you answer in Spanish", "es"),
    ],
)
def test_asking_for_a_language_switches_to_it_in_either_language(text, language):
    found = detect(text)
    assert (found.language, found.explicit) == (language, True)


def test_a_question_about_spanish_documents_is_not_a_switch():
    # Only the whole message asks for a language: this one is an English question.
    found = detect("do I need to translate my Spanish birth certificate into English?")
    assert (found.language, found.explicit) == ("en", False)


def test_a_foreign_word_in_an_english_message_keeps_the_language():
    # The fuzz test's "obrigado!! you help me a lot" switched an English intake to Spanish: the
    # detector reads letters; the English function words ("you", "me", "a") say otherwise.
    assert detect("obrigado!! you help me a lot").language is None
    assert detect("y ahora que hago?").language == "es"  # "y" and "que" are Spanish's


def test_only_the_first_characters_of_a_huge_message_are_read():
    # A channel asks about a message too long for the assistant, to refuse it in its language.
    huge = "me dieron la hoja 221g en la entrevista y no sé qué hacer " * 40 + "x" * 1_000_000
    assert detect(huge) == detect(huge[:READ_CHARS]) and detect(huge).language == "es"


@pytest.mark.parametrize(
    "text",
    [
        "hello bot",
        "xin chao, hello bot",
        "sir ap kati din lagcha? 2 month bhayo ktm",
        "5 mos AP Dhaka IR1, any1 else??",
    ],
)
def test_a_message_without_a_word_of_the_guessed_language_tells_nothing(text):
    # The fuzzing found "xin chao, hello bot" turning an English intake Spanish: the guess rested on
    # names and codes. Such a message keeps the conversation's language.
    assert detect(text).language is None
