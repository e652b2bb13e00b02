"""The lead list's filters and the callbacks due, on leads in a real SQLite database."""

import datetime as dt

import pytest

from bot.backoffice.intake import IntakeStore
from bot.backoffice.summary import case_summary
from bot.rules.firm import load_firm
from bot.staff.follow_ups import callback_due, follow_ups
from bot.staff.lead_list import LeadFilter, filtered
from tests.common import fresh_database, lead

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def store(tmp_path):
    with fresh_database("sqlite", tmp_path) as engine:
        yield IntakeStore(engine)


@pytest.fixture
def leads(store):
    def add(**changes):
        answers = lead(**changes)
        return store.save_lead(answers, case_summary(answers), [])

    add(conversation_id="c1", person_name="Ravi Kumar", email="ravi@example.com", deadline=dt.date(2027, 3, 1))
    add(conversation_id="c2", person_name="Mei Chen", email="mei@example.com", deadline=dt.date(2026, 6, 20))
    add(
        conversation_id="c3",
        person_name="Ana Souza",
        email="ana@example.com",
        channel="telegram",
        deadline=None,
        kind="callback",
    )
    store.set_status(1, "booked", "ana@firm.example", expected="new")
    return store.leads()


def names(leads, query):
    lead_filter, problems = LeadFilter.from_query(query)
    assert problems == []
    return [lead.person_name for lead in filtered(leads, lead_filter, TODAY)]


def test_each_filter_lets_through_only_its_leads(leads):
    assert names(leads, {}) == ["Mei Chen", "Ana Souza", "Ravi Kumar"]  # urgent first, then newest
    assert names(leads, {"urgency": "urgent"}) == ["Mei Chen"]
    assert names(leads, {"urgency": "within_30_days"}) == ["Mei Chen"]
    assert names(leads, {"urgency": "later"}) == ["Ravi Kumar"]
    assert names(leads, {"urgency": "no_deadline"}) == ["Ana Souza"]
    assert names(leads, {"status": "booked"}) == ["Ravi Kumar"]
    assert names(leads, {"status": "new", "channel": "rest"}) == ["Mei Chen"]
    assert names(leads, {"q": "  CHEN "}) == ["Mei Chen"]
    assert names(leads, {"q": "ravi@EXAMPLE"}) == ["Ravi Kumar"]
    created = leads[0].created_at.date()
    assert len(names(leads, {"from": created.isoformat(), "to": created.isoformat()})) == 3
    assert names(leads, {"from": (created + dt.timedelta(days=1)).isoformat()}) == []
    assert names(leads, {"to": (created - dt.timedelta(days=1)).isoformat()}) == []


def test_leads_are_filtered_by_their_conversations_language(store, leads):
    answers = lead(conversation_id="c-es", person_name="Lucía Pérez", language="es")
    store.save_lead(answers, case_summary(answers), [])
    every = store.leads()
    assert names(every, {"language": "es"}) == ["Lucía Pérez"]
    assert names(every, {"language": "en"}) == ["Mei Chen", "Ana Souza", "Ravi Kumar"]
    assert len(names(every, {})) == 4
    lead_filter, problems = LeadFilter.from_query({"language": "fr"})
    assert problems == ["Unknown language 'fr': not filtered by it."] and not lead_filter.is_set


def test_a_value_that_cannot_be_used_is_reported_and_not_filtered_by(leads):
    lead_filter, problems = LeadFilter.from_query({"urgency": "soonish", "status": "won", "from": "03/04/2026"})
    assert problems == [
        "Unknown urgency 'soonish': not filtered by it.",
        "Unknown status 'won': not filtered by it.",
        "The from date '03/04/2026' is not a date (YYYY-MM-DD): not filtered by it.",
    ]
    assert not lead_filter.is_set and len(filtered(leads, lead_filter, TODAY)) == 3


def test_a_callback_is_due_within_the_promised_office_hours():
    firm = load_firm({"FIRM_CALLBACK_WITHIN_HOURS": "2"})  # Mon-Fri 9-17 New York (firm.yml)
    tuesday_10am = dt.datetime(2026, 6, 16, 14, 0, tzinfo=dt.timezone.utc)  # 10:00 EDT
    assert callback_due(tuesday_10am, firm) == tuesday_10am + dt.timedelta(hours=2)
    saturday = dt.datetime(2026, 6, 20, 15, 0, tzinfo=dt.timezone.utc)
    monday_9am = dt.datetime(2026, 6, 22, 13, 0, tzinfo=dt.timezone.utc)
    assert callback_due(saturday, firm) == monday_9am + dt.timedelta(hours=2)
    naive_from_sqlite = dt.datetime(2026, 6, 20, 15, 0)
    assert callback_due(naive_from_sqlite, firm) == monday_9am + dt.timedelta(hours=2)
    # Office hours only: Friday 16:30 leaves half an hour that day, the rest on Monday.
    friday_4_30pm = dt.datetime(2026, 6, 19, 20, 30, tzinfo=dt.timezone.utc)
    assert callback_due(friday_4_30pm, firm) == monday_9am + dt.timedelta(hours=1, minutes=30)
    # Across the change to daylight saving time (8 March 2026 in New York).
    friday_before = dt.datetime(2026, 3, 6, 21, 30, tzinfo=dt.timezone.utc)  # 16:30 EST
    assert callback_due(friday_before, firm) == dt.datetime(2026, 3, 9, 14, 30, tzinfo=dt.timezone.utc)  # 10:30 EDT


def test_follow_ups_list_open_callbacks_and_failing_notifications(store, leads):
    firm = load_firm({})
    found = follow_ups(store, firm, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=10))
    assert [(c.lead.person_name, c.overdue) for c in found.callbacks] == [("Ana Souza", True)]
    store.set_status(3, "contacted", "ana@firm.example", expected="new")
    assert follow_ups(store, firm, dt.datetime.now(dt.timezone.utc)).callbacks == []
    answers = lead(conversation_id="c4")
    lead_id = store.save_lead(answers, case_summary(answers), ["email"])
    [notification] = store.pending_notifications()
    assert follow_ups(store, firm, dt.datetime.now(dt.timezone.utc)).notifications_failing == []
    store.notification_failed(notification.id, "SMTPServerDisconnected")
    [failing] = follow_ups(store, firm, dt.datetime.now(dt.timezone.utc)).notifications_failing
    assert (failing.lead_id, failing.attempts, failing.last_error) == (lead_id, 1, "SMTPServerDisconnected")
