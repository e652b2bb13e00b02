"""Dates in applicants' messages: formats, relative dates, roles, corrections. The property that
matters most (the deadline shown is never later than the true one) is tests/rules/test_deadline_property.py."""

import datetime as dt

import pytest

from bot.rules.dates import ESTIMATE, find_dates
from bot.rules.entities import EntityExtractor

TODAY = dt.date(2026, 12, 2)  # a Wednesday


@pytest.fixture(scope="module")
def extractor():
    return EntityExtractor()


def values(text, today=TODAY):
    return [(m.value, m.role) for m in find_dates(text, today)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("letter dated 3 March 25", "2025-03-03"),  # two-digit year after a month name
        ("letter dated Dec 20 24", "2024-12-20"),
        ("letter dated 3/3/26", "2026-03-03"),
        ("letter dated 09-Feb-2026", "2026-02-09"),  # CEAC's print format
        ("letter dated 2026/07/15", "2026-07-15"),
        ("letter dated 12-May-2026", "2026-05-12"),
        ("letter dated 20th April 2026", "2026-04-20"),
        ("letter dated March 2nd, 2026", "2026-03-02"),
        ("letter dated 3rd of march 2026", "2026-03-03"),
        ("letter dated 15.07.2026", "2026-07-15"),
        ("letter dated 20 Dec", "2025-12-20"),  # no year: the most recent past one
        ("letter dated 5 nov", "2026-11-05"),
    ],
)
def test_formats(text, value):
    assert values(text) == [(value, "notice")]


@pytest.mark.parametrize(
    "text, value",
    [
        ("got the 221g today", "2026-12-02"),
        ("got the 221g yesterday", "2026-12-01"),
        ("got the 221g two months ago", "2026-10-02"),
        ("got the 221g 1.5 years ago", "2025-06-02"),
        ("got the 221g half a year ago", "2026-06-02"),
        ("got the 221g a year and a half ago", "2025-06-02"),
        ("got the 221g 2.5 months ago", "2026-09-16"),  # the half month rounded further back
        ("got the 221g last week", "2026-11-23"),  # a range: its Monday, the earliest day
        ("got the 221g last monday", "2026-11-30"),
    ],
)
def test_relative_dates_against_the_clock(text, value):
    assert values(text) == [(value, "notice")]


def test_last_week_is_marked_as_the_start_of_a_range():
    (mention,) = find_dates("interview last week", TODAY)
    assert mention.range_start and mention.value == "2026-11-23"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "my 221g letter is dated 3 March 2026 but I received it on 20 March",
            [("2026-03-03", "notice"), ("2026-03-20", "received")],
        ),
        ("I received the letter on 10 March 2026", [("2026-03-10", "received")]),
        (
            "interview was 2 Feb and the letter came by email on 10 Feb",
            [("2026-02-02", "interview"), ("2026-02-10", "received")],
        ),
        ("I sent the documents on 5 May 2026", [("2026-05-05", "sent")]),
        (
            "submitted docs at VFS on 5 May 2026, 221g was on 2 April 2026",
            [("2026-05-05", "sent"), ("2026-04-02", "notice")],
        ),
        ("my VFS appointment is on 10 December", [("2025-12-10", "appointment")]),
        ("On 3 March, I had my interview", [("2026-03-03", "interview")]),
        ("3 March 2026", [("2026-03-03", "other")]),
        # The month name's full stop ends the sentence: the next one's verb is not this date's.
        ("letter dated 29 August. it arrived on 5 September", [("2026-08-29", "notice"), ("2026-09-05", "received")]),
    ],
)
def test_every_date_gets_a_role(text, expected):
    assert values(text) == expected


def test_a_self_correction_takes_the_corrected_date():
    assert values("letter dated 3 march... sorry I meant 3 february") == [("2026-02-03", "notice")]
    assert values("interview 5 may, oops, I mean 4 may") == [("2026-05-04", "interview")]
    assert values("letter dated 20 March 2026... no wait, it was 3 March 2026") == [("2026-03-03", "notice")]


def test_a_swappable_numeric_date_is_left_ambiguous():
    (mention,) = find_dates("letter dated 03/04/2026", TODAY)
    assert mention.ambiguous and mention.value == "2026-03-04|2026-04-03"


@pytest.mark.parametrize(
    "text, days",
    [("stuck in AP 2.5 months", 77), ("AP for 47 days", 47), ("waiting 1.5 years", 548)],
)
def test_decimal_durations(extractor, text, days):
    assert [(e.entity, e.value) for e in extractor.extract(text, TODAY) if e.entity == "duration"] == [
        ("duration", days)
    ]


@pytest.mark.parametrize(
    "text",
    ["do I have a year to respond?", "is it true we get one year to send docs", "within one year of the letter?"],
)
def test_the_rules_year_is_not_a_wait(extractor, text):
    assert not [e for e in extractor.extract(text, TODAY) if e.entity == "duration"]


# A count that is no number gives an estimate: the letter may be older than any number we would
# read it as ("a few days" as 3 counts 5 days too many from a letter 8 days old). It is marked
# "~" so that bot.rules.deadline refuses it and the assistant asks for the printed date.
@pytest.mark.parametrize(
    "text, value, role",
    [
        ("got the 221g a few days ago", "~2026-11-29", "notice"),
        ("my 221g letter is dated a couple of weeks ago", "~2026-11-18", "notice"),
        ("I got the letter a couple weeks ago", "~2026-11-18", "received"),
        ("my interview was a few weeks ago", "~2026-11-11", "interview"),
        ("I was given the 221g slip several days ago", "~2026-11-29", "notice"),
        ("some weeks ago I got the 221(g)", "~2026-11-11", "notice"),
        ("the interview was few months ago", "~2026-09-02", "interview"),
        ("a couple of months and a half ago", "~2026-09-16", "other"),
    ],
)
def test_a_vague_count_gives_a_date_marked_as_an_estimate(text, value, role):
    # `role`: what its words say; an estimate's role is its own, so that no slot takes it.
    assert values(text) == [(value, ESTIMATE)] and role


@pytest.mark.parametrize(
    "text, value",
    [
        ("got the 221g 3 days ago", "2026-11-29"),
        ("got the 221g three weeks ago", "2026-11-11"),
        ("got the 221g a week ago", "2026-11-25"),
        ("got the 221g last friday", "2026-11-27"),
    ],
)
def test_an_exact_count_is_no_estimate(text, value):
    assert values(text) == [(value, "notice")]


# A hedged count is an estimate too: "about 3 weeks" may be 4, "over a month" is more than one, and
# of "3 or 4 days" the earlier counts. Marked "~" (the earlier reading of two), asked for, not counted.
@pytest.mark.parametrize(
    "text, value, role",
    [
        ("I got the 221g about 3 weeks ago", "~2026-11-11", "notice"),
        ("around 10 days ago I got the letter", "~2026-11-22", "received"),
        ("roughly a month ago my interview was", "~2026-11-02", "interview"),
        ("the 221g was approximately 2 weeks ago", "~2026-11-18", "notice"),
        ("I was refused 3 or 4 days ago", "~2026-11-28", "notice"),
        ("I got the 221g like 2 weeks ago", "~2026-11-18", "notice"),
        ("got the 221g over a month ago", "~2026-11-02", "notice"),
        ("got the 221g more than a month ago", "~2026-11-02", "notice"),
        ("got the 221g almost 2 months ago", "~2026-10-02", "notice"),
        ("got the 221g maybe 3 weeks ago", "~2026-11-11", "notice"),
        ("got the 221g 3-4 weeks ago", "~2026-11-04", "notice"),
        ("got the 221g 2 to 3 weeks ago", "~2026-11-11", "notice"),
        ("got the 221g between 2 and 3 weeks ago", "~2026-11-11", "notice"),
        ("a week or two ago I got the 221g", "~2026-11-18", "notice"),
        ("got the 221g 2 weeks or a month ago", "~2026-11-02", "notice"),
        ("got the 221g 3 weeks ago or so", "~2026-11-11", "notice"),
        ("the 221g was 3 weeks ago, more or less", "~2026-11-11", "notice"),
        ("got the 221g 3ish weeks ago", "~2026-11-11", "notice"),
        ("got the 221g about half a year ago", "~2026-06-02", "notice"),
        ("got the 221g about 1.5 years ago", "~2025-06-02", "notice"),
        ("got the 221g about a year and a half ago", "~2025-06-02", "notice"),
    ],
)
def test_a_hedged_count_gives_a_date_marked_as_an_estimate(text, value, role):
    assert values(text) == [(value, ESTIMATE)] and role


@pytest.mark.parametrize(
    "text, value",
    [
        ("got the 221g 3 weeks ago", "2026-11-11"),
        ("got the 221g just 3 days ago", "2026-11-29"),  # "just": only, not about
        ("got the 221g almost exactly a year ago", "2025-12-02"),  # the hedge is not next to the count
        ("got the 221g exactly 2 months ago", "2026-10-02"),
    ],
)
def test_an_unhedged_count_stays_exact(text, value):
    assert values(text) == [(value, "notice")]


@pytest.mark.parametrize(
    "text, days",
    [("about 3 weeks in AP", 21), ("I've been in AP for about 3 weeks", 21), ("AP for around 10 days now", 10)],
)
def test_a_hedged_wait_is_still_a_duration_not_a_date(extractor, text, days):
    found = extractor.extract(text, TODAY)
    assert [e.value for e in found if e.entity == "duration"] == [days]
    assert not [e for e in found if e.entity == "date"]


# Compound counts (bot.rules.dates.COMPOUND), on the day of the review that found them read as
# much later days: "three and a half weeks ago" as "a half weeks ago", "1 year and 2 months ago" as
# "2 months ago". The parts are counted back one after the other; a half is a clear quantity, so a
# fractional count is exact, its days rounded up to the EARLIER day (24.5 days back is 25).
JUNE_15 = dt.date(2026, 6, 15)


def on_june_15(text):
    return [(m.value, m.role, text[m.start : m.end]) for m in find_dates(text, JUNE_15)]


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("got the 221g three and a half weeks ago", "2026-05-21", "three and a half weeks ago"),  # not 22 May
        ("got the 221g two and a half years ago", "2023-12-15", "two and a half years ago"),
        ("got the 221g 1 year and 2 months ago", "2025-04-15", "1 year and 2 months ago"),
        ("got the 221g 2 months 3 weeks ago", "2026-03-25", "2 months 3 weeks ago"),
        ("got the 221g 2 months and 3 weeks ago", "2026-03-25", "2 months and 3 weeks ago"),
        ("got the 221g 1 year, 2 months ago", "2025-04-15", "1 year, 2 months ago"),  # the earlier reading
        ("got the 221g a week and 2 days ago", "2026-06-06", "a week and 2 days ago"),
        ("got the 221g 2 and a half months ago", "2026-03-30", "2 and a half months ago"),  # 15.5 days: 16
        ("got the 221g two and half months ago", "2026-03-30", "two and half months ago"),
        ("got the 221g 2½ months ago", "2026-03-30", "2½ months ago"),
        ("got the 221g 2 1/2 months ago", "2026-03-30", "2 1/2 months ago"),
        ("got the 221g 3 weeks and a half ago", "2026-05-21", "3 weeks and a half ago"),
        ("got the 221g a year and a half ago", "2024-12-15", "a year and a half ago"),
        ("got the 221g year and a half ago", "2024-12-15", "year and a half ago"),
        ("got the 221g a day and a half ago", "2026-06-13", "a day and a half ago"),
        ("got the 221g half a year ago", "2025-12-15", "half a year ago"),
    ],
)
def test_a_compound_count_is_summed_to_an_exact_earlier_day(text, value, span):
    assert on_june_15(text) == [(value, "notice", span)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("got the 221g three weeks ago, maybe more", "~2026-05-25"),
        ("I think my 221g was half a year ago, maybe little more", "~2025-12-15"),  # tests/nlu/dev_set
        ("got the 221g ~3 weeks ago", "~2026-05-25"),
        ("got the 221g ≈ 3 weeks ago", "~2026-05-25"),
        ("got the 221g a good 3 weeks ago", "~2026-05-25"),
        ("got the 221g a good month ago", "~2026-05-15"),
        ("got the 221g 3+ weeks ago", "~2026-05-25"),
        ("got the 221g 20-odd days ago", "~2026-05-26"),
        ("got the 221g a month and a bit ago", "~2026-05-15"),
        ("got the 221g a month and something ago", "~2026-05-15"),
        ("got the 221g three weeks and a few days ago", "~2026-05-22"),  # a part whose count is no number
        ("got the 221g about 1 year and 2 months ago", "~2025-04-15"),
        ("got the 221g about three and a half weeks ago", "~2026-05-21"),
        ("got the 221g three and a half weeks ago or so", "~2026-05-21"),
    ],
)
def test_an_open_ended_or_hedged_compound_or_count_is_an_estimate(text, value):
    assert [(v, role) for v, role, _ in on_june_15(text)] == [(value, ESTIMATE)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("got the 221g 3 weeks ago", "2026-05-25"),
        ("got the 221g three weeks ago", "2026-05-25"),
        ("got the 221g a month ago", "2026-05-15"),
        ("got the 221g 2 years ago", "2024-06-15"),
        ("got the 221g 10 days ago", "2026-06-05"),
        ("got the 221g 1.5 years ago", "2024-12-15"),
    ],
)
def test_an_exact_single_count_is_unchanged(text, value):
    assert on_june_15(text) == [(value, "notice", text.removeprefix("got the 221g "))]


def test_two_dates_each_compound_or_not():
    assert on_june_15("got the 221g 1 year and 2 months ago, interview was 3 weeks ago") == [
        ("2025-04-15", "notice", "1 year and 2 months ago"),
        ("2026-05-25", "interview", "3 weeks ago"),
    ]


@pytest.mark.parametrize(
    "text, span",
    [
        ("stuck in AP 4 months, 2 weeks ago I emailed them", "2 weeks ago"),  # a wait, then a date
        ("stuck in AP 4 months 2 weeks ago I emailed them", "2 weeks ago"),
        ("stuck in AP 1 year 4 months, 2 weeks ago I emailed them", "2 weeks ago"),
        ("I applied last year, 2 months ago I got the 221g", "2 months ago"),
        ("got the 221g 2 days 3 weeks ago", "3 weeks ago"),  # smaller unit first: no compound
    ],
)
def test_counts_that_are_no_compound_leave_the_date_alone(text, span):
    assert [found for _, _, found in on_june_15(text)] == [span]


@pytest.mark.parametrize(
    "text, days",
    [
        ("two and a half months in AP", 77),
        ("stuck in AP 4 months, 2 weeks ago I emailed them", 120),
        ("stuck in AP 1 year 4 months, 2 weeks ago I emailed them", 485),
        ("it has been 1 year and 2 months", 426),
        ("stuck in AP 2 and a half months", 77),
    ],
)
def test_a_compound_wait_is_still_a_duration_not_a_date(extractor, text, days):
    found = extractor.extract(text, JUNE_15)
    assert [e.value for e in found if e.entity == "duration"] == [days]
    assert [e.value for e in found if e.entity == "date"] == (["2026-06-01"] if "ago" in text else [])


# A hedged calendar date is an estimate too: "around 3 March" may be 1 March, and a deadline
# counted from 3 March could then be later than the real one. It was read as exact.
@pytest.mark.parametrize(
    "text, value",
    [
        ("I got the 221g around 3 March 2026", "~2026-03-03"),
        ("the letter is dated approximately March 3, 2026", "~2026-03-03"),
        ("my interview was roughly on the 3rd of March 2026", "~2026-03-03"),
        ("the refusal was about 3 March 2026", "~2026-03-03"),
        ("about 3 March 2026 I was refused", "~2026-03-03"),
        ("got the 221g maybe 3 March, I lost the letter", "~2026-03-03"),
        ("got the 221g 3 March 2026 or so", "~2026-03-03"),
        ("got the 221g 3 March 2026, give or take", "~2026-03-03"),
        ("got the 221g ~3 March 2026", "~2026-03-03"),
        ("got the 221g around 2026-03-03", "~2026-03-03"),
        ("got the 221g around 15/03/2026", "~2026-03-15"),
        ("me dieron la 221g alrededor del 3 de marzo de 2026", "~2026-03-03"),
        ("me dieron la 221g el 3 de marzo de 2026 más o menos", "~2026-03-03"),
        ("me dieron la 221g como el 3 de marzo de 2026", "~2026-03-03"),
    ],
)
def test_a_hedged_calendar_date_is_an_estimate(text, value):
    assert values(text) == [(value, ESTIMATE)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("and what about 20 May 2026?", "2026-05-20"),  # "what about": another question, not a hedge
        ("I have a question about 3 March 2026 letter", "2026-03-03"),
        ("got the 221g on 3 March 2026", "2026-03-03"),
        ("got the 221g exactly on 3 March 2026", "2026-03-03"),
    ],
)
def test_a_calendar_date_without_a_hedge_stays_exact(text, value):
    assert [value for value, _ in values(text)] == [value]
