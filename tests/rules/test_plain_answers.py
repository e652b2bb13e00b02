"""The first bubble of every answer is short and plain: the knowledge entry that opens an
answer, in its short version, has at most 50 words and a reading grade of at most 8
(Flesch-Kincaid, textstat), over every answer the engine gives on the golden grid."""

import itertools

import textstat

from bot.rules.advice import OPTIONS_BY_NAME, AdviceEngine, CaseFacts
from bot.rules.knowledge import SHORT_MAX_WORDS, KnowledgeBase
from tests.rules.test_golden_answers import TODAY, grid

MAX_GRADE = 8.0


def answers():
    engine = AdviceEngine(KnowledgeBase.load(), today=lambda: TODAY)
    cases = itertools.product(grid(), sorted(engine.topics))
    named = ((CaseFacts(option_asked=option), "options") for option in OPTIONS_BY_NAME)
    waiting = [(CaseFacts(kind_221g="administrative_processing", visa_type="F-1"), "missed_deadline")]
    for facts, topic in itertools.chain(cases, named, waiting):
        answer = engine.answer(topic, facts)
        if not answer.needs:
            yield topic, facts, answer


def test_every_first_bubble_is_short_and_plain():
    leads = {answer.lead for _, _, answer in answers()}
    assert len(leads) >= 25  # every status, topic and deadline band opens with its own
    too_long = [lead for lead in leads if len(lead.split()) > SHORT_MAX_WORDS]
    too_hard = [(round(textstat.flesch_kincaid_grade(lead), 1), lead) for lead in leads]
    assert not too_long
    assert not [pair for pair in too_hard if pair[0] > MAX_GRADE]


def test_nothing_of_the_knowledge_base_is_dropped_for_a_short_first_bubble():
    for topic, facts, answer in answers():
        shown = {answer.lead} | {detail.text for detail in answer.details}
        missing = set(answer.explanation + answer.tips) - shown
        assert not missing, (topic, facts, missing)
