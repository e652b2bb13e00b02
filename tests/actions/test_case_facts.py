"""Which notice and interview dates count (actions/case_facts.py), from what the real entity
extractor finds in the applicant's words: never a later date than the applicant gave, and a
correction wins only where it is one (issue 21, finding 4)."""

import datetime as dt

import pytest

from actions.case_facts import facts_from_tracker
from actions.resources import ADVICE
from tests.common import understood_tracker


def counted(*messages):
    facts, _, problem = facts_from_tracker(understood_tracker(*messages, intent="ask_deadline"))
    assert problem is None
    found = ADVICE.countdown(facts)
    return found.deadline.deadline if found.deadline else None


@pytest.mark.parametrize(
    "message",
    [
        "I got 221g on 3 March 2026 at my interview, then the letter they emailed is dated 20 March 2026. deadline?",
        "I was handed the 221g at my interview on 3 March 2026 but the emailed letter is dated 20 March 2026",
        "my 221g letter is dated 20 March 2026. the officer gave me the 221g on 3 March 2026",
    ],
)
def test_a_221g_handed_over_at_the_interview_counts_before_a_later_letter(message):
    assert counted(message) == dt.date(2027, 3, 3)


def test_a_later_letter_date_in_a_later_message_does_not_replace_the_earlier_one():
    assert counted("got a 221g on 3 March 2026", "the letter they emailed is dated 20 March 2026") == dt.date(
        2027, 3, 3
    )


@pytest.mark.parametrize(
    ("messages", "deadline"),
    [
        (("my 221g letter is dated 20 March 2026, sorry I meant 3 March 2026",), dt.date(2027, 3, 3)),
        (("my 221g letter is dated 20 March 2026... no wait, it was 3 March 2026",), dt.date(2027, 3, 3)),
        (("my 221g letter is dated 20 March 2026", "sorry, I meant 3 March 2026"), dt.date(2027, 3, 3)),
        # The corrected date wins, even a later one: it is what the applicant says the letter reads.
        (("my 221g letter is dated 3 March 2026", "sorry, I meant 20 March 2026"), dt.date(2027, 3, 20)),
    ],
)
def test_a_correction_wins_in_one_message_and_across_turns(messages, deadline):
    assert counted(*messages) == deadline


def test_a_correction_that_could_be_of_either_date_takes_the_reading_that_counts_from_the_earlier_day():
    # Letter said to be 25 June 2025, interview 3 May 2025; "sorry I meant 22 May 2025" may correct either:
    # as the letter's date the year runs from 3 May; as the interview's, from 22 May. The earlier counts.
    assert counted(
        "my 221g letter is dated 25 June 2025, and I had my interview on 3 May 2025", "Sorry I meant 22 May 2025"
    ) == dt.date(2026, 5, 3)


def refused(*messages):
    facts, events, problem = facts_from_tracker(understood_tracker(*messages, intent="ask_deadline"))
    return (facts.notice_date, facts.interview_date), problem.code if problem else None


@pytest.mark.parametrize(
    "messages",
    [
        ("I got the 221g a few days ago",),
        ("me dieron la 221g hace unos días",),
        # An estimate may be earlier than the exact date given before it: asked, not ignored.
        ("my 221g letter is dated 10 June 2026", "actually I got the 221g a couple of weeks ago"),
        ("la carta 221g tiene fecha del 10 de junio de 2026", "perdón, me dieron la 221g hace un par de semanas"),
        # Of two dates in one message the estimate is chosen, not the exact one after it.
        ("I got the 221g a couple of weeks ago, the notice is dated 10 June 2026",),
    ],
)
def test_an_estimated_notice_date_is_refused_whatever_else_was_said(messages):
    assert refused(*messages) == ((None, None), "approximate_date")


def test_the_printed_date_given_after_an_estimate_counts():
    assert counted("I got the 221g a few days ago", "the letter is dated 10 June 2026") == dt.date(2027, 6, 10)
    assert counted("me dieron la 221g hace unos días", "la carta tiene fecha del 10 de junio de 2026") == dt.date(
        2027, 6, 10
    )
