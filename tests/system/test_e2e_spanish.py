"""A Spanish conversation end to end over REST, with the real NLU and action server (issue 25):
the language follows the applicant, the answer and its dates are Spanish, the decision is the
English one's, and "English please" switches back."""

import pytest

from actions.resources import FIRM
from tests.system.e2e import customs, say, texts

pytestmark = pytest.mark.slow


def test_a_spanish_deadline_question_is_answered_in_spanish_and_english_please_switches_back(servers):
    sender = "es-deadline"
    greeting = texts(say(sender, "hola"))
    assert any("¡Hola!" in t or "Hola" in t for t in greeting), greeting
    replies = say(sender, "me dieron la 221g el 10 de marzo, hasta cuándo tengo para mandar los papeles?")
    said = " ".join(texts(replies))
    assert "10 de marzo de 2027" in said and "March" not in said, said
    [card] = customs(replies, "deadline")
    assert card["deadline"] == "2027-03-10"  # the same decision as in English
    assert FIRM.text("referral_text", "es") in said  # the firm's own words, in Spanish
    # A short "gracias" keeps Spanish; asking for English switches.
    assert not any("You're welcome" in t for t in texts(say(sender, "gracias")))
    english = " ".join(texts(say(sender, "English please, when is my deadline?")))
    assert "10 March 2027" in english, english


def test_an_english_conversation_stays_english_after_a_spanish_word(servers):
    sender = "en-with-gracias"
    said = " ".join(texts(say(sender, "got a 221g on 10 March, when is my deadline?")))
    assert "10 March 2027" in said
    said = " ".join(texts(say(sender, "ok gracias")))
    assert "de nada" not in said.lower(), said
