"""The one decision on a case's countdown (bot.rules.countdown), finding by finding of issue 21."""

import datetime as dt

import pytest

from bot.rules import countdown
from bot.rules.countdown import decide, dv_fiscal_year
from bot.rules.deadline import PASSED, WITHIN_30_DAYS, DateError

D = dt.date


def test_a_dv_deadline_is_never_after_30_september_of_the_dv_year():
    # Issue 21, finding 1: a DV selectee's notice of 1 July 2026, today 15 August: the one-year date
    # (1 July 2027) lies after the end of DV-2026 (30 September 2026).
    found = decide(D(2026, 8, 15), refusal_section="221g", visa_type="DV", notice_date=D(2026, 7, 1))
    assert found.applies == countdown.COUNTDOWN
    assert found.deadline is not None and found.one_year is not None
    assert (found.deadline.deadline, found.deadline.counted_from) == (D(2026, 9, 30), countdown.DV_FISCAL_YEAR)
    assert found.deadline.days_left == 46 and found.deadline.urgency == "within_90_days"
    assert found.one_year.deadline == D(2027, 7, 1)
    assert (found.dv_year, found.dv_year_assumed) == (2026, True)
    assert found.shows_card and found.allows_reminders and found.firm_deadline == D(2026, 9, 30)


def test_the_dv_year_the_applicant_names_wins_over_the_one_taken_from_a_date():
    found = decide(D(2026, 11, 1), refusal_section="221g", visa_type="DV", dv_year=2027, notice_date=D(2026, 10, 20))
    assert found.deadline is not None
    assert (found.deadline.deadline, found.dv_year, found.dv_year_assumed) == (D(2027, 9, 30), 2027, False)


def test_the_one_year_date_counts_when_it_comes_before_the_end_of_the_dv_year():
    found = decide(D(2026, 11, 1), refusal_section="221g", visa_type="DV", dv_year=2028, notice_date=D(2026, 10, 20))
    assert found.deadline is not None
    assert (found.deadline.deadline, found.deadline.counted_from) == (D(2027, 10, 20), "notice")


@pytest.mark.parametrize("section", [None, "221g", "214b", "212a6Ci", "212f"])
@pytest.mark.parametrize("kind", [None, "documents", "administrative_processing", "petition_returned"])
def test_after_30_september_the_dv_selection_has_lapsed_whatever_the_section_or_kind(section, kind):
    found = decide(D(2026, 10, 5), refusal_section=section, kind_221g=kind, visa_type="DV", notice_date=D(2026, 7, 1))
    assert found.applies == countdown.DV_LAPSED
    assert found.deadline is not None and found.deadline.deadline == D(2026, 9, 30)
    assert found.urgency == PASSED and not found.allows_reminders


def test_dv_years_run_from_1_october_to_30_september():
    assert [dv_fiscal_year(day) for day in (D(2026, 9, 30), D(2026, 10, 1), D(2027, 1, 1))] == [2026, 2027, 2027]


def test_a_dv_case_without_a_date_needs_one_before_any_countdown():
    found = decide(D(2026, 8, 15), refusal_section="221g", visa_type="DV", dv_year=2026)
    assert (found.applies, found.deadline, found.urgency) == (countdown.NEEDS_DATE, None, None)


def test_administrative_processing_with_nothing_requested_has_no_countdown_and_no_closed_verdict():
    # Issue 21, finding 2: CEAC "Administrative Processing", CR-1, notice 14 months old.
    found = decide(D(2026, 6, 15), kind_221g="administrative_processing", visa_type="CR-1", notice_date=D(2025, 4, 10))
    assert found.applies == countdown.NOTHING_REQUESTED
    assert (found.deadline, found.urgency, found.firm_deadline) == (None, None, None)
    assert not found.shows_card and not found.allows_reminders
    assert found.one_year is not None and found.one_year.deadline == D(2026, 4, 10)  # said only as a condition


def test_a_petition_returned_to_uscis_has_no_countdown():
    found = decide(D(2026, 6, 15), kind_221g="petition_returned", visa_type="IR-1", notice_date=D(2025, 4, 10))
    assert (found.applies, found.deadline, found.urgency) == (countdown.WITH_USCIS, None, None)


@pytest.mark.parametrize("section", ["214b", "212a", "212a6Ci", "212f"])
def test_a_refusal_that_is_not_221g_has_no_countdown(section):
    # Issue 21, finding 3.
    found = decide(D(2026, 6, 15), refusal_section=section, visa_type="B1/B2", notice_date=D(2026, 6, 1))
    assert (found.applies, found.deadline, found.urgency, found.firm_deadline) == (countdown.NOT_221G, None, None, None)
    assert not found.shows_card and not found.allows_reminders


def test_with_the_section_unknown_the_year_is_only_a_condition():
    found = decide(D(2026, 6, 15), visa_type="B1/B2", notice_date=D(2025, 6, 20))
    assert found.applies == countdown.IF_221G
    assert found.deadline is not None and found.deadline.deadline == D(2026, 6, 20)
    assert not found.shows_card and not found.allows_reminders
    assert found.urgency == WITHIN_30_DAYS  # the firm is still told: it errs towards calling


def test_an_immigrant_visa_counted_from_the_letter_says_an_earlier_interview_ends_it_sooner():
    # Issue 21, finding 4.
    letter_only = decide(D(2026, 6, 15), refusal_section="221g", visa_type="CR-1", notice_date=D(2026, 3, 20))
    assert letter_only.iv_from_letter
    both = decide(
        D(2026, 6, 15),
        refusal_section="221g",
        visa_type="CR-1",
        notice_date=D(2026, 3, 20),
        interview_date=D(2026, 3, 3),
    )
    assert not both.iv_from_letter and both.deadline is not None
    assert (both.deadline.deadline, both.deadline.counted_from) == (D(2027, 3, 3), "interview")
    nonimmigrant = decide(D(2026, 6, 15), refusal_section="221g", visa_type="H-1B", notice_date=D(2026, 3, 20))
    assert not nonimmigrant.iv_from_letter


def test_a_date_in_the_future_is_refused_with_a_reason():
    with pytest.raises(DateError, match="in the future"):
        decide(D(2026, 6, 15), refusal_section="221g", notice_date=D(2026, 7, 1))
