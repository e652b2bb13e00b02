"""Spanish words for the contract's entities (bot/rules/data, bot/rules/entities.py,
bot/rules/durations.py), normalised to the same values as in English."""

import datetime as dt

import pytest

from bot.rules.entities import EntityExtractor

TODAY = dt.date(2026, 12, 2)
EXTRACTOR = EntityExtractor()


def values(text, entity):
    return [e.value for e in EXTRACTOR.extract(text, TODAY) if e.entity == entity]


@pytest.mark.parametrize(
    "text, entity, expected",
    [
        ("mi caso dice rechazado", "ceac_status", ["refused"]),
        ("llevo meses en procesamiento administrativo", "ceac_status", ["administrative_processing"]),
        ("mi caso está en el NVC", "ceac_status", ["at_nvc"]),
        ("la entrevista fue en Juárez", "consulate", ["Ciudad Juarez"]),
        ("me entrevistaron en la CDMX", "consulate", ["Mexico City"]),
        ("el caso de mi mamá en La Habana", "consulate", ["Havana"]),
        ("pedí la visa de turista", "visa_type", ["B1/B2"]),
        ("es una visa de prometida", "visa_type", ["K-1"]),
        ("me llamo María José Pérez", "person_name", ["María José Pérez"]),
        ("mi nombre es Ana y tengo una pregunta", "person_name", ["Ana"]),
    ],
)
def test_spanish_names_of_entities_get_the_contracts_values(text, entity, expected):
    assert values(text, entity) == expected


@pytest.mark.parametrize(
    "text, days",
    [
        ("ya pasaron 6 meses desde la entrevista", 183),
        ("ya van 40 dias", 40),
        ("Ya llevo un mes y medio.", 46),
        ("Ya voy en el día 34.", 34),
        ("ya tenemos 5 meses esperando", 153),
        ("Ya van 70 días sin noticias", 70),
    ],
)
def test_spanish_waits_are_durations_in_days(text, days):
    assert values(text, "duration") == [days]


@pytest.mark.parametrize(
    "text", ["tengo un año para mandar los papeles", "la lista de documentos", "la carta emitida en Bogotá"]
)
def test_spanish_words_that_are_no_wait_and_no_status(text):
    found = EXTRACTOR.extract(text, TODAY)
    assert [e.entity for e in found if e.entity in ("duration", "ceac_status")] == []
