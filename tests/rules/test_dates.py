"""Dates in applicants' messages: formats, relative dates, roles, corrections, and the
property that matters most: the deadline shown is never later than the true one."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker

from actions.case_facts import facts_from_tracker
from bot.rules.dates import find_dates
from bot.rules.deadline import compute_deadline, one_year_after
from bot.rules.entities import EntityExtractor
from bot.rules.names import MONTH_NAMES

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
    ],
)
def test_every_date_gets_a_role(text, expected):
    assert values(text) == expected


def test_a_self_correction_takes_the_corrected_date():
    assert values("letter dated 3 march... sorry I meant 3 february") == [("2026-02-03", "notice")]
    assert values("interview 5 may, oops, I mean 4 may") == [("2026-05-04", "interview")]


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


# --- the property: never a later deadline than the truth -------------------------------


def _formats(value: dt.date):
    month = MONTH_NAMES[value.month - 1]
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(value.day, "th")
    out = [
        f"{value.day} {month} {value.year}",
        f"{value.day} {month} {value.year % 100:02d}",
        f"{month} {value.day}{suffix}, {value.year}",
        f"{month[:3]} {value.day} {value.year % 100:02d}",
        f"{value.day:02d}-{month[:3]}-{value.year}",
        f"{value.year}/{value.month:02d}/{value.day:02d}",
        value.isoformat(),
        f"{value.day}{suffix} of {month} {value.year}",
    ]
    if value.day > 12:  # unambiguous numeric forms only: the ambiguous ones are confirmed first
        out += [f"{value.day}/{value.month}/{value.year}", f"{value.month}/{value.day}/{value.year % 100:02d}"]
    return out


PHRASES = {
    "notice": [
        "my 221g letter is dated {}",
        "the notice is dated {}",
        "refused under 221(g) on {}",
        "got 221g on {}",
        "the date on the letter is {}",
        "221g slip given {}",
    ],
    "interview": ["interview was on {}", "had my interview {}", "On {}, I had my interview"],
    "received": ["I received it on {}", "the letter came by email on {}", "it arrived on {}"],
    "sent": ["I sent the documents on {}", "submitted docs at VFS on {}", "dropped the papers on {}"],
}
JOINERS = [". ", ", and ", " but ", "; "]


@st.composite
def cases(draw):
    notice = TODAY - dt.timedelta(days=draw(st.integers(0, 800)))
    dates = {"notice": notice}
    if draw(st.booleans()):
        dates["interview"] = notice - dt.timedelta(days=draw(st.integers(0, 40)))
    if draw(st.booleans()):
        dates["received"] = min(TODAY, notice + dt.timedelta(days=draw(st.integers(0, 60))))
    if draw(st.booleans()):
        dates["sent"] = min(TODAY, notice + dt.timedelta(days=draw(st.integers(0, 200))))
    if len(dates) > 1 and draw(st.integers(0, 4)) == 0:
        del dates["notice"]  # sometimes only the other dates are given
    parts = [
        draw(st.sampled_from(PHRASES[role])).format(draw(st.sampled_from(_formats(value))))
        for role, value in dates.items()
    ]
    order = draw(st.permutations(parts))
    text = order[0]
    for part in order[1:]:
        text += draw(st.sampled_from(JOINERS)) + part
    truth_start = (
        min(dates[r] for r in ("notice", "interview") if r in dates)
        if ("notice" in dates or "interview" in dates)
        else None
    )
    return text + ", when is my deadline?", truth_start


def _slots_from(entities):
    """The slots domain.yml fills from these entities (from_entity mappings with roles)."""
    slots = {}
    for entity in entities:
        if entity["entity"] == "date":
            slot = {"notice": "notice_date", "interview": "interview_date", "other": "date"}.get(entity.get("role"))
            if slot:
                slots[slot] = entity["value"]
    return slots


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_deadline_shown_is_never_later_than_the_truth(extractor, case):
    text, truth_start = case
    entities = [{"entity": e.entity, "value": e.value, "role": e.role} for e in extractor.extract(text, TODAY)]
    tracker = Tracker(
        "property", _slots_from(entities), {"text": text, "entities": entities}, [], False, None, {}, "action_listen"
    )
    facts, _, problem = facts_from_tracker(tracker)
    if not (facts.notice_date or facts.interview_date):
        return  # no deadline shown: the assistant asks for the date printed on the notice
    shown = compute_deadline(TODAY, facts.notice_date, facts.interview_date).deadline
    assert truth_start is not None, f"a deadline from no counting date: {text!r}"
    assert shown <= one_year_after(truth_start), text
