import datetime as dt

import pytest

from bot.rules.advice import AdviceEngine, CaseFacts, format_wait, option_asked
from bot.rules.knowledge import KnowledgeBase
from bot.rules.reference import ceac_statuses

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def engine(kb):
    return AdviceEngine(kb, today=lambda: TODAY)


def text(kb, entry_id, **values):
    return kb.entry(entry_id).render(**values)


@pytest.mark.parametrize("status", sorted(ceac_statuses()))
def test_every_contract_status_is_explained_with_sources(engine, kb, status):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status=status))
    assert answer.explanation[0] == text(kb, f"status_{status}")
    assert set(kb.entry(f"status_{status}").sources) <= set(answer.sources)


def test_status_question_without_a_status_asks_for_it(engine):
    answer = engine.answer("status_meaning", CaseFacts())
    assert answer.needs == "ceac_status" and answer.explanation == ()


def test_refused_explains_it_is_often_temporary_but_can_be_final(engine, kb):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status="refused"))
    assert text(kb, "status_refused_often_temporary") in answer.explanation
    assert text(kb, "status_refused_extended_ap") in answer.explanation
    assert text(kb, "final_refusal_notified") in answer.tips
    assert answer.referral == "suggested"
    assert answer.deadline is None


def test_refused_with_214b_explains_214b(engine, kb):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status="refused", refusal_section="214b"))
    assert text(kb, "refusal_214b") in answer.explanation


def test_refused_221g_with_notice_date_adds_the_deadline(engine):
    facts = CaseFacts(ceac_status="refused", refusal_section="221g", notice_date=dt.date(2026, 3, 3))
    answer = engine.answer("status_meaning", facts)
    assert answer.deadline.deadline == dt.date(2027, 3, 3)


def test_refused_with_the_section_unknown_gives_the_year_only_as_a_condition(engine, kb):
    # Issue 21, finding 3: "Refused", no section, a date: the count was shown as if it applied.
    answer = engine.answer("status_meaning", CaseFacts(ceac_status="refused", notice_date=dt.date(2026, 3, 3)))
    assert answer.deadline is None
    assert (
        text(kb, "deadline_if_221g", deadline="3 March 2027", notice_date="3 March 2026", days_left=261)
        in answer.explanation
    )


def test_deadline_without_dates_asks_for_the_notice_date(engine):
    assert engine.answer("deadline", CaseFacts()).needs == "notice_date"


def test_deadline_answer_states_the_date_and_the_counting_caveat(engine, kb):
    answer = engine.answer("deadline", CaseFacts(refusal_section="221g", notice_date=dt.date(2026, 3, 3)))
    assert answer.deadline.deadline == dt.date(2027, 3, 3)
    assert "You have time" not in answer.lead + " ".join(answer.explanation)  # issue 21, finding 5
    assert answer.explanation[0] == text(
        kb,
        "deadline_result_later",
        deadline="3 March 2027",
        notice_date="3 March 2026",
        days_left=261,
        days_overdue=-261,
    )
    assert "3 March 2027" in answer.explanation[0]
    assert text(kb, "deadline_one_year_rule") in answer.explanation
    assert text(kb, "deadline_anchor_varies") in answer.explanation
    assert text(kb, "missed_final_refusal") in answer.tips
    assert answer.referral == "suggested"


@pytest.mark.parametrize(
    "notice, urgency, referral",
    [
        (dt.date(2025, 6, 15), "due_today", "urgent"),
        (dt.date(2025, 7, 1), "within_30_days", "urgent"),
        (dt.date(2025, 8, 20), "within_90_days", "recommended"),
        (dt.date(2025, 1, 2), "passed", "urgent"),
    ],
)
def test_urgency_sets_the_referral(engine, kb, notice, urgency, referral):
    answer = engine.answer("deadline", CaseFacts(refusal_section="221g", notice_date=notice))
    assert answer.deadline.urgency == urgency
    assert answer.referral == referral
    assert kb.entry(f"deadline_result_{urgency}").text.split("{")[0] in answer.explanation[0]


def test_leap_day_notice_explains_the_earlier_date(engine, kb):
    answer = engine.answer("deadline", CaseFacts(refusal_section="221g", notice_date=dt.date(2024, 2, 29)))
    assert answer.deadline.deadline == dt.date(2025, 2, 28)
    assert text(kb, "deadline_leap_day") in answer.explanation


@pytest.mark.parametrize("visa", ["H-1B", "CR-1"])
def test_administrative_processing_only_has_nothing_to_send_and_no_countdown(engine, kb, visa):
    # Issue 21, finding 2: CEAC "Administrative Processing", notice 14 months old: no "closed" verdict.
    facts = CaseFacts(
        ceac_status="administrative_processing",
        kind_221g="administrative_processing",
        visa_type=visa,
        notice_date=dt.date(2025, 4, 10),
    )
    for topic in ("deadline", "status_meaning", "missed_deadline"):
        answer = engine.answer(topic, facts)
        assert answer.deadline is None and answer.referral != "urgent", topic
        assert text(kb, "ap_nothing_to_send") in answer.explanation, topic
        assert text(kb, "ap_if_requested_passed", deadline="10 April 2026", notice_date="10 April 2025") in (
            answer.explanation
        ), topic
        assert not {"deadline_result_passed", "missed_iv_termination", "missed_final_refusal"} & set(answer.entries)


def test_passed_deadline_explains_what_happens_for_the_visa_category(engine, kb):
    immigrant = engine.answer("deadline", CaseFacts(notice_date=dt.date(2025, 1, 2), visa_type="IR-1"))
    assert text(kb, "missed_iv_termination") in immigrant.explanation
    assert text(kb, "missed_iv_reinstatement") in immigrant.explanation
    assert text(kb, "missed_niv_new_application") not in immigrant.explanation
    nonimmigrant = engine.answer("deadline", CaseFacts(notice_date=dt.date(2025, 1, 2), visa_type="F-1"))
    assert text(kb, "missed_niv_new_application") in nonimmigrant.explanation
    assert text(kb, "missed_iv_termination") not in nonimmigrant.explanation


def test_missed_deadline_with_unknown_visa_covers_both_categories(engine, kb):
    answer = engine.answer("missed_deadline", CaseFacts())
    for entry_id in (
        "missed_final_refusal",
        "missed_iv_termination",
        "missed_iv_reinstatement",
        "missed_niv_new_application",
    ):
        assert text(kb, entry_id) in answer.explanation
    assert answer.referral == "recommended"


def test_k1_missed_deadline_mentions_the_four_month_petition(engine, kb):
    answer = engine.answer("missed_deadline", CaseFacts(visa_type="K-1"))
    assert text(kb, "k1_petition_four_months") in answer.tips


@pytest.mark.parametrize(
    "days, entry_id, referral",
    [(10, "ap_within_typical", "none"), (100, "ap_past_typical", "suggested"), (400, "ap_long_delay", "recommended")],
)
def test_processing_time_depends_on_days_waited(engine, kb, days, entry_id, referral):
    answer = engine.answer("processing_time", CaseFacts(days_since_interview=days))
    assert text(kb, entry_id, days=days, waited=format_wait(days)) in answer.explanation
    assert text(kb, "ap_inquiry_windows") in answer.explanation
    assert answer.referral == referral


def test_processing_time_counts_days_from_the_interview_date(engine, kb):
    answer = engine.answer("processing_time", CaseFacts(interview_date=TODAY - dt.timedelta(days=200)))
    assert text(kb, "ap_long_delay", days=200, waited="about 7 months") in answer.explanation


def test_a_post_with_a_known_waiting_time_is_named_with_its_source(engine, kb):
    answer = engine.answer("processing_time", CaseFacts(consulate="Bogota"))
    assert text(kb, "ap_post_window", consulate="Bogota", inquiry_days=120) in answer.explanation
    assert text(kb, "ap_inquiry_windows") not in answer.explanation


def test_options_include_no_appeal_and_cautious_mandamus(engine, kb):
    answer = engine.answer("options", CaseFacts())
    for entry_id in (
        "options_inquiry",
        "options_congressional",
        "options_no_appeal",
        "options_foia",
        "options_mandamus",
    ):
        assert text(kb, entry_id) in answer.explanation
    mandamus = text(kb, "options_mandamus").lower()
    assert "mixed" in mandamus and " works" not in mandamus and "will succeed" not in mandamus


def test_petition_returned_for_k1_explains_revocation_and_validity(engine, kb):
    answer = engine.answer("petition_returned", CaseFacts(visa_type="K-1"))
    assert text(kb, "petition_return_process") in answer.explanation
    assert text(kb, "k1_petition_four_months") in answer.explanation
    assert answer.referral == "recommended"


def test_compare_puts_the_section_asked_about_first(engine, kb):
    answer = engine.answer("compare_refusals", CaseFacts(refusal_section="214b"))
    assert answer.explanation[0] == text(kb, "refusal_214b")
    answer = engine.answer("compare_refusals", CaseFacts(refusal_section="212a6Ci"))
    assert answer.explanation[0] == text(kb, "refusal_212a")
    assert answer.referral == "recommended"


def test_documents_examples_follow_the_visa_type(engine, kb):
    employment = engine.answer("documents", CaseFacts(visa_type="H-1B"))
    assert text(kb, "docs_examples_employment") in employment.explanation
    assert text(kb, "docs_examples_immigrant") not in employment.explanation
    family = engine.answer("documents", CaseFacts(visa_type="CR-1"))
    assert text(kb, "docs_examples_immigrant") in family.explanation


@pytest.mark.parametrize(
    ("section", "entry"), [("214b", "deadline_not_for_214b"), ("212a6Ci", "deadline_not_for_212a")]
)
def test_documents_for_a_214b_or_212a_refusal_first_say_that_documents_do_not_cure_it(engine, kb, section, entry):
    answer = engine.answer("documents", CaseFacts(ceac_status="refused", refusal_section=section))
    assert answer.lead == kb.entry(entry).short
    assert answer.explanation[0] == text(kb, entry)


def test_every_answer_carries_sources(engine):
    for topic in engine.topics:
        facts = CaseFacts(ceac_status="refused", notice_date=dt.date(2026, 3, 3))
        answer = engine.answer(topic, facts)
        assert answer.explanation and answer.sources, topic


# --- refusal-aware answers: the one-year window is a 221(g) rule only -------------------

NOTICE = dt.date(2026, 3, 3)


@pytest.mark.parametrize("topic", ["deadline", "missed_deadline", "status_meaning", "explain_221g", "documents"])
@pytest.mark.parametrize("section", ["214b", "212a6Ci"])
def test_a_214b_or_212a_refusal_gets_no_221g_countdown(engine, kb, topic, section):
    facts = CaseFacts(refusal_section=section, notice_date=NOTICE, ceac_status="refused")
    answer = engine.answer(topic, facts)
    assert answer.deadline is None
    everything = answer.explanation + answer.tips
    assert text(kb, "deadline_one_year_rule") not in everything
    assert text(kb, "tip_dont_panic") not in everything
    if topic in ("deadline", "missed_deadline"):
        expected = "deadline_not_for_214b" if section == "214b" else "deadline_not_for_212a"
        assert answer.explanation[0] == text(kb, expected)
        assert answer.referral == "recommended"


def test_with_the_section_unknown_the_deadline_says_it_is_a_221g_rule(engine, kb):
    answer = engine.answer("deadline", CaseFacts(notice_date=NOTICE))
    assert answer.deadline is None  # no card: the date is said only as a condition
    assert answer.entries[0] == "deadline_if_221g"
    assert text(kb, "deadline_applies_to_221g_only") in answer.explanation
    answer = engine.answer("deadline", CaseFacts(notice_date=NOTICE, refusal_section="221g"))
    assert text(kb, "deadline_applies_to_221g_only") not in answer.explanation


@pytest.mark.parametrize("status", ["expired", "expiring_soon", "returned_to_nvc"])
def test_dont_panic_is_not_said_of_an_expired_registration(engine, kb, status):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status=status))
    assert text(kb, "tip_dont_panic") not in answer.explanation + answer.tips


def test_missed_iv_deadline_says_termination_shall_follow_as_the_regulation_does(kb):
    assert "shall be terminated" in text(kb, "missed_iv_termination")


def test_no_claim_that_221g_excludes_212a(kb):
    assert "not used where a 212(a)" not in text(kb, "refusal_221g_vs_others")


def test_invalid_case_number_is_explained_without_a_guess_and_refers(engine):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status="invalid_case_number"))
    assert "no official description" in answer.explanation[0]
    assert answer.deadline is None
    assert answer.referral == "recommended"


def test_family_first_preference_gets_the_immigrant_missed_deadline_rules(engine, kb):
    family = engine.answer("missed_deadline", CaseFacts(visa_type="F1"))
    student = engine.answer("missed_deadline", CaseFacts(visa_type="F-1"))
    assert family.explanation != student.explanation
    assert kb.entry("missed_iv_termination").text.split("{")[0].strip() in " ".join(family.explanation)


@pytest.mark.parametrize(
    ("message", "option", "entry"),
    [
        ("if I sue, will they have to issue my visa?", "mandamus", "options_mandamus"),
        ("can i appeal a 221g or contact my congressman", "appeal", "options_no_appeal"),
        ("should I write to my senator about it", "congressional", "options_congressional"),
        ("is a FOIA request worth it", "foia", "options_foia"),
        ("can i expedite administrative processing? my job starts next month", "expedite", "ap_not_expeditable"),
        ("how do I speed this up", "expedite", "ap_not_expeditable"),
        ("what can I do now", None, "options_inquiry"),
    ],
)
def test_the_options_answer_opens_with_the_option_asked(engine, kb, message, option, entry):
    assert option_asked(message) == option
    answer = engine.answer("options", CaseFacts(option_asked=option))
    assert answer.lead == kb.entry(entry).render_short()
    # Every option is still there, one tap away.
    assert {"options_no_appeal", "options_mandamus", "options_congressional"} <= set(answer.entries)


@pytest.mark.parametrize(
    "message",
    [
        "we had a court marriage, now 221g what can I do",
        "Sue is my wife, she has the same 221g",
        "my company representative said wait",
        "the VAC representative took my docs",
        "I am in a hurry, what are my options",
    ],
)
def test_ordinary_words_do_not_name_an_option(message):
    assert option_asked(message) is None


def test_an_option_lead_is_only_for_221g_refusals(engine, kb):
    answer = engine.answer("options", CaseFacts(refusal_section="214b", option_asked="appeal"))
    assert answer.lead != kb.entry("options_no_appeal").render_short()


def test_a_documents_question_after_the_deadline_passed_opens_with_the_deadline(engine, kb):
    answer = engine.answer("documents", CaseFacts(refusal_section="221g", notice_date=dt.date(2025, 4, 1)))
    assert answer.deadline is not None and answer.deadline.urgency == "passed"
    assert answer.lead.startswith("Your deadline was ")
    assert answer.referral == "urgent"


def test_a_missed_deadline_while_the_post_runs_its_checks_opens_with_nothing_to_send(engine, kb):
    answer = engine.answer("missed_deadline", CaseFacts(kind_221g="administrative_processing", visa_type="F-1"))
    assert answer.lead == kb.entry("ap_nothing_to_send").render_short()
    assert not {"missed_final_refusal", "missed_niv_new_application"} & set(answer.entries)


# --- issue 21: one decision for every countdown ------------------------------------------


def test_a_dv_deadline_is_the_end_of_the_dv_year_when_it_comes_first(kb):
    # Finding 1: DV selectee, 221(g) notice 1 July 2026, today 15 August 2026: "1 July 2027, you have time".
    engine = AdviceEngine(kb, today=lambda: dt.date(2026, 8, 15))
    facts = CaseFacts(refusal_section="221g", visa_type="DV", notice_date=dt.date(2026, 7, 1))
    answer = engine.answer("deadline", facts)
    assert (answer.deadline.deadline, answer.deadline.counted_from) == (dt.date(2026, 9, 30), "dv_fiscal_year")
    assert answer.entries[:1] == ("deadline_dv_cutoff",) and "deadline_dv_year_assumed" in answer.entries
    documents = engine.answer("documents", facts)
    assert "deadline_dv_cutoff" in documents.entries  # the documents topic names the cutoff


@pytest.mark.parametrize("topic", ["deadline", "documents", "status_meaning", "missed_deadline", "options"])
def test_after_30_september_a_dv_selection_has_lapsed(kb, topic):
    engine = AdviceEngine(kb, today=lambda: dt.date(2026, 10, 5))
    facts = CaseFacts(ceac_status="refused", refusal_section="221g", visa_type="DV", notice_date=dt.date(2026, 7, 1))
    answer = engine.answer(topic, facts)
    assert "dv_selection_lapsed" in answer.entries and answer.referral == "urgent"
    assert not {"docs_how_to_submit", "status_expired", "missed_iv_reinstatement"} & set(answer.entries)


def test_an_expired_dv_case_is_not_told_it_can_be_restored(engine, kb):
    answer = engine.answer("status_meaning", CaseFacts(ceac_status="expired", visa_type="DV"))
    assert answer.entries[0] == "status_expired_dv" and "status_expired" not in answer.entries


def test_a_214b_documents_question_gets_no_advice_on_sending_documents(engine):
    # Finding 3: "Submit exactly what your letter asks for" after a 214(b).
    answer = engine.answer("documents", CaseFacts(refusal_section="214b", visa_type="B1/B2"))
    assert answer.entries[0] == "deadline_not_for_214b"
    assert not {"docs_how_to_submit", "docs_passport_request", "221g_notice_delivery"} & set(answer.entries)


def test_a_misrepresentation_finding_is_not_answered_with_processing_times(engine):
    answer = engine.answer("processing_time", CaseFacts(refusal_section="212a6Ci", days_since_interview=40))
    assert answer.entries[0] == "processing_212a" and "refusal_212a6ci_permanent" in answer.entries
    assert "ap_typical_duration" not in answer.entries


def test_options_after_a_214b_open_with_the_decision_not_with_waiting(engine):
    answer = engine.answer("options", CaseFacts(refusal_section="214b", option_asked="mandamus"))
    assert answer.entries[0] == "options_214b"
    assert not {"options_inquiry", "options_mandamus", "ap_inquiry_windows"} & set(answer.entries)


def test_the_options_for_a_221g_name_the_review_inside_the_consulate(engine):
    assert "options_supervisory_review" in engine.answer("options", CaseFacts(refusal_section="221g")).entries


@pytest.mark.parametrize(("visa", "shown"), [("F-1", False), ("B1/B2", False), ("H-1B", True), ("CR-1", False)])
def test_only_petition_based_temporary_visas_hear_of_their_petition_returned(engine, visa, shown):
    answer = engine.answer("petition_returned", CaseFacts(visa_type=visa, kind_221g="petition_returned"))
    assert ("petition_niv_return" in answer.entries) is shown
    assert "petition_with_uscis" in answer.entries and answer.deadline is None


def test_an_immigrant_visa_counted_from_the_letter_says_the_interview_may_end_it_sooner(engine):
    # Finding 4: the year follows the refusal, normally the interview day.
    letter = engine.answer("deadline", CaseFacts(refusal_section="221g", visa_type="CR-1", notice_date=NOTICE))
    assert "deadline_iv_counted_from_letter" in letter.entries
    both = engine.answer(
        "deadline",
        CaseFacts(refusal_section="221g", visa_type="CR-1", notice_date=NOTICE, interview_date=dt.date(2026, 2, 20)),
    )
    assert both.deadline.deadline == dt.date(2027, 2, 20) and "deadline_iv_counted_from_letter" not in both.entries
