"""Spanish dates (bot/rules/dates.py): written out, relative, corrected, and their roles.
Written on Wednesday 2 December 2026, as the NLU sets are."""

import datetime as dt

import pytest

from bot.rules.dates import ESTIMATE, find_dates
from bot.rules.entities import EntityExtractor

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def extractor():
    return EntityExtractor()


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
    assert found(text) == [(value, ESTIMATE) for value, _role_of_its_words in expected]


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
    assert found(text) == [(value, ESTIMATE) for value, _role_of_its_words in expected]


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


# Compound counts (bot.rules.dates.COMPOUND), on the day of the review that found "hace un año y dos
# meses" read as "hace un año": the parts are counted back one after the other; a half is a clear
# quantity, so a fractional count is exact, its days rounded up to the EARLIER day.
JUNE_15 = dt.date(2026, 6, 15)


def on_june_15(text):
    return [(m.value, m.role, text[m.start : m.end]) for m in find_dates(text, JUNE_15)]


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("me dieron la carta hace un año y dos meses", "2025-04-15", "hace un año y dos meses"),
        ("me dieron la carta hace 1 año 2 meses", "2025-04-15", "hace 1 año 2 meses"),
        ("me dieron la carta hace un año, dos meses y tres días", "2025-04-12", "hace un año, dos meses y tres días"),
        ("me dieron la carta hace dos meses y tres semanas", "2026-03-25", "hace dos meses y tres semanas"),
        ("me dieron la carta hace 2 meses 3 semanas", "2026-03-25", "hace 2 meses 3 semanas"),
        ("me dieron la carta hace tres semanas y media", "2026-05-21", "hace tres semanas y media"),  # not 22 May
        ("me dieron la carta hace dos años y medio", "2023-12-15", "hace dos años y medio"),
        ("me dieron la carta hace un mes y medio", "2026-04-29", "hace un mes y medio"),  # 15.5 days: 16
        ("me dieron la carta hace una semana y media", "2026-06-04", "hace una semana y media"),
        ("me dieron la carta hace año y medio", "2024-12-15", "hace año y medio"),
        ("me dieron la carta hace mes y medio", "2026-04-29", "hace mes y medio"),
        ("me dieron la carta hace medio año", "2025-12-15", "hace medio año"),
    ],
)
def test_a_spanish_compound_count_is_summed_to_an_exact_earlier_day(text, value, span):
    assert on_june_15(text) == [(value, "notice", span)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("me dieron la carta hace un mes y pico", "~2026-05-15"),
        ("me dieron la carta hace un mes y algo", "~2026-05-15"),
        ("me dieron la carta hace un año y tantos", "~2025-06-15"),
        ("me dieron la carta hace tres semanas y unos días", "~2026-05-22"),  # a part whose count is no number
        ("me dieron la carta hace tres semanas, tal vez más", "~2026-05-25"),
        ("me dieron la carta hace ~3 semanas", "~2026-05-25"),
        ("me dieron la carta hace unas buenas 3 semanas", "~2026-05-25"),
        ("me dieron la carta hace un buen mes", "~2026-05-15"),
        ("me dieron la carta hace como un año y dos meses", "~2025-04-15"),
        ("me dieron la carta hace como tres semanas y media", "~2026-05-21"),
    ],
)
def test_an_open_ended_or_hedged_spanish_compound_or_count_is_an_estimate(text, value):
    assert [(v, role) for v, role, _ in on_june_15(text)] == [(value, ESTIMATE)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("me dieron la carta hace tres semanas", "2026-05-25"),
        ("me dieron la carta hace 3 semanas", "2026-05-25"),
        ("me dieron la carta hace un mes", "2026-05-15"),
        ("me dieron la carta hace 2 años", "2024-06-15"),
        ("me dieron la carta hace 10 días", "2026-06-05"),
    ],
)
def test_an_exact_single_spanish_count_is_unchanged(text, value):
    assert on_june_15(text) == [(value, "notice", text.removeprefix("me dieron la carta "))]


def test_a_greeting_before_hace_is_no_hedge():
    # "buenas" is a hedge after "hace" only ("hace unas buenas 3 semanas").
    assert on_june_15("Buenas hace 3 semanas me dieron la carta") == [("2026-05-25", "notice", "hace 3 semanas")]


@pytest.mark.parametrize(
    "text, days",
    [
        ("llevo un mes y medio esperando", 47),
        ("hace un mes y medio que espero", 47),  # how long: before, "hace un mes y medio" was a date
        ("hace 2 meses y medio que estoy en AP", 77),
    ],
)
def test_a_spanish_compound_wait_is_still_a_duration_not_a_date(extractor, text, days):
    found = extractor.extract(text, JUNE_15)
    assert [e.value for e in found if e.entity == "duration"] == [days]
    assert not [e for e in found if e.entity == "date"]


@pytest.mark.parametrize("text", ["hace un año y dos meses que espero", "hace un mes y pico que espero la visa"])
def test_a_spanish_compound_with_que_is_how_long_not_a_date(text):
    assert on_june_15(text) == []  # before, "hace un año" and "hace un mes" were dates
