"""Conversations written by Rasa's own SQLTrackerStore, as the dashboard finds them in production."""

import datetime as dt
from functools import cache

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.common import ROOT

# 10 June 2026, 09:00 UTC: the first event of the sample conversations.
START = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.timezone.utc)


@cache
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def at(minutes: float) -> float:
    return (START + dt.timedelta(minutes=minutes)).timestamp()


def said(
    text: str, intent: str, confidence: float, minutes: float, ranking: list[tuple[str, float]] | None = None
) -> UserUttered:
    """An applicant's message as the NLU pipeline parsed it."""
    ranking = ranking or [(intent, confidence)]
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        "entities": [],
    }
    return UserUttered(text, parse_data["intent"], [], parse_data, timestamp=at(minutes), input_channel="rest")


def answered(text: str | None, minutes: float, custom: dict | None = None, buttons: list | None = None) -> BotUttered:
    """What the assistant sent; `custom` is a json_message payload (Rasa keeps it under data.custom)."""
    data = {"elements": None, "quick_replies": None, "buttons": buttons, "attachment": None, "image": None}
    return BotUttered(text, {**data, "custom": custom}, timestamp=at(minutes))


def slot(name: str, value: object, minutes: float) -> SlotSet:
    return SlotSet(name, value, timestamp=at(minutes))


def form(name: str | None, minutes: float) -> ActiveLoop:
    return ActiveLoop(name, timestamp=at(minutes))


def sample_conversations() -> dict[str, list[Event]]:
    """A widget conversation that ends in a consultation request, with a message the assistant did
    not understand; and a Telegram one, the next day, with one question and a declined offer."""
    details = {"type": "details", "title": "Your deadline", "body": "The year is counted from the notice."}
    contact = {"type": "contact", "email": "office@example.com", "phone": "+1 415 555 0100"}
    return {
        "widget-3f2a": [
            said("hello", "greet", 0.99, 0),
            answered("Hello! I can explain 221(g) refusals and deadlines.", 0.1),
            said(
                "my case is stuck in the admin thing",
                "nlu_fallback",
                0.5,
                1,
                [("nlu_fallback", 0.5), ("explain_221g", 0.41), ("ask_status_meaning", 0.3)],
            ),
            answered("Sorry, I did not quite get that. Could you rephrase?", 1.1),
            said("when is my deadline", "ask_deadline", 0.93, 2),
            answered(None, 2.1, custom=details),
            answered(None, 2.2, buttons=[{"title": "Talk to an attorney", "payload": "/request_consultation"}]),
            said("I want to talk to a lawyer", "request_consultation", 0.88, 3),
            form("intake_form", 3.1),
            slot("intake_consent", "yes", 4),
            slot("lead_id", 7.0, 6),
            form(None, 6.1),
            answered("Thank you. An attorney will contact you.", 6.2, custom=contact),
        ],
        "telegram-81": [
            said("how long does admin processing take", "ask_processing_time", 0.55, 24 * 60),
            answered("It often takes a few months.", 24 * 60 + 0.1),
            form("callback_form", 24 * 60 + 1),
            slot("callback_consent", "no", 24 * 60 + 2),
            form(None, 24 * 60 + 2.1),
        ],
    }


async def write_trackers(conversations: dict[str, list[Event]], **store_settings: object) -> None:
    """Saves the conversations with Rasa's SQLTrackerStore (settings as in endpoints.yml)."""
    store = SQLTrackerStore(domain(), **store_settings)
    try:
        for conversation_id, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(conversation_id, events, slots=domain().slots))
    finally:
        store.engine.dispose()
