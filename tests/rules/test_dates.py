"""Dates in applicants' messages: formats, relative dates, roles, corrections. The property that
matters most (the deadline shown is never later than the true one) is tests/rules/test_deadline_property.py."""

import datetime as dt

import pytest

from bot.rules.dates import find_dates
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
    assert values(text) == [(value, role)]


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
    assert values(text) == [(value, role)]


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
