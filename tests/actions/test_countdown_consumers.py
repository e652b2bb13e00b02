"""Every consumer of the deadline asks the engine's one decision (bot.rules.countdown): the answer
and its card, the reminder form, the lead's urgency, the firm's summary and the dashboard's lists.
Each refuses a 214(b) case and a DV case past 30 September; each keeps a 221(g) case's deadline.
The cases are what the real entity extractor finds in an applicant's own words."""

import datetime as dt

import pytest

from actions import storage
from actions.answers import ActionAnswerQuestion
from actions.forms import ActionSubmitReminder, ValidateReminderForm
from actions.leads import build_lead
from bot.backoffice.summary import case_summary
from bot.staff.lead_list import LeadFilter, filtered
from tests.common import responses, run, understood_tracker

REFUSED_214B = "my B1/B2 visa was refused under 214(b) on 3 March 2026, how long do I have to send documents?"
DV_PAST = "DV-2026 selectee, got a 221g on 1 July 2026. when is my deadline?"
REFUSED_221G = "my H-1B got a 221g letter dated 3 March 2026, when is my deadline?"
INTAKE = {
    "intake_consent": "yes",
    "person_name": "Ana Lima",
    "email": "ana@example.com",
    "case_description": "They asked for documents.",
}


@pytest.fixture
def after_30_september(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-10-05")


def cards(messages):
    return [m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline"]


async def test_the_answer_gives_no_card_to_a_214b_case():
    _, messages = await run(ActionAnswerQuestion(), understood_tracker(REFUSED_214B, intent="ask_deadline"))
    assert cards(messages) == []
    assert "214(b)" in messages[0]["text"]


async def test_the_answer_tells_a_dv_case_past_30_september_its_year_has_ended(after_30_september):
    _, messages = await run(ActionAnswerQuestion(), understood_tracker(DV_PAST, intent="ask_deadline"))
    (card,) = cards(messages)
    assert (card["deadline"], card["counted_from"], card["urgency"]) == ("2026-09-30", "dv_fiscal_year", "passed")
    assert "DV-2026" in messages[0]["text"] and "utter_referral_urgent" in responses(messages)


async def test_the_answer_keeps_a_221g_deadline():
    _, messages = await run(ActionAnswerQuestion(), understood_tracker(REFUSED_221G, intent="ask_deadline"))
    (card,) = cards(messages)
    assert (card["deadline"], card["counted_from"]) == ("2027-03-03", "notice")


@pytest.mark.parametrize(
    ("text", "response"),
    [
        (REFUSED_214B, "utter_reminder_not_221g"),
        ("my visa was refused, the letter is dated 3 March 2026", "utter_reminder_only_221g"),
        ("CEAC says administrative processing, the 221g letter is dated 3 March 2026", "utter_reminder_no_deadline"),
    ],
)
async def test_no_reminder_where_no_221g_countdown_applies_and_no_email_is_asked_for(text, response):
    conversation = understood_tracker(text, "remind me a month before", intent="set_reminder")
    asked = await ValidateReminderForm().required_slots(
        ["notice_date", "reminder_consent", "email"], None, conversation, {}
    )
    assert asked == []  # the form asks nothing: consent and an address would serve no reminder
    events, messages = await run(ActionSubmitReminder(), conversation)
    assert responses(messages) == [response]
    assert storage.intake_store().reminders() == []


async def test_no_reminder_after_the_dv_year_has_ended(after_30_september):
    conversation = understood_tracker(
        DV_PAST, "remind me", intent="set_reminder", reminder_consent="yes", email="ana@example.com"
    )
    _, messages = await run(ActionSubmitReminder(), conversation)
    assert responses(messages) == ["utter_reminder_too_late"] and messages[0]["deadline"] == "30 September 2026"
    assert storage.intake_store().reminders() == []


async def test_a_221g_reminder_is_set_from_the_decision():
    conversation = understood_tracker(
        REFUSED_221G, "remind me", intent="set_reminder", reminder_consent="yes", email="ana@example.com"
    )
    _, messages = await run(ActionSubmitReminder(), conversation)
    assert responses(messages) == ["utter_reminder_confirm"]
    assert {r.deadline for r in storage.intake_store().reminders()} == {dt.date(2027, 3, 3)}


def test_a_214b_lead_has_no_deadline_no_urgency_and_its_summary_says_why():
    lead = build_lead(understood_tracker(REFUSED_214B, **INTAKE), "consultation")
    assert (lead.deadline, lead.urgency) == (None, None)
    summary = case_summary(lead)
    assert not summary.startswith("URGENT")
    assert "Computed deadline: none: refusal under 214b" in summary


def test_a_dv_lead_past_30_september_is_urgent_and_its_summary_says_the_year_ended(after_30_september):
    lead = build_lead(understood_tracker(DV_PAST, **INTAKE), "consultation")
    assert (lead.deadline, lead.urgency) == (dt.date(2026, 9, 30), "passed")
    summary = case_summary(lead)
    assert summary.startswith("URGENT") and "DV-2026 program year has ENDED" in summary


def test_a_lead_whose_section_is_unknown_is_flagged_only_as_a_possible_221g():
    lead = build_lead(understood_tracker("my visa was refused, the letter is dated 20 June 2025", **INTAKE), "x")
    assert (lead.deadline, lead.urgency) == (dt.date(2026, 6, 20), "within_30_days")
    assert "ONLY IF the refusal is under 221(g)" in case_summary(lead)


def test_the_dashboard_lists_a_214b_lead_without_a_deadline_and_a_lapsed_dv_lead_as_urgent(monkeypatch):
    store = storage.intake_store()
    refused = build_lead(understood_tracker(REFUSED_214B, **INTAKE), "consultation")
    store.save_lead(refused, case_summary(refused), [])
    monkeypatch.setenv("BOT_TODAY", "2026-10-05")
    dv = build_lead(understood_tracker(DV_PAST, **INTAKE), "consultation")
    store.save_lead(dv, case_summary(dv), [])
    today = dt.date(2026, 10, 5)
    urgent = filtered(store.leads(), LeadFilter(urgency="urgent"), today)
    without = filtered(store.leads(), LeadFilter(urgency="no_deadline"), today)
    assert [lead.urgency for lead in urgent] == ["passed"]
    assert [lead.deadline for lead in without] == [None]
