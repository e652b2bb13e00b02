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
