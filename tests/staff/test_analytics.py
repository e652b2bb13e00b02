"""The analytics page's figures and charts, over a few days of realistic conversations."""

import datetime as dt
import xml.etree.ElementTree as ElementTree

import pytest
from sqlalchemy import create_engine

from bot.rules.intents import domain_intents
from bot.staff.analytics import (
    CHART_KINDS,
    SMALL_TALK_INTENTS,
    chart,
    charts,
    compute_figures,
    read_figures,
)
from bot.staff.conversations import StoredEvent

UTC = dt.timezone.utc
JUNE_1, JUNE_2, JUNE_3, JUNE_4 = (dt.date(2026, 6, day) for day in (1, 2, 3, 4))


def moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def user(conversation, when, text, intent, confidence):
    parse_data = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    if intent == "nlu_fallback":
        parse_data["intent_ranking"] = [parse_data["intent"], {"name": "ask_options", "confidence": confidence - 0.1}]
    event = {"event": "user", "timestamp": when.timestamp(), "text": text, "parse_data": parse_data}
    return StoredEvent(conversation, when, event)


def slot(conversation, when, name, value):
    return StoredEvent(
        conversation, when, {"event": "slot", "timestamp": when.timestamp(), "name": name, "value": value}
    )


def form(conversation, when, name):
    return StoredEvent(conversation, when, {"event": "active_loop", "timestamp": when.timestamp(), "name": name})


# Three days, 1 to 3 June, and a conversation either side of them.
EVENTS = [
    # The day before: not counted.
    user("slack-U1", moment(dt.date(2026, 5, 31), 23, 50), "what are my options", "ask_options", 0.9),
    form("slack-U1", moment(dt.date(2026, 5, 31), 23, 51), "intake_form"),
    slot("slack-U1", moment(dt.date(2026, 5, 31), 23, 52), "intake_consent", "yes"),
    slot("slack-U1", moment(dt.date(2026, 5, 31), 23, 59), "lead_id", 3.0),
    # 1 June: a consultation request, and a callback offer that was declined.
    user("widget-a", moment(JUNE_1, 9), "hello", "greet", 0.99),
    user("widget-a", moment(JUNE_1, 9, 1), "when does my year to answer end", "ask_deadline", 0.93),
    user(
        "widget-a", moment(JUNE_1, 9, 2), "my name is Ravi Kumar and the officer kept my passport", "nlu_fallback", 0.5
    ),
    user("widget-a", moment(JUNE_1, 9, 3), "I want to speak to a lawyer", "request_consultation", 0.9),
    form("widget-a", moment(JUNE_1, 9, 3), "intake_form"),
    slot("widget-a", moment(JUNE_1, 9, 4), "intake_consent", "yes"),
    slot("widget-a", moment(JUNE_1, 9, 9), "lead_id", 1.0),
    form("widget-a", moment(JUNE_1, 9, 9), None),
    user("telegram-77", moment(JUNE_1, 15), "what is a 221(g)", "explain_221g", 0.8),
    user("telegram-77", moment(JUNE_1, 15, 1), "deadline for the blue form ravi@example.com", "ask_deadline", 0.45),
    form("telegram-77", moment(JUNE_1, 15, 2), "callback_form"),
    slot("telegram-77", moment(JUNE_1, 15, 3), "callback_consent", "no"),
    # 2 June: widget-a comes back; a REST conversation consents but its lead could not be stored.
    user("widget-a", moment(JUNE_2, 10), "thanks", "thank", 0.97),
    user("widget-a", moment(JUNE_2, 10, 1), "and if I miss the deadline?", "ask_deadline", 0.91),
    user("rest-c", moment(JUNE_2, 11), "how long is administrative processing", "ask_processing_time", 0.7),
    form("rest-c", moment(JUNE_2, 11, 1), "callback_form"),
    slot("rest-c", moment(JUNE_2, 11, 2), "intake_consent", None),  # a form resetting a slot
    slot("rest-c", moment(JUNE_2, 11, 3), "callback_consent", "yes"),
    slot("rest-c", moment(JUNE_2, 11, 4), "lead_id", None),
    # 3 June, ten minutes before midnight UTC.
    user("widget-f", moment(JUNE_3, 23, 50), "which documents do I send", "ask_documents", 0.96),
    # 4 June, ten minutes after midnight UTC: not counted.
    user("widget-e", moment(JUNE_4, 0, 10), "hi", "greet", 0.99),
]
LEADS = [
    (dt.date(2026, 5, 31), "passed"),
    (JUNE_1, "passed"),
    (JUNE_1, "within_30_days"),
    (JUNE_1, "later"),
    (JUNE_2, "due_today"),
    (JUNE_2, None),  # no deadline known
    (JUNE_3, "within_90_days"),
    (JUNE_4, "passed"),
]
APPLICANT_TEXTS = [stored.event["text"] for stored in EVENTS if stored.event["event"] == "user"]


def test_conversations_per_day_count_each_conversation_once_a_day_in_utc_days():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    assert figures.conversations_per_day == [("2026-06-01", 2), ("2026-06-02", 2), ("2026-06-03", 1)]
    later = compute_figures(EVENTS, LEADS, JUNE_4, dt.date(2026, 6, 5))
    assert later.conversations_per_day == [("2026-06-04", 1), ("2026-06-05", 0)]


def test_topics_are_the_intents_asked_without_small_talk_or_fallbacks():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    assert figures.topics == [
        ("ask_deadline", 3),
        ("ask_documents", 1),
        ("ask_processing_time", 1),
        ("explain_221g", 1),
        ("request_consultation", 1),
    ]
    assert {"greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "out_of_scope"} <= SMALL_TALK_INTENTS


def test_the_fallback_rate_is_the_share_of_applicant_messages_left_unanswered():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    # The fallback on 1 June and the 0.45 guess; 0.7 and above were answered.
    assert (figures.unanswered_messages, figures.applicant_messages) == (2, 10)
    assert figures.fallback_rate == pytest.approx(0.2)
    stricter = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3, threshold=0.95)
    assert stricter.unanswered_messages == 7
    assert compute_figures(EVENTS, LEADS, dt.date(2026, 7, 1), dt.date(2026, 7, 2)).fallback_rate is None


def test_the_intake_funnel_counts_conversations_offered_consenting_and_completed():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    assert figures.funnel == [("offered", 3), ("consented", 2), ("completed", 1)]
    first_day = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_1)
    assert first_day.funnel == [("offered", 2), ("consented", 1), ("completed", 1)]
    day_before = compute_figures(EVENTS, LEADS, dt.date(2026, 5, 31), dt.date(2026, 5, 31))
    assert day_before.funnel == [("offered", 1), ("consented", 1), ("completed", 1)]


def test_urgent_cases_per_day_are_the_leads_in_an_urgent_band():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    assert figures.urgent_per_day == [("2026-06-01", 2), ("2026-06-02", 1), ("2026-06-03", 0)]


def test_the_channel_split_counts_conversations_by_their_prefix():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    assert figures.channels == [("widget", 2), ("rest", 1), ("telegram", 1)]


def test_figures_read_from_a_tracker_database_that_rasa_wrote(tracker_engine):
    june_10, june_11 = dt.date(2026, 6, 10), dt.date(2026, 6, 11)
    figures = read_figures(tracker_engine, june_10, june_11, [(june_11, "passed"), (june_11, "later")])
    assert figures.conversations_per_day == [("2026-06-10", 1), ("2026-06-11", 1)]
    assert figures.topics == [("ask_deadline", 1), ("ask_processing_time", 1), ("request_consultation", 1)]
    assert (figures.unanswered_messages, figures.applicant_messages) == (2, 5)
    assert figures.funnel == [("offered", 2), ("consented", 1), ("completed", 1)]
    assert figures.urgent_per_day == [("2026-06-10", 0), ("2026-06-11", 1)]
    assert figures.channels == [("telegram", 1), ("widget", 1)]
    second_day = read_figures(tracker_engine, june_11, june_11, [])
    assert second_day.funnel == [("offered", 1), ("consented", 0), ("completed", 0)]


def test_a_tracker_database_without_rasa_tables_gives_empty_figures(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}", future=True)
    figures = read_figures(engine, JUNE_1, JUNE_2, [(JUNE_1, "passed")])
    assert figures.conversations_per_day == [("2026-06-01", 0), ("2026-06-02", 0)]
    assert (figures.topics, figures.channels, figures.applicant_messages) == ([], [], 0)
    assert figures.funnel == [("offered", 0), ("consented", 0), ("completed", 0)]
    assert figures.urgent_per_day == [("2026-06-01", 1), ("2026-06-02", 0)]
    assert all(chart.svg.startswith("<svg") for chart in charts(figures))  # empty charts draw too


def test_each_chart_is_an_inline_svg_with_a_title_and_the_rows_of_its_table():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    drawn = charts(figures)
    assert [chart.kind for chart in drawn] == list(CHART_KINDS)
    assert [chart.rows for chart in drawn] == [
        figures.conversations_per_day,
        figures.topics,
        figures.funnel,
        figures.urgent_per_day,
        figures.channels,
    ]
    for each in drawn:
        assert each.svg.startswith("<svg") and "<?xml" not in each.svg and "DOCTYPE" not in each.svg
        root = ElementTree.fromstring(each.svg)  # well-formed, so it can be inlined
        assert (root.get("width"), root.get("height")) == ("480pt", "210pt")  # 640 x 280 px
        assert root.get("aria-label") == each.title
        assert each.title in each.svg and each.label_heading and each.value_heading
    assert "ask_deadline" in chart("topics", figures).svg  # labels are text, so the next test means something
    assert "telegram" in chart("channels", figures).svg


def test_no_chart_carries_what_an_applicant_wrote():
    figures = compute_figures(EVENTS, LEADS, JUNE_1, JUNE_3)
    svgs = "".join(chart.svg for chart in charts(figures))
    for text in APPLICANT_TEXTS:
        assert text not in svgs
    for word in ("Ravi", "ravi@example.com", "passport", "blue form"):
        assert word not in svgs


def test_an_unknown_chart_is_refused():
    figures = compute_figures([], [], JUNE_1, JUNE_1)
    with pytest.raises(ValueError, match="unknown chart 'pie'"):
        chart("pie", figures)


def test_the_domains_intents_are_read_in_order_also_when_written_with_options(tmp_path):
    assert {"ask_deadline", "request_consultation", "greet"} <= set(domain_intents())
    domain = tmp_path / "domain.yml"
    domain.write_text('version: "3.1"\nintents:\n  - greet\n  - inform:\n      use_entities: []\n  - ask_deadline\n')
    assert domain_intents(domain) == ("greet", "inform", "ask_deadline")
