"""Spanish dates (bot/rules/dates.py): written out, relative, corrected, and their roles.
Written on Wednesday 2 December 2026, as the NLU sets are."""

import datetime as dt

import pytest

from bot.rules.dates import find_dates

TODAY = dt.date(2026, 12, 2)


def found(text):
    return [(m.value, m.role) for m in find_dates(text, TODAY)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("me dieron la 221g el 3 de marzo, hasta cuando tengo", [("2026-03-03", "notice")]),
        ("la entrevista fue el 15 de octubre del 2025", [("2025-10-15", "interview")]),
        ("la entrevista d mi esposa fue el 14 d agosto", [("2026-08-14", "interview")]),
        ("03-mar-2026 me dieron la carta", [("2026-03-03", "notice")]),
        ("el 15 de diciembre me dieron la hoja", [("2025-12-15", "notice")]),  # the latest past 15 December
        ("hace tres semanas me llegó la carta", [("2026-11-11", "received")]),
        ("mandé los documentos el viernes pasado", [("2026-11-27", "sent")]),
        ("me la dieron antier", [("2026-11-30", "notice")]),
        ("me rechazaron ayer", [("2026-12-01", "notice")]),
        ("el 10 del mes antepasado tuve la entrevista", [("2026-10-10", "interview")]),
        ("tengo cita mañana", [("2026-12-03", "appointment")]),
        ("fue el 20/11/2026", [("2026-11-20", "other")]),  # day first: the only reading
    ],
)
def test_spanish_dates_are_found_resolved_and_given_a_role(text, expected):
    assert found(text) == expected


def test_a_fraction_is_counted_further_back():
    # Two and a half months: earlier is safer for a deadline.
    [(value, _)] = found("me rechazaron hace 2 meses y medio")
    assert value <= "2026-09-17"


@pytest.mark.parametrize(
    "text",
    [
        "esta mañana revisé el ceac",  # the morning, not tomorrow
        "hace 3 meses que estoy en procesamiento administrativo",  # how long: a duration
        "estoy en AP desde hace dos semanas",
        "mandé 2 set de copias",  # no Spanish month hides in English words
    ],
)
def test_spanish_words_that_are_not_dates(text):
    assert found(text) == []


def test_a_numeric_date_that_reads_two_ways_is_still_asked():
    [mention] = find_dates("la carta dice 05/11/2026", TODAY)
    assert mention.ambiguous and mention.value == "2026-05-11|2026-11-05"


def test_a_spanish_correction_replaces_the_date_it_corrects():
    assert found("la entrevista fue el 3 de marzo, perdón, quise decir el 3 de febrero") == [
        ("2026-02-03", "interview")
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("me dieron la carta 221g hace unos días", [("~2026-11-29", "notice")]),
        ("la entrevista fue hace un par de semanas", [("~2026-11-18", "interview")]),
        ("me negaron hace unas semanas", [("~2026-11-11", "notice")]),
        ("me dieron la carta hace varios días", [("~2026-11-29", "notice")]),
        ("hace algunas semanas me dieron la hoja", [("~2026-11-11", "notice")]),
        ("me dieron la hoja hace pocos días", [("~2026-11-29", "notice")]),
        ("hace unos cuantos meses tuve la entrevista", [("~2026-09-02", "interview")]),
        ("me rechazaron hace unos meses y medio", [("~2026-08-17", "notice")]),
    ],
)
def test_a_vague_spanish_count_gives_a_date_marked_as_an_estimate(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hace tres semanas me dieron la carta", [("2026-11-11", "notice")]),
        ("me dieron la carta hace 3 días", [("2026-11-29", "notice")]),
        ("me rechazaron hace dos semanas", [("2026-11-18", "notice")]),
        ("me la dieron el viernes pasado", [("2026-11-27", "notice")]),
    ],
)
def test_an_exact_spanish_count_is_no_estimate(text, expected):
    assert found(text) == expected


# A hedged count ("hace como 3 semanas") is an estimate too: marked "~" (of two counts, the earlier).
@pytest.mark.parametrize(
    "text, expected",
    [
        ("me dieron la carta hace como 3 semanas", [("~2026-11-11", "notice")]),
        ("me dieron la carta hace unas 3 semanas", [("~2026-11-11", "notice")]),
        ("me rechazaron hace aproximadamente 10 días", [("~2026-11-22", "notice")]),
        ("la entrevista fue hace más o menos un mes", [("~2026-11-02", "interview")]),
        ("me dieron la carta hace casi un mes", [("~2026-11-02", "notice")]),
        ("me rechazaron hace 3 o 4 días", [("~2026-11-28", "notice")]),
        ("me dieron la carta hace más de un mes", [("~2026-11-02", "notice")]),
        ("me dieron la carta hace alrededor de 2 semanas", [("~2026-11-18", "notice")]),
        ("me dieron la carta hace 3 a 4 semanas", [("~2026-11-04", "notice")]),
        ("hace entre 2 y 3 semanas me dieron la carta", [("~2026-11-11", "notice")]),
        ("hace una semana o dos me dieron la carta", [("~2026-11-18", "notice")]),
        ("hace 3 semanas más o menos me dieron la carta", [("~2026-11-11", "notice")]),
        ("me dieron la carta como hace 3 semanas", [("~2026-11-11", "notice")]),
        ("hace como medio año me dieron la carta", [("~2026-06-02", "notice")]),
        ("hace como un año y medio me dieron la carta", [("~2025-06-02", "notice")]),
    ],
)
def test_a_hedged_spanish_count_gives_a_date_marked_as_an_estimate(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hace tres semanas me dieron la carta", [("2026-11-11", "notice")]),
        ("me rechazaron hace un mes", [("2026-11-02", "notice")]),
        ("hace como 3 semanas que espero", []),  # how long: a duration (bot.rules.durations)
        ("desde hace como 3 semanas estoy en proceso administrativo", []),
    ],
)
def test_an_unhedged_spanish_count_stays_exact_and_a_wait_is_no_date(text, expected):
    assert found(text) == expected
