"""A Spanish conversation end to end over REST, with the real NLU and action server (issue 25):
the language follows the applicant, the answer and its dates are Spanish, the decision is the
English one's, and "English please" switches back."""

import pytest

from actions.resources import FIRM
from tests.system.e2e import customs, say, stored, texts, tracker_events

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


def test_a_conversation_opened_in_spanish_gets_the_disclaimer_in_spanish_and_a_switch_is_acknowledged(servers):
    sender = "es-opening"
    opening = texts(say(sender, "buenas tardes, mi caso está en procesamiento administrativo"))
    assert opening[0].startswith("Hola, le saluda") and FIRM.text("disclaimer", "es") in opening[0], opening
    assert not any("Hello from" in t for t in opening)
    switched = texts(say(sender, "English please"))
    # Acknowledged (not "out of scope"), and the disclaimer once more, now in English.
    assert any("continue in English" in t for t in switched), switched
    assert any(FIRM.disclaimer in t for t in switched), switched
    back = texts(say(sender, "en español por favor"))
    assert any("seguimos en español" in t for t in back) and not any(FIRM.disclaimer in t for t in back), back


def test_a_214b_refusal_in_spanish_gets_no_reminder_and_says_why(servers):
    sender = "es-214b"
    said = " ".join(texts(say(sender, "me negaron la visa de turista B1/B2 por la 214b el 3 de marzo de 2026")))
    assert "214(b)" in said and "Refused" not in said, said
    replies = texts(say(sender, "me pueden recordar antes de que se venza mi plazo?"))
    assert any(t.startswith("Solo creo recordatorios para el plazo de un año") for t in replies), replies
    assert not any("correo" in t.lower() and "?" in t for t in replies)  # no address asked for


def test_a_spanish_intake_with_consent_is_stored_in_the_applicants_words_and_erased_on_request(servers, workdir):
    sender = "es-intake"
    assert customs(say(sender, "me dieron la carta 221g el 3 de marzo de 2026, hasta cuándo tengo?"), "deadline")
    consent = texts(say(sender, "quiero reservar una consulta con un abogado"))
    assert any("¿Está de acuerdo?" in t for t in consent), consent
    answers = [
        ("sí", "nombre completo"),
        ("María José López", "correo electrónico"),
        ("eso no es un correo", "correo"),
        ("maria.lopez@example.com", "teléfono"),
        ("omitir", "Qué visa"),
        ("cr1", "embajada o consulado"),
        # A question in the middle is answered, and the form asks its question again.
        ("oiga, qué es el procesamiento administrativo?", "embajada o consulado"),
        ("Ciudad Juárez", "entrevista"),
        ("1 de marzo de 2026", "Qué le pedía la carta 221(g)?"),
        ('/inform{"notice_request":"documents"}', "petición de USCIS"),
        ("sí", "peticionario o el empleador"),
        ("mi esposo, Juan Pérez", "qué pasó"),
    ]
    for answer, next_question in answers:
        replies = texts(say(sender, answer))
        assert any(next_question in t for t in replies), (answer, replies)
        assert not any("?" in t and t.isascii() and "http" not in t for t in replies), (answer, replies)
    done = texts(say(sender, "Me pidieron el acta de matrimonio y la constancia de trabajo de mi esposo."))
    assert any("número de referencia #" in t for t in done), done
    [(name, description, deadline)] = stored(
        workdir, "select person_name, description, deadline from leads where conversation_id = 'rest-es-intake'"
    )
    assert (name, deadline) == ("María José López", "2027-03-01")
    assert "acta de matrimonio" in description  # the applicant's words, as written

    confirm = texts(say(sender, "borren todos mis datos por favor"))
    assert any("no se puede deshacer" in t for t in confirm), confirm
    deleted = texts(say(sender, "sí"))
    assert any(t.startswith("Listo. Borré 1 registro(s)") for t in deleted), deleted
    assert stored(workdir, "select count(*) from leads where conversation_id = 'rest-es-intake'") == [(0,)]
    assert tracker_events(workdir, sender) == 0
