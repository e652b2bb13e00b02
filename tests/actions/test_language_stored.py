"""What an applicant asks for is stored with the conversation's language (issue 25): the
reminders and their confirmation link are written in it, and the firm's dashboard shows a
lead's and filters by it. The firm's summary stays English and says which language it was."""

from sqlalchemy import select

from actions import storage
from actions.forms import ActionSubmitIntake, ActionSubmitReminder
from bot.backoffice.models import AddressConfirmation, Lead, Reminder
from tests.actions.test_forms import INTAKE
from tests.common import responses, run, tracker

REMINDER = dict(reminder_consent="yes", email="lucia@example.com", notice_date="2025-09-01", refusal_section="221g")


def stored(table, **where):
    with storage.intake_store().session() as session:
        query = select(table).filter_by(**where)
        return session.execute(query).scalars().all()


async def test_a_spanish_conversations_reminders_and_link_are_stored_in_spanish():
    _, messages = await run(
        ActionSubmitReminder(), tracker("affirm", language="es", disclaimer_language="es", **REMINDER)
    )
    assert responses(messages) == ["utter_reminder_confirm"]
    assert messages[0]["dates"] == "2 de agosto de 2026 y 25 de agosto de 2026"
    assert [r.language for r in stored(Reminder, email="lucia@example.com")] == ["es", "es"]
    [link] = stored(AddressConfirmation, email="lucia@example.com")
    assert link.language == "es"


async def test_an_english_conversations_reminders_are_stored_in_english():
    await run(ActionSubmitReminder(), tracker("affirm", **{**REMINDER, "email": "ravi@example.com"}))
    assert {r.language for r in stored(Reminder, email="ravi@example.com")} == {"en"}
    assert [c.language for c in stored(AddressConfirmation, email="ravi@example.com")] == ["en"]


async def test_a_spanish_intake_is_stored_in_spanish_and_its_summary_says_so_in_english():
    description = "Me pidieron una carta de mi empleador; él tarda mucho."
    _, messages = await run(
        ActionSubmitIntake(),
        tracker("affirm", language="es", disclaimer_language="es", **{**INTAKE, "case_description": description}),
    )
    assert responses(messages)[0] == "utter_intake_received", messages
    [lead] = stored(Lead)
    assert lead.language == "es"
    assert "Conversation language: Spanish" in lead.summary
    assert description in lead.summary  # the applicant's words as written, not translated
    assert "Visa type: H-1B" in lead.summary and "In the applicant's words:" in lead.summary


async def test_an_english_intakes_summary_says_english():
    await run(ActionSubmitIntake(), tracker("affirm", **INTAKE))
    [lead] = stored(Lead)
    assert lead.language == "en" and "Conversation language: English" in lead.summary
