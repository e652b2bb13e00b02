"""What the assistant did in its last turn: the events between the applicant's previous
message and the latest one. An answer counts only for the question asked just before it, so a
pending confirmation or a consent question never carries over to a later, unrelated "yes"."""

from typing import Any

from rasa_sdk import Tracker

from bot.language import DEFAULT_LANGUAGE, LANGUAGES


def last_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events after the applicant's previous message, up to the latest one."""
    events = tracker.events
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return []
    start = users[-2] + 1 if len(users) > 1 else 0
    return events[start : users[-1]]


def last_question(tracker: Tracker) -> str | None:
    """The response the assistant ended its last turn with ("utter_ask_intake_consent"), if any."""
    for event in reversed(last_turn(tracker)):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def set_in_last_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value if the assistant set it in its last turn, else None."""
    found = [event for event in last_turn(tracker) if event.get("event") == "slot" and event.get("name") == slot]
    return found[-1].get("value") if found else None


def since_latest_message(tracker: Tracker) -> list[dict[str, Any]]:
    """The events after the applicant's latest message: what has happened in this turn so far."""
    events = tracker.events
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    return events[users[-1] + 1 :] if users else list(events)


def asked_for_language(tracker: Tracker) -> bool:
    """The latest message asked for a language outright ("en español", "English please") and
    carried nothing else the assistant could use."""
    entities = tracker.latest_message.get("entities") or []
    return any(e.get("entity") == "language" and e.get("explicit") for e in entities) and all(
        e.get("entity") == "language" for e in entities
    )


def conversation_language(tracker: Tracker) -> str:
    """The language the conversation is held in (the `language` slot), English until a message tells."""
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE
