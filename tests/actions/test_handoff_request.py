"""Issue 26, the assistant's side of a live handoff: asking for a person during office hours with a
staff member available puts the conversation in the live queue (no callback form); otherwise the
callback request that exists today."""

import dataclasses
import datetime as dt

import pytest
from rasa_sdk.events import FollowupAction

from actions import conversation, storage
from actions.conversation import ActionOfferCallback
from actions.resources import FIRM
from bot.backoffice.accounts import Accounts
from bot.backoffice.handoffs import mark_seen, open_handoff, set_available
from bot.backoffice.models import StaffUser, utcnow
from tests.common import responses, run, understood_tracker

ALWAYS_OPEN = dataclasses.replace(
    FIRM, office_days=tuple(range(7)), office_open=dt.time(0, 0), office_close=dt.time(23, 59, 59)
)
# Open for one microsecond at midnight: closed whenever the test runs.
NEVER_OPEN_NOW = dataclasses.replace(
    FIRM, office_days=tuple(range(7)), office_open=dt.time(0, 0), office_close=dt.time(0, 0, 0, 1)
)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'intake.db'}")
    return storage.intake_store()


def available_staff(store, seen=None):
    from sqlalchemy import select

    Accounts(store.engine).add_user("ana@example.com", "staff", "a long enough password")
    with store.session() as session:
        user_id = session.execute(select(StaffUser.id)).scalar_one()
    set_available(store, user_id, True, utcnow())
    mark_seen(store, user_id, seen or utcnow())
    return user_id


def asking(text="can I talk to a real person?", sender="widget-abc"):
    asked = understood_tracker(text, intent="request_human")
    asked.sender_id = sender
    return asked


async def test_during_office_hours_with_someone_available_the_conversation_joins_the_queue(store, monkeypatch):
    monkeypatch.setattr(conversation, "FIRM", ALWAYS_OPEN)
    available_staff(store)
    events, messages = await run(ActionOfferCallback(), asking())
    assert responses(messages) == ["utter_handoff_waiting"] and events == [FollowupAction("action_listen")]
    waiting = open_handoff(store, "widget-abc")
    assert waiting is not None and (waiting.state, waiting.channel, waiting.language) == ("waiting", "widget", "en")
    # Asking again changes nothing: one open handoff per conversation.
    await run(ActionOfferCallback(), asking())
    assert open_handoff(store, "widget-abc").id == waiting.id


@pytest.mark.parametrize("case", ["closed", "nobody available", "not seen lately"])
async def test_otherwise_the_callback_request_as_before(store, monkeypatch, case):
    monkeypatch.setattr(conversation, "FIRM", NEVER_OPEN_NOW if case == "closed" else ALWAYS_OPEN)
    if case != "nobody available":
        available_staff(store, seen=utcnow() - dt.timedelta(hours=1) if case == "not seen lately" else None)
    events, messages = await run(ActionOfferCallback(), asking())
    assert responses(messages)[0] == "utter_human" and events == []
    assert open_handoff(store, "widget-abc") is None


async def test_a_spanish_request_is_queued_with_its_language(store, monkeypatch):
    monkeypatch.setattr(conversation, "FIRM", ALWAYS_OPEN)
    available_staff(store)
    _, messages = await run(ActionOfferCallback(), asking("quiero hablar con una persona, por favor", "telegram-42"))
    assert responses(messages)[-1] == "utter_handoff_waiting"
    queued = open_handoff(store, "telegram-42")
    assert (queued.channel, queued.language) == ("telegram", "es")


async def test_a_channel_no_person_can_write_to_gets_the_callback(store, monkeypatch):
    # REST answers only within its own request: a person's messages would never arrive there.
    monkeypatch.setattr(conversation, "FIRM", ALWAYS_OPEN)
    available_staff(store)
    events, messages = await run(ActionOfferCallback(), asking(sender="rest-abc"))
    assert responses(messages)[0] == "utter_human" and events == []
    assert open_handoff(store, "rest-abc") is None


async def test_asking_again_while_a_person_already_holds_the_conversation_promises_nobody_new(store, monkeypatch):
    # The assistant took the conversation back (the applicant asked it to delete their data, then
    # changed their mind) while the dashboard still says Ana holds it: "someone is coming" would
    # be false; the callback request is true.
    from bot.backoffice.handoffs import take

    monkeypatch.setattr(conversation, "FIRM", ALWAYS_OPEN)
    ana = available_staff(store)
    await run(ActionOfferCallback(), asking())
    take(store, open_handoff(store, "widget-abc").id, ana, utcnow())
    events, messages = await run(ActionOfferCallback(), asking())
    assert responses(messages)[0] == "utter_human" and events == []
