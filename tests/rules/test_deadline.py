import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language import LANGUAGES
from bot.language.words import check_date_problems, placeholders, words
from bot.rules.deadline import (
    DUE_TODAY,
    LATER,
    PASSED,
    REASONS,
    WITHIN_30_DAYS,
    WITHIN_90_DAYS,
    DateError,
    check_not_future,
    compute_deadline,
    make_date,
    one_year_after,
    parse_iso,
    urgency_for,
)
from bot.rules.yamlfile import DataFileError

TODAY = dt.date(2026, 6, 15)


def test_deadline_is_same_day_one_year_after_the_notice():
    found = compute_deadline(TODAY, notice_date=dt.date(2026, 3, 3))
    assert found.deadline == dt.date(2027, 3, 3)
    assert found.days_left == 261
    assert found.urgency == LATER
    assert found.counted_from == "notice"


def test_leap_day_notice_ends_on_28_february_never_later():
    assert one_year_after(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    found = compute_deadline(dt.date(2025, 1, 1), notice_date=dt.date(2024, 2, 29))
    assert found.deadline == dt.date(2025, 2, 28)


def test_notice_dated_28_february_before_a_leap_year_keeps_28_february():
    assert one_year_after(dt.date(2023, 2, 28)) == dt.date(2024, 2, 28)


def test_due_today():
    found = compute_deadline(TODAY, notice_date=dt.date(2025, 6, 15))
    assert (found.deadline, found.days_left, found.urgency) == (TODAY, 0, DUE_TODAY)


def test_passed_yesterday():
    found = compute_deadline(TODAY, notice_date=dt.date(2025, 6, 14))
    assert (found.days_left, found.urgency) == (-1, PASSED)


def test_notice_dated_today_gives_a_full_year():
    found = compute_deadline(TODAY, notice_date=TODAY)
    assert found.deadline == dt.date(2027, 6, 15)
    assert found.days_left == 365


@pytest.mark.parametrize(
    "days_left, urgency",
    [
        (-400, PASSED),
        (-1, PASSED),
        (0, DUE_TODAY),
        (1, WITHIN_30_DAYS),
        (30, WITHIN_30_DAYS),
        (31, WITHIN_90_DAYS),
        (90, WITHIN_90_DAYS),
        (91, LATER),
        (365, LATER),
    ],
)
def test_urgency_bands(days_left, urgency):
    assert urgency_for(days_left) == urgency


def test_earlier_of_interview_and_notice_counts():
    found = compute_deadline(TODAY, notice_date=dt.date(2026, 3, 20), interview_date=dt.date(2026, 3, 3))
    assert found.deadline == dt.date(2027, 3, 3)
    assert found.counted_from == "interview"
    found = compute_deadline(TODAY, notice_date=dt.date(2026, 3, 1), interview_date=dt.date(2026, 3, 3))
    assert (found.deadline, found.counted_from) == (dt.date(2027, 3, 1), "notice")


def test_same_day_interview_and_notice_counts_as_the_notice():
    found = compute_deadline(TODAY, notice_date=dt.date(2026, 3, 3), interview_date=dt.date(2026, 3, 3))
    assert found.counted_from == "notice"


def test_future_notice_date_is_refused_with_a_reason():
    with pytest.raises(DateError, match="in the future"):
        compute_deadline(TODAY, notice_date=dt.date(2026, 6, 16))


def test_future_interview_date_is_refused_even_when_the_notice_is_fine():
    with pytest.raises(DateError, match="interview date 1 July 2026 is in the future"):
        compute_deadline(TODAY, notice_date=dt.date(2026, 3, 1), interview_date=dt.date(2026, 7, 1))


def test_no_date_is_refused():
    with pytest.raises(DateError, match="date printed on your 221"):
        compute_deadline(TODAY)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2026-02-30", "30 February 2026 does not exist"),
        ("2025-02-29", "29 February 2025 does not exist"),
        ("2026-04-31", "31 April 2026 does not exist"),
        ("2026-13-01", "no month 13"),
        ("next week", "not a date in the form YYYY-MM-DD"),
    ],
)
def test_nonexistent_dates_are_refused_not_guessed(text, reason):
    with pytest.raises(DateError, match=reason):
        parse_iso(text)


def test_an_estimated_date_is_refused_never_counted():
    # bot.rules.dates marks "a few days ago" as an estimate: the real day may be earlier.
    with pytest.raises(DateError, match="only approximate") as refused:
        parse_iso("~2026-06-12")
    assert refused.value.code == "approximate_date"


# --- the reasons, in each language's words (bot/language/<code>/words.yml, date_problems) ---


def refusal(call, *args):
    with pytest.raises(DateError) as refused:
        call(*args)
    return refused.value


@pytest.mark.parametrize(
    "refused, english, spanish",
    [
        (
            lambda: parse_iso("2026-02-31"),
            "31 February 2026 does not exist; please check the date on your letter",
            "el 31 de febrero de 2026 no existe; por favor, revise la fecha de su carta",
        ),
        (lambda: parse_iso("2026-13-01"), "there is no month 13; please check the date", "no existe el mes 13"),
        (
            lambda: check_not_future(dt.date(2026, 7, 1), TODAY, "notice"),
            "the notice date 1 July 2026 is in the future; please check it",
            "la fecha de la carta, el 1 de julio de 2026, está en el futuro; por favor, revísela",
        ),
        (
            lambda: check_not_future(dt.date(2027, 3, 10), TODAY, "interview"),
            "the interview date 10 March 2027 is in the future; please check it",
            "la fecha de la entrevista, el 10 de marzo de 2027, está en el futuro",
        ),
        (
            lambda: check_not_future(dt.date(2026, 8, 1), TODAY, "received"),
            "the date 1 August 2026 is in the future; please check it",
            "el 1 de agosto de 2026 está en el futuro",
        ),
        (lambda: parse_iso("~2026-06-12"), "is only approximate", "es solo aproximada"),
        (lambda: compute_deadline(TODAY), "date printed on your 221(g) notice", "fecha impresa en su carta 221(g)"),
    ],
)
def test_a_refusal_is_a_reason_code_told_in_the_conversations_language(refused, english, spanish):
    error = refusal(refused)
    assert error.code in REASONS
    assert english in str(error) and str(error) == error.reason("en")  # str(): the English, for logs
    assert spanish in error.reason("es")
    assert error.reason("fr") == error.reason("en")  # a language without a table is English's


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_tells_every_reason_with_its_values(language):
    table = words(language).date_problems
    assert {code: placeholders(text) for code, text in table.items()} == {
        code: set(values) for code, values in REASONS.items()
    }


@pytest.mark.parametrize(
    "table, problem",
    [
        ({code: text for code, text in words("en").date_problems.items() if code != "no_such_day"}, "missing"),
        ({**words("en").date_problems, "no_such_week": "x"}, "not in English"),
        ({**words("en").date_problems, "no_such_day": "el {day} no existe"}, "no_such_day: placeholders"),
        ({**words("en").date_problems, "no_such_day": ""}, "expected a text"),
        (["no_such_day"], "expected a text"),
    ],
)
def test_a_translation_with_a_reason_missing_or_other_placeholders_is_refused(table, problem, tmp_path):
    with pytest.raises(DataFileError, match=problem):
        check_date_problems(tmp_path / "words.yml", table, words("en").date_problems)


def test_a_reason_with_values_the_code_does_not_name_is_a_programming_error():
    with pytest.raises(TypeError):
        DateError("no_such_month", day=3)
    with pytest.raises(TypeError):
        DateError("no_such_week")


def test_real_leap_day_parses():
    assert parse_iso("2024-02-29") == dt.date(2024, 2, 29)
    assert make_date(2024, 2, 29) == dt.date(2024, 2, 29)


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@given(dates)
def test_property_deadline_is_never_after_the_calendar_anniversary(start):
    deadline = one_year_after(start)
    assert deadline.year == start.year + 1
    assert deadline.month == start.month
    assert deadline.day == start.day or (start.month, start.day, deadline.day) == (2, 29, 28)
    assert 365 <= (deadline - start).days <= 366


@given(dates, st.integers(min_value=0, max_value=800))
def test_property_days_left_and_urgency_agree(notice, days_after):
    today = notice + dt.timedelta(days=days_after)
    found = compute_deadline(today, notice_date=notice)
    assert found.days_left == (found.deadline - today).days
    assert found.urgency == urgency_for(found.days_left)
    assert (found.urgency == PASSED) == (today > found.deadline)


@given(dates, dates)
def test_property_both_dates_never_give_more_time_than_either_alone(first, second):
    today = max(first, second)
    both = compute_deadline(today, notice_date=first, interview_date=second)
    assert both.deadline == min(one_year_after(first), one_year_after(second))


@given(dates)
def test_property_iso_round_trip(value):
    assert parse_iso(value.isoformat()) == value
