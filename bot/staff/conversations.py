"""Conversations as the staff see them, read straight from Rasa's SQL tracker store.

Each row of the events table is one event of one conversation (`sender_id`), its
`data` the JSON of the event. Only two kinds become messages: "user" (the applicant)
and "bot" (the assistant, or a member of staff during a live chat: metadata.staff). A
database where Rasa has not created the table yet simply has no conversations.
"""

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from bot.backoffice.transcripts import events_table
from bot.language import DEFAULT_LANGUAGE, LANGUAGES

APPLICANT = "applicant"
ASSISTANT = "assistant"
# The intent Rasa's FallbackClassifier gives a message it is not sure about.
FALLBACK_INTENT = "nlu_fallback"
# The slot that holds a conversation's language (domain.yml); Rasa stores a slot event's name
# as its action_name, so its events can be read without the others.
LANGUAGE_SLOT = "language"
# Conversation ids are "<channel>-<id>" (components/channels); anything else is "other".
CHANNELS = ("rest", "widget", "slack", "telegram")
OTHER_CHANNEL = "other"


@dataclass(frozen=True)
class Message:
    conversation_id: str
    at: dt.datetime  # UTC
    sender: str  # APPLICANT or ASSISTANT
    text: str
    intent: str | None = None
    confidence: float | None = None
    # An applicant's most likely real intent, also when the FallbackClassifier stepped in.
    best_guess: str | None = None
    best_guess_confidence: float | None = None
    custom: dict[str, Any] | None = None  # an assistant message's custom payload (cards)
    # The conversation's language once the message was read (its `language` slot): an applicant
    # message that tells its language sets it, one that does not keeps it. None where not read.
    language: str | None = None
    # A live chat's message written by a member of staff, not the assistant (issue 26): who, as
    # the handoff route stores it in the bot event's metadata: {"id", "name", "role"}.
    staff: dict[str, Any] | None = None


class StoredEvent(NamedTuple):
    conversation_id: str
    at: dt.datetime  # UTC
    event: dict[str, Any]  # the event's as_dict(): {"event": "user", "text": ..., ...}


def channel_of(conversation_id: str) -> str:
    """The channel a conversation came in on: the text before the first "-"."""
    channel = conversation_id.partition("-")[0]
    # Only the channels' own prefixes: a bare id could be anything a client sent.
    return channel if channel in CHANNELS and "-" in conversation_id else OTHER_CHANNEL


def _utc(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _best_guess(parse_data: dict[str, Any]) -> tuple[str | None, float | None]:
    """The first ranked intent that is not the fallback (the ranking is best first)."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    for intent in ranking:
        name = intent.get("name")
        if name and name != FALLBACK_INTENT:
            return name, _number(intent.get("confidence"))
    return None, None


def message_from(stored: StoredEvent) -> Message | None:
    """The message an event is, or None: other events, and assistant events with nothing to show."""
    conversation_id, at, event = stored
    if event.get("event") == "user":
        parse_data = event.get("parse_data") or {}
        intent = parse_data.get("intent") or {}
        best_guess, best_guess_confidence = _best_guess(parse_data)
        return Message(
            conversation_id,
            at,
            APPLICANT,
            event.get("text") or "",
            intent.get("name") or None,
            _number(intent.get("confidence")),
            best_guess,
            best_guess_confidence,
        )
    if event.get("event") == "bot":
        custom = (event.get("data") or {}).get("custom")
        custom = custom if isinstance(custom, dict) else None
        if not event.get("text") and custom is None:
            return None  # e.g. buttons only, or an empty utterance
        staff = (event.get("metadata") or {}).get("staff")
        staff = staff if isinstance(staff, dict) else None
        return Message(conversation_id, at, ASSISTANT, event.get("text") or "", custom=custom, staff=staff)
    return None


def _read(engine: Engine, schema: str | None, types: tuple[str, ...], where: str, **params: Any) -> list[StoredEvent]:
    """Events of those types matching a WHERE clause, in the order they were stored."""
    table = events_table(engine, schema)
    if table is None:
        return []
    query = text(f"SELECT sender_id, timestamp, data FROM {table} WHERE type_name IN :types AND {where} ORDER BY id")
    with engine.connect() as connection:
        rows = connection.execute(
            query.bindparams(bindparam("types", expanding=True)), {"types": list(types), **params}
        )
        return [
            StoredEvent(sender_id, dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc), json.loads(data))
            for sender_id, timestamp, data in rows
        ]


def transcript(engine: Engine, conversation_id: str, schema: str | None = None) -> list[Message]:
    """A conversation's messages in the order they were said."""
    events = _read(engine, schema, ("user", "bot"), "sender_id = :sender", sender=conversation_id)
    return [message for message in map(message_from, events) if message is not None]


def messages_after(
    engine: Engine, conversation_id: str, after_id: int, schema: str | None = None, table: str | None = None
) -> tuple[list[tuple[int, Message]], int]:
    """A conversation's messages stored after the event `after_id` (0: all), each with its event
    id, and the id of the last event read (`after_id` when there is none): the live page reads
    the transcript this way, then polls for what came after it. `table`: the events table's
    name when the caller looked it up already (events_table), saving a query per poll."""
    table = table or events_table(engine, schema)
    if table is None:
        return [], after_id
    query = text(
        f"SELECT id, sender_id, timestamp, data FROM {table} "
        "WHERE sender_id = :sender AND id > :after AND type_name IN ('user', 'bot') ORDER BY id"
    )
    found: list[tuple[int, Message]] = []
    last = after_id
    with engine.connect() as connection:
        for event_id, sender_id, timestamp, data in connection.execute(
            query, {"sender": conversation_id, "after": after_id}
        ):
            last = int(event_id)
            stored = StoredEvent(sender_id, dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc), json.loads(data))
            message = message_from(stored)
            if message is not None:
                found.append((last, message))
    return found, last


def applicant_messages(engine: Engine, since: dt.datetime, schema: str | None = None) -> list[Message]:
    """Every applicant message at or after `since`, oldest first, each with its conversation's
    language (the language slot's events are read from the start, to know one set before `since`)."""
    events = _read(
        engine,
        schema,
        ("user", "slot"),
        "((type_name = 'user' AND timestamp >= :since) OR (type_name = 'slot' AND action_name = :slot))",
        since=_utc(since).timestamp(),
        slot=LANGUAGE_SLOT,
    )
    return with_languages(events)


def with_languages(events: list[StoredEvent]) -> list[Message]:
    """The applicant messages among `events` (in the order stored), each with the language its
    conversation was in once the message was read: the language slot is set right after the
    message that tells it, and holds until another does. English until one does."""
    current: dict[str, str] = {}
    messages: list[Message] = []
    last: dict[str, int] = {}  # each conversation's latest message, by its index in `messages`
    for stored in events:
        event = stored.event
        if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            value = event.get("value")
            current[stored.conversation_id] = value if value in LANGUAGES else DEFAULT_LANGUAGE
            if stored.conversation_id in last:  # said by the message it follows
                index = last[stored.conversation_id]
                messages[index] = replace(messages[index], language=current[stored.conversation_id])
            continue
        message = message_from(stored)
        if message is None or message.sender != APPLICANT:
            continue
        last[stored.conversation_id] = len(messages)
        messages.append(replace(message, language=current.get(stored.conversation_id, DEFAULT_LANGUAGE)))
    return messages


def conversation_events(
    engine: Engine,
    since: dt.datetime,
    until: dt.datetime,
    types: tuple[str, ...] = ("user", "slot", "active_loop"),
    schema: str | None = None,
) -> list[StoredEvent]:
    """The events of those types from `since` up to (not including) `until`, oldest first."""
    since_ts, until_ts = _utc(since).timestamp(), _utc(until).timestamp()
    return _read(engine, schema, types, "timestamp >= :since AND timestamp < :until", since=since_ts, until=until_ts)
