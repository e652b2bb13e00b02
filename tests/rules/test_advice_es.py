"""Answers in Spanish (AdviceEngine.answer(..., language="es")): the same decisions as in
English, word for word from the entries' translations, with dates and waits in Spanish."""

import datetime as dt
import itertools
import re

import pytest

from actions.resources import ADVICE
from bot.language.words import words
from bot.rules.advice import CaseFacts
from tests.rules.test_countdown_grid import DATES, DV_YEARS, KINDS, SECTIONS, TODAY, VISAS

ENGLISH_MONTHS = re.compile(r"\b(?:" + "|".join(words("en").months) + r")\b")
GRID = [
    CaseFacts(refusal_section=section, kind_221g=kind, visa_type=visa, dv_year=dv_year, notice_date=notice,
              interview_date=interview)
    for section, kind, visa, dv_year, (notice, interview) in itertools.product(SECTIONS, KINDS, VISAS, DV_YEARS, DATES)
    if dv_year is None or visa == "DV"
]  # fmt: skip


@pytest.mark.parametrize("topic", sorted(ADVICE.topics))
def test_the_spanish_answer_decides_exactly_as_the_english_one(topic):
    # The language changes the words, never the entries chosen, the deadline, its urgency or the referral.
    for facts in GRID:
        english, spanish = ADVICE.answer(topic, facts), ADVICE.answer(topic, facts, "es")
        assert (spanish.entries, spanish.deadline, spanish.referral, spanish.needs) == (
            english.entries,
            english.deadline,
            english.referral,
            english.needs,
        ), facts
        for text in (spanish.lead, *spanish.explanation, *spanish.tips):
            assert "{" not in text and not ENGLISH_MONTHS.search(text), (facts, text)


def test_a_deadline_is_written_in_spanish_words():
    facts = CaseFacts(refusal_section="221g", kind_221g="documents", notice_date=dt.date(2026, 3, 10))
    answer = ADVICE.answer("deadline", facts, "es")
    assert answer.deadline is not None and answer.deadline.deadline == dt.date(2027, 3, 10)
    assert "10 de marzo de 2027" in " ".join(answer.explanation)
    first = ADVICE.kb.entry(answer.entries[0]).translation("es")
    assert first is not None and answer.lead.startswith(first.short.split("{")[0] if first.short else first.text[:20])


def test_a_wait_is_said_in_spanish():
    facts = CaseFacts(kind_221g="administrative_processing", interview_date=TODAY - dt.timedelta(days=56))
    answer = ADVICE.answer("processing_time", facts, "es")
    assert "8 semanas" in " ".join(answer.explanation)
    assert words("es").wait(100) == "unos 3 meses" and words("es").wait(913) == "unos 2 años y medio"
    assert words("en").wait(100) == "about 3 months" and words("es").join(["a", "b", "c"]) == "a, b y c"
