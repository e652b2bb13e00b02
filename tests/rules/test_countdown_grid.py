"""Every topic over a grid of cases: refusal section x kind of 221(g) x visa class (immigrant,
nonimmigrant, DV) x dates (before and after the DV cutoff, passed and not). No card, urgency or
document advice where none applies, and never a later date than the truth, which this test
computes with its own arithmetic (not bot.rules.deadline)."""

import datetime as dt
import itertools

import pytest

from actions.resources import ADVICE
from bot.rules import clock
from bot.rules.advice import CaseFacts
from tests.rules.test_deadline_property import last_day_by_law

TODAY = clock.today()
SECTIONS = [None, "221g", "214b", "212a", "212a6Ci", "212f"]
KINDS = [None, "documents", "administrative_processing", "petition_returned"]
VISAS = [None, "CR-1", "B1/B2", "H-1B", "K-1", "DV"]
DV_YEARS = [None, TODAY.year - 1, TODAY.year, TODAY.year + 1]


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# (notice date, interview date): none; recent; passed; due within 30 days; an interview before the
# letter; last October (the DV year of the date ends this 30 September); 29 February.
DATES = [
    (None, None),
    (days_ago(100), None),
    (days_ago(400), None),
    (days_ago(350), None),
    (days_ago(30), days_ago(75)),
    (dt.date(TODAY.year - 1, 10, 20), None),
    (None, dt.date(TODAY.year - 1, 10, 20)),
    (dt.date(2024, 2, 29), None),
]
DOCUMENT_ADVICE = {
    "docs_how_to_submit",
    "docs_examples_immigrant",
    "docs_examples_employment",
    "docs_examples_visitor_student",
    "docs_passport_request",
}
COUNTDOWN_WORDING = ("deadline_result_", "deadline_if_221g", "deadline_dv_cutoff", "ap_if_requested_")
MISSED_WORDING = {"missed_final_refusal", "missed_iv_termination", "missed_iv_reinstatement"}


def start_of(facts: CaseFacts) -> dt.date | None:
    known = [d for d in (facts.notice_date, facts.interview_date) if d]
    return min(known) if known else None


def true_last_day(facts: CaseFacts) -> dt.date | None:
    return last_day_by_law(start_of(facts), facts.dv_year, facts.visa_type == "DV")


def dv_cutoff(facts: CaseFacts) -> dt.date | None:
    """30 September of the DV year named, else of the date's fiscal year (this test's own arithmetic)."""
    start = start_of(facts)
    if facts.visa_type != "DV" or not (facts.dv_year or start):
        return None
    return dt.date(facts.dv_year or (start.year + 1 if start.month >= 10 else start.year), 9, 30)


def grid():
    for section, kind, visa, (notice, interview) in itertools.product(SECTIONS, KINDS, VISAS, DATES):
        status = "administrative_processing" if kind == "administrative_processing" else "refused"
        for dv_year in DV_YEARS if visa == "DV" else [None]:
            yield CaseFacts(
                ceac_status=status,
                refusal_section=section,
                kind_221g=kind,
                visa_type=visa,
                dv_year=dv_year,
                notice_date=notice,
                interview_date=interview,
            )


CASES = list(grid())


def violations(topic: str, facts: CaseFacts) -> list[str]:
    answer = ADVICE.answer(topic, facts)
    if answer.needs:
        return []
    found, entries = [], set(answer.entries)
    truth, cutoff = true_last_day(facts), dv_cutoff(facts)
    lapsed = cutoff is not None and cutoff < TODAY
    dv_binds = cutoff is not None and truth is not None and cutoff == truth
    not_221g = facts.refusal_section not in (None, "221g")
    nothing_to_count = not_221g or facts.kind_221g in ("administrative_processing", "petition_returned")
    if answer.deadline:
        if truth is None or answer.deadline.deadline > truth:
            found.append(f"card {answer.deadline.deadline} later than the truth {truth}")
        certain = facts.refusal_section == "221g" and not nothing_to_count
        if not (certain or lapsed or dv_binds):
            found.append("a card where no countdown certainly applies")
    if (not_221g or facts.kind_221g == "petition_returned" or lapsed) and entries & DOCUMENT_ADVICE:
        found.append(f"document advice: {sorted(entries & DOCUMENT_ADVICE)}")
    if not_221g and not (lapsed or dv_binds):
        wording = sorted(e for e in entries if e.startswith(COUNTDOWN_WORDING)) + sorted(entries & MISSED_WORDING)
        if wording:
            found.append(f"221(g) countdown wording for a {facts.refusal_section}: {wording}")
        if topic == "processing_time" and answer.entries[:1] == ("ap_typical_duration",):
            found.append("administrative processing times for a decided refusal")
    if nothing_to_count and not (lapsed or dv_binds):
        if answer.referral == "urgent":
            found.append("urgent where no countdown applies")
        if {"deadline_result_passed", "missed_iv_termination", "missed_final_refusal"} & entries:
            found.append("a 'closed' verdict where nothing was asked")
    if lapsed:
        if answer.referral != "urgent":
            found.append("a lapsed DV year without an urgent referral")
        if {"status_expired", "missed_iv_reinstatement", "tip_dont_panic", "deadline_result_later"} & entries:
            found.append(f"hope after a lapsed DV year: {sorted(entries)}")
    if "dv_september_30" in entries and lapsed:
        found.append("the general DV rule instead of the lapsed year")
    return found


def test_the_grid_has_no_violation():
    checked, problems = 0, []
    for topic, facts in itertools.product(ADVICE.topics, CASES):
        checked += 1
        problems += [f"{topic} {facts}: {problem}" for problem in violations(topic, facts)]
    print(f"grid: {len(CASES)} cases x {len(ADVICE.topics)} topics = {checked} answers, {len(problems)} violations")
    assert checked > 10_000
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize(
    "facts",
    [
        CaseFacts(refusal_section="221g", visa_type="DV", notice_date=dt.date(2026, 5, 1)),
        CaseFacts(ceac_status="refused", visa_type="DV", dv_year=2026, notice_date=dt.date(2025, 12, 1)),
    ],
)
def test_the_dv_cutoff_is_shown_as_the_deadline_when_it_comes_first(facts):
    answer = ADVICE.answer("deadline", facts)
    assert answer.deadline is not None
    assert (answer.deadline.deadline, answer.deadline.counted_from) == (dt.date(2026, 9, 30), "dv_fiscal_year")
    assert answer.entries[0] == "deadline_dv_cutoff"
