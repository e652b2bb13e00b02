import datetime as dt

import pytest

from bot.rules.entities import EntityExtractor

TODAY = dt.date(2026, 6, 15)  # a Monday


@pytest.fixture(scope="module")
def extractor():
    return EntityExtractor()


def found(extractor, text):
    return [(e.entity, e.value) for e in extractor.extract(text, TODAY)]


def spans(extractor, text):
    return [text[e.start : e.end] for e in extractor.extract(text, TODAY)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("got it on 3 March 2026", "2026-03-03"),
        ("dated March 3rd, 2025", "2025-03-03"),
        ("the 3rd of march 2026", "2026-03-03"),
        ("mar 3 2026", "2026-03-03"),
        ("Feb 29 2024", "2024-02-29"),
        ("2026-03-05", "2026-03-05"),
        ("15/03/2026", "2026-03-15"),  # day first: 15 cannot be a month
        ("3/15/2026", "2026-03-15"),  # month first: 15 cannot be a month
        ("5/5/26", "2026-05-05"),  # both readings agree
        ("12.01.2026", None),  # ambiguous: checked below
    ],
)
def test_absolute_dates(extractor, text, value):
    if value:
        assert ("date", value) in found(extractor, text)


def test_date_without_year_is_the_most_recent_past_one(extractor):
    assert found(extractor, "got a 221g on 3 March") == [("refusal_section", "221g"), ("date", "2026-03-03")]
    assert found(extractor, "letter dated 20 december") == [("date", "2025-12-20")]


@pytest.mark.parametrize(
    "text, value",
    [
        ("yesterday", "2026-06-14"),
        ("the day before yesterday", "2026-06-13"),
        ("two weeks ago", "2026-06-01"),
        ("3 days ago", "2026-06-12"),
        ("a month ago", "2026-05-15"),
        ("last tuesday", "2026-06-09"),
        ("last monday", "2026-06-08"),
    ],
)
def test_relative_dates_resolve_against_the_clock(extractor, text, value):
    assert found(extractor, text) == [("date", value)]


def test_swappable_numeric_date_is_ambiguous_with_both_readings_us_first(extractor):
    assert found(extractor, "letter dated 4/6/2026") == [("ambiguous_date", "2026-04-06|2026-06-04")]
    assert found(extractor, "12.01.2026") == [("ambiguous_date", "2026-12-01|2026-01-12")]


def test_impossible_dates_are_passed_on_for_the_engine_to_refuse(extractor):
    assert found(extractor, "30 February 2026") == [("date", "2026-02-30")]
    assert found(extractor, "2026-02-30") == [("date", "2026-02-30")]


def test_date_spans_exclude_prepositions(extractor):
    assert spans(extractor, "it was on 3 March 2026.") == ["3 March 2026"]


def test_date_roles_come_from_the_nearest_telling_word(extractor):
    text = "my interview was on 12 january 2026 and the letter is dated jan 20"
    entities = extractor.extract(text, TODAY)
    assert [(e.value, e.role) for e in entities] == [("2026-01-12", "interview"), ("2026-01-20", "notice")]
    assert [e.role for e in extractor.extract("March 3rd", TODAY)] == ["other"]


@pytest.mark.parametrize(
    "text, days",
    [
        ("stuck in AP for 47 days", 47),
        ("3 weeks", 21),
        ("5 months", 151),
        ("a year", 365),
        ("since march", 106),
        ("two months", 61),
    ],
)
def test_durations_in_days(extractor, text, days):
    assert ("duration", days) in found(extractor, text)


def test_rule_names_are_not_durations(extractor):
    assert found(extractor, "what is the 1 year deadline") == []
    assert found(extractor, "does the one year rule apply") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("221g", "221g"),
        ("221(g)", "221g"),
        ("221 g", "221g"),
        ("221-G", "221g"),
        ("211g", "221g"),
        ("INA 221 (g)", "221g"),
        ("214b", "214b"),
        ("214(b)", "214b"),
        ("212(a)(6)(C)(i)", "212a6Ci"),
        ("212a9b", "212a9B"),
        ("212(a)", "212a"),
    ],
)
def test_refusal_sections_are_normalised(extractor, text, value):
    assert found(extractor, f"refused under {text} yesterday")[1:2] == [("refusal_section", value)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("refused", "refused"),
        ("REFUSED", "refused"),
        ("adminstrative procesing", "administrative_processing"),
        ("admin processing", "administrative_processing"),
        ("AP", "administrative_processing"),
        ("issued", "issued"),
        ("aproved", "approved"),
        ("at NVC", "at_nvc"),
        ("in transit", "in_transit"),
        ("application receipt pending", "application_receipt_pending"),
        ("no status", "no_status"),
        ("expiring soon", "expiring_soon"),
        ("transfer in progress", "transfer_in_progress"),
        ("returned to NVC", "returned_to_nvc"),
        ("expired", "expired"),
        ("ready", "ready"),
        ("application received", "application_received"),
        ("Invalid Case Number", "invalid_case_number"),
    ],
)
def test_ceac_statuses_are_normalised(extractor, text, value):
    assert found(extractor, f"ceac says {text}") == [("ceac_status", value)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("h1b", "H-1B"),
        ("H-1B", "H-1B"),
        ("f1", "F-1"),
        ("b1/b2", "B1/B2"),
        ("K1", "K-1"),
        ("cr1", "CR-1"),
        ("IR5", "IR-5"),
        ("DV lottery", "DV"),
        ("e2", "E-2"),
        ("f2a", "F2A"),
    ],
)
def test_visa_types_are_canonical(extractor, text, value):
    assert found(extractor, f"my {text} visa") == [("visa_type", value)]


def test_consulates_and_personal_details(extractor):
    assert found(extractor, "interview at ciudad juarez") == [("consulate", "Ciudad Juarez")]
    assert found(extractor, "bombay consulate") == [("consulate", "Mumbai")]
    assert found(extractor, "my name is ravi kumar, email ravi.k@mail.com, phone +1 415 555 0100") == [
        ("person_name", "Ravi Kumar"),
        ("email", "ravi.k@mail.com"),
        ("phone", "+1 415 555 0100"),
    ]


def test_hostile_and_huge_input_is_handled(extractor):
    assert found(extractor, "<script>alert('x')</script>") == []
    assert found(extractor, "") == []
    assert found(extractor, "🙂🙂🙂") == []
    long_text = "my status is refused " + "blah " * 2000
    assert found(extractor, long_text) == [("ceac_status", "refused")]


def test_today_counts_only_as_the_date_of_a_letter_or_interview(extractor):
    assert found(extractor, "can someone call me today") == []
    assert found(extractor, "the 221g letter came today") == [("refusal_section", "221g"), ("date", "2026-06-15")]


def test_tomorrow_and_last_week(extractor):
    assert found(extractor, "remind me tomorrow") == [("date", "2026-06-16")]
    assert found(extractor, "the letter came last week") == [("date", "2026-06-08")]


def test_reminder_offsets_are_durations_but_rule_names_are_not(extractor):
    assert found(extractor, "remind me two weeks before my deadline") == [("duration", 14)]
    assert found(extractor, "the one year passed, is it over") == []
    assert found(extractor, "if i send docs after one year") == []
    assert found(extractor, "please have someone call me back at +1 415 555 0132") == [("phone", "+1 415 555 0132")]


def test_waiting_after_months_is_a_duration(extractor):
    assert found(extractor, "is mandamus worth it after 8 months of waiting") == [("duration", 243)]


@pytest.mark.parametrize(
    "text, visa",
    [
        ("my F2B interview", "F2B"),
        ("F2A case", "F2A"),
        ("F3 for my brother", "F3"),
        ("F4 sibling", "F4"),
        ("EB-1 case", "EB-1"),
        ("eb2 niw", "EB-2"),
        ("EB3 nurse", "EB-3"),
        ("EB-5 investor", "EB-5"),
        ("TN visa at the border", "TN"),
        ("E-3 for Australians", "E-3"),
        ("M-1 flight school", "M-1"),
    ],
)
def test_more_visa_classes_are_recognised(extractor, text, visa):
    assert ("visa_type", visa) in found(extractor, text)


@pytest.mark.parametrize(
    "text",
    [
        "my passport expired last year",
        "the petition was approved in 2024",
        "I am ready for the interview",
        "my I-130 approved",
        "are you ready",
        "ready to send the documents",
        "my medical expired",
    ],
)
def test_status_words_that_do_not_describe_the_case_are_not_statuses(extractor, text):
    assert "ceac_status" not in [e for e, _ in found(extractor, text)]


@pytest.mark.parametrize(
    "text, status",
    [
        ("ceac says expired", "expired"),
        ("my case is approved", "approved"),
        ("status shows ready", "ready"),
        ("my visa was refused", "refused"),
        ("CEAC status: Ready. what now", "ready"),
    ],
)
def test_status_words_about_the_case_still_count(extractor, text, status):
    assert ("ceac_status", status) in found(extractor, text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("my F1 interview is next week, i got the I-20 from my university", "F-1"),
        ("my f1 got refused 221g, my college starts in january", "F-1"),
        ("F1 refused under 221g, what now", "F-1"),
        ("my US citizen father filed an I-130 for me, F1 category, interview done, got 221g", "F1"),
        ("F1 case at NVC, priority date current, unmarried son of a citizen", "F1"),
        ("family first preference case in administrative processing", "F1"),
    ],
)
def test_f1_is_the_student_visa_unless_the_family_category_is_meant(extractor, text, value):
    assert [v for kind, v in found(extractor, text) if kind == "visa_type"] == [value]


@pytest.mark.parametrize("text", ["engineer on H-1B. He went to Chennai.", "on H1B. He waited", "my visa is H1B."])
def test_a_visa_class_at_the_end_of_a_sentence_is_found(extractor, text):
    assert ("visa_type", "H-1B") in found(extractor, text)


@pytest.mark.parametrize(
    "text, statuses",
    [
        ("they said visa not refused but not approved either", []),
        ("documents still not ready, am I late?", []),
        ("I was issued a 221(g) at Chennai", []),
        ("My 221g was issued on 2026-01-19 in Kathmandu", []),
        ("the duration of processing following a 221(g) issued at the embassy", []),
        ("the approved I-129F is only valid for 4 months", []),
        ("ceac says my visa was issued last week", ["issued"]),
        ("status approved since 2 weeks", ["approved"]),
        ("what is administrative processing exactly?", []),
        ("Is AP the same thing as 221g?", []),
        ("how long does AP take for K1", []),
        ("my case is in AP since March", ["administrative_processing"]),
        ("ceac says issued since yesterday", ["issued"]),
        ("status changed to refused, what now", ["refused"]),
    ],
)
def test_status_words_count_only_where_they_are_the_status_of_the_case(extractor, text, statuses):
    assert [v for kind, v in found(extractor, text) if kind == "ceac_status"] == statuses


@pytest.mark.parametrize(
    "text, days",
    [
        ("stuck in AP one and half month", [47]),
        ("stuck in AP 2 and a half months", [77]),  # by the calendar
        ("it changes every couple of days", []),
        ("my passport expires in a few months", []),
        ("do we count the 365 days from the interview?", []),
        ("I lose the deadline of one year", []),
        ("waiting 47 days now", [47]),
    ],
)
def test_durations_are_waits_not_rules_or_schedules(extractor, text, days):
    assert [v for kind, v in found(extractor, text) if kind == "duration"] == days


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("refused under 212(f)", ["212f"]),
        ("my visa was refused under section 212f", ["212f"]),
        # A proclamation mentioned in a 221(g) case does not make it a 212(f) refusal (which has no countdown).
        ("I got a 221g, does the presidential proclamation or the travel ban affect me?", ["221g"]),
    ],
)
def test_212f_is_read_only_where_the_section_is_named(extractor, text, sections):
    found = [e.value for e in extractor.extract(text, dt.date(2026, 6, 15)) if e.entity == "refusal_section"]
    assert found == sections
