"""What counts as an answer to each intake question, without Rasa (bot/rules/intake_answers.py).
tests/actions/test_forms.py checks the same rules through the form validators."""

import datetime as dt

import pytest

from bot.rules import intake_answers as answers

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    "text, skips",
    [
        ("skip", True),
        ("Don't know.", True),
        ("no!", True),
        ("nope", True),
        ("Ravi", False),
        ("skipper", False),
        ("", False),
    ],
)
def test_skip_words(text, skips):
    assert answers.wants_to_skip(text) is skips


@pytest.mark.parametrize(
    "text, value",
    [
        ("Maria José O'Neil", "Maria José O'Neil"),
        ("Ravi Kumar", "Ravi Kumar"),
        ("J. R. R. Tolkien", "J. R. R. Tolkien"),
        ("what is 221g???", None),
        ("42 Street", None),
        ("one two three four five six seven", None),
        ("", None),
    ],
)
def test_person_names(text, value):
    assert answers.person_name(text) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("it's ravi.k@mail.com thanks", "ravi.k@mail.com"),
        ("ravi at mail dot com", None),
    ],
)
def test_email_addresses(text, value):
    assert answers.email(text) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("044 2811 2000", "044 2811 2000"),
        ("12345", None),
        ("call me maybe", None),
        ("+1 415 555 0100 0100 0100 01", None),
    ],
)
def test_phone_numbers(text, value):
    assert answers.phone(text) == value


def test_contact_is_an_email_else_a_phone():
    assert answers.contact("mail me: a@b.co or 415 555 0100") == "a@b.co"
    assert answers.contact("415 555 0100") == "415 555 0100"
    assert answers.contact("tomorrow") is None


@pytest.mark.parametrize(
    "text, extracted, value",
    [
        ("h1b", [], "H-1B"),
        ("H-1B", [], "H-1B"),
        ("other", [], "other"),
        ("my work visa", ["H-1B"], "H-1B"),
        ("the blue one", [], None),
    ],
)
def test_visa_types(text, extracted, value):
    assert answers.visa_type(text, extracted) == value


@pytest.mark.parametrize(
    "text, extracted, value",
    [
        ("the consulate in bombay", ["Mumbai"], "Mumbai"),
        ("Tirana", [], "Tirana"),
        ("somewhere near the big river in the north", [], None),
        ("42", [], None),
    ],
)
def test_consulates(text, extracted, value):
    assert answers.consulate(text, extracted) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("they want more papers", "documents"),
        ("just AP they said", "administrative_processing"),
        ("sent back to USCIS", "petition_returned"),
        ("unknown", "unknown"),
        ("my visa was approved", None),
        ("I will apply again", None),
        ("hmm", None),
    ],
)
def test_what_the_notice_asks_for(text, value):
    assert answers.notice_request(text) == value


@pytest.mark.parametrize("text, value", [("Yes.", "yes"), ("y", "yes"), ("nope", "no"), ("maybe", None)])
def test_yes_or_no(text, value):
    assert answers.yes_or_no(text) == value


@pytest.mark.parametrize(
    "text, extracted, result",
    [
        ("2026-03-03", [], "2026-03-03"),
        ("it was 3 March 2026", ["2026-03-03"], "2026-03-03"),
    ],
)
def test_past_dates(text, extracted, result):
    assert answers.past_date(text, extracted, TODAY, "interview") == (result, None)


# A refusal is a reason code (bot.rules.deadline.REASONS): the form tells it in the conversation's
# language (bot/language/<code>/words.yml, date_problems), never an English text built here.
@pytest.mark.parametrize(
    "text, extracted, kind, code, english, spanish",
    [
        (
            "no idea when, sometime",
            [],
            "interview",
            "no_date",
            "I couldn't find a date in your answer",
            "no encontré ninguna fecha en su respuesta",
        ),
        (
            "4/6/2026",
            ["2026-04-06|2026-06-04"],
            "interview",
            "ambiguous_date",
            "a date like 4/6/2026 can be read two ways",
            "una fecha como 4/6/2026 se puede leer de dos maneras",
        ),
        (
            "1 August 2026",
            ["2026-08-01"],
            "notice",
            "future_notice_date",
            "the notice date 1 August 2026 is in the future; please check it",
            "la fecha de la carta, el 1 de agosto de 2026, está en el futuro; por favor, revísela",
        ),
        (
            "1 August 2026",
            ["2026-08-01"],
            "interview",
            "future_interview_date",
            "the interview date 1 August 2026 is in the future; please check it",
            "la fecha de la entrevista, el 1 de agosto de 2026, está en el futuro; por favor, revísela",
        ),
        (
            "30 February 2026",
            ["2026-02-30"],
            "notice",
            "no_such_day",
            "30 February 2026 does not exist; please check the date on your letter",
            "el 30 de febrero de 2026 no existe; por favor, revise la fecha de su carta",
        ),
        (
            "about 3 weeks ago",
            ["~2026-05-25"],
            "notice",
            "approximate_date",
            "is only approximate",
            "es solo aproximada",
        ),
    ],
)
def test_a_refused_date_is_a_reason_told_in_each_language(text, extracted, kind, code, english, spanish):
    date, problem = answers.past_date(text, extracted, TODAY, kind)
    assert date is None and problem.code == code
    assert english in problem.reason("en") and english in str(problem)
    assert spanish in problem.reason("es")


def test_a_future_date_is_refused_with_the_reason():
    date, problem = answers.past_date("1 August 2026", ["2026-08-01"], TODAY, "notice")
    assert date is None and "future" in str(problem)


@pytest.mark.parametrize(
    "text", ["omitir", "No sé.", "no lo sé", "ni idea", "prefiero no decirlo", "no tengo teléfono"]
)
def test_spanish_answers_that_skip_a_question(text):
    assert answers.wants_to_skip(text)


@pytest.mark.parametrize(
    "text, asked",
    [
        ("me pidieron el acta de nacimiento", "documents"),
        ("está en procesamiento administrativo", "administrative_processing"),
        ("la petición regresa a USCIS", "petition_returned"),
        ("no estoy seguro", "unknown"),
    ],
)
def test_spanish_words_for_what_the_notice_asks(text, asked):
    assert answers.notice_request(text) == asked


def test_spanish_yes_and_other():
    assert answers.yes_or_no("Sí") == "yes" and answers.yes_or_no("claro") == "yes"
    assert answers.visa_type("otra") == "other"
