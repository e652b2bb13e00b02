"""Transcripts and applicant messages, read from tracker databases that Rasa's own store wrote."""

import datetime as dt

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.staff.conversations import (
    APPLICANT,
    ASSISTANT,
    applicant_messages,
    channel_of,
    conversation_events,
    transcript,
)
from tests.common import POSTGRES_SERVER, empty_postgres_database
from tests.staff.rasa_trackers import START, sample_conversations, write_trackers

DAY = dt.timedelta(days=1)


@pytest.fixture
def postgres_database():
    with empty_postgres_database("staff_test") as name:
        yield name


def test_a_transcript_has_both_sides_in_order_and_leaves_out_empty_assistant_events(tracker_engine):
    messages = transcript(tracker_engine, "widget-3f2a")
    assert [(message.sender, message.text) for message in messages] == [
        (APPLICANT, "hello"),
        (ASSISTANT, "Hello! I can explain 221(g) refusals and deadlines."),
        (APPLICANT, "my case is stuck in the admin thing"),
        (ASSISTANT, "Sorry, I did not quite get that. Could you rephrase?"),
        (APPLICANT, "when is my deadline"),
        (ASSISTANT, ""),  # a card without text; the buttons-only event after it is left out
        (APPLICANT, "I want to talk to a lawyer"),
        (ASSISTANT, "Thank you. An attorney will contact you."),
    ]
    assert {message.conversation_id for message in messages} == {"widget-3f2a"}
    assert messages[0].at == START and messages[0].at.utcoffset() == dt.timedelta(0)
    assert messages[-1].at == START + dt.timedelta(minutes=6.2)
    assert messages[5].custom == {
        "type": "details",
        "title": "Your deadline",
        "body": "The year is counted from the notice.",
    }
    assert messages[7].custom["type"] == "contact"
    assert messages[1].custom is None
    assert [message.text for message in transcript(tracker_engine, "telegram-81")] == [
        "how long does admin processing take",
        "It often takes a few months.",
    ]
    assert transcript(tracker_engine, "widget-unknown") == []


def test_an_applicant_message_keeps_the_intent_and_the_best_guess_behind_a_fallback(tracker_engine):
    messages = transcript(tracker_engine, "widget-3f2a")
    fallback, confident, reply = messages[2], messages[4], messages[1]
    assert (fallback.intent, fallback.confidence) == ("nlu_fallback", 0.5)
    assert (fallback.best_guess, fallback.best_guess_confidence) == ("explain_221g", 0.41)
    assert (confident.intent, confident.confidence) == ("ask_deadline", 0.93)
    assert (confident.best_guess, confident.best_guess_confidence) == ("ask_deadline", 0.93)
    assert (reply.intent, reply.confidence, reply.best_guess) == (None, None, None)


def test_applicant_messages_are_those_at_or_after_a_moment(tracker_engine):
    everything = applicant_messages(tracker_engine, START)
    assert [(message.conversation_id, message.text) for message in everything] == [
        ("widget-3f2a", "hello"),
        ("widget-3f2a", "my case is stuck in the admin thing"),
        ("widget-3f2a", "when is my deadline"),
        ("widget-3f2a", "I want to talk to a lawyer"),
        ("telegram-81", "how long does admin processing take"),
    ]
    assert {message.sender for message in everything} == {APPLICANT}
    from_the_third = applicant_messages(tracker_engine, START + dt.timedelta(minutes=2))
    assert [message.text for message in from_the_third] == [
        "when is my deadline",
        "I want to talk to a lawyer",
        "how long does admin processing take",
    ]
    assert applicant_messages(tracker_engine, START + 2 * DAY) == []


def test_conversation_events_are_the_days_user_slot_and_form_events(tracker_engine):
    events = conversation_events(tracker_engine, START, START + DAY)
    assert [(stored.conversation_id, stored.event["event"], stored.event.get("name")) for stored in events] == [
        ("widget-3f2a", "user", None),
        ("widget-3f2a", "user", None),
        ("widget-3f2a", "user", None),
        ("widget-3f2a", "user", None),
        ("widget-3f2a", "active_loop", "intake_form"),
        ("widget-3f2a", "slot", "intake_consent"),
        ("widget-3f2a", "slot", "lead_id"),
        ("widget-3f2a", "active_loop", None),
    ]
    next_day = conversation_events(tracker_engine, START + DAY, START + 2 * DAY, types=("slot",))
    assert [(stored.event["name"], stored.event["value"]) for stored in next_day] == [("callback_consent", "no")]


def test_a_database_where_rasa_has_not_created_its_tables_has_no_conversations(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}", future=True)
    assert transcript(engine, "widget-3f2a") == []
    assert applicant_messages(engine, START) == []
    assert conversation_events(engine, START, START + DAY) == []


async def test_conversations_are_read_from_rasas_postgresql_schema(postgres_database, monkeypatch):
    url = make_url(f"{POSTGRES_SERVER}/{postgres_database}")
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE SCHEMA rasa_tracker"))
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "rasa_tracker")  # as the Rasa server is configured
    await write_trackers(
        sample_conversations(),
        dialect="postgresql",
        host=url.host,
        port=url.port,
        username=url.username,
        password=url.password,
        db=postgres_database,
    )
    try:
        assert [message.text for message in transcript(engine, "telegram-81", schema="rasa_tracker")] == [
            "how long does admin processing take",
            "It often takes a few months.",
        ]
        assert len(applicant_messages(engine, START, schema="rasa_tracker")) == 5
        assert transcript(engine, "telegram-81") == []  # the public schema has no events table
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("conversation_id", "channel"),
    [
        ("rest-4c1d", "rest"),
        ("widget-0f9e8d7c6b5a49382716a5b4c3d2e1f0", "widget"),
        ("slack-U024BE7LH", "slack"),
        ("telegram-123456-7", "telegram"),  # only the text before the first "-"
        ("4c1d", "other"),  # no channel prefix
        ("Ravi Kumar-1", "other"),  # not a channel's prefix
    ],
)
def test_the_channel_is_the_prefix_of_the_conversation_id(conversation_id, channel):
    assert channel_of(conversation_id) == channel


async def test_each_applicant_message_carries_its_conversations_language(tmp_path):
    """The language slot (set right after a message that tells its language, kept by one that
    does not), read from the start: a language set before the period asked for is known too."""
    from tests.staff.rasa_trackers import answered, said, slot

    conversations = {
        **sample_conversations(),
        "rest-es": [
            said("hola, tengo una carta 221g", "explain_221g", 0.95, 0),
            slot("language", "es", 0.01),
            answered("Una carta 221(g)...", 0.1),
            said("ok", "affirm", 0.4, 1),  # tells no language: keeps Spanish
            said("English please", "switch_language", 0.99, 2),
            slot("language", "en", 2.01),
            said("what now", "nlu_fallback", 0.3, 3),
        ],
    }
    path = tmp_path / "conversations.db"
    await write_trackers(conversations, dialect="sqlite", db=str(path))
    engine = create_engine(f"sqlite:///{path}", future=True)
    try:
        spoken = {(m.conversation_id, m.text): m.language for m in applicant_messages(engine, START)}
        assert [
            spoken[("rest-es", text)] for text in ("hola, tengo una carta 221g", "ok", "English please", "what now")
        ] == [
            "es",
            "es",
            "en",
            "en",
        ]
        assert spoken[("widget-3f2a", "hello")] == "en"  # never told: English
        later = applicant_messages(engine, START + dt.timedelta(minutes=0.5))
        assert [(m.text, m.language) for m in later if m.conversation_id == "rest-es"] == [
            ("ok", "es"),
            ("English please", "en"),
            ("what now", "en"),
        ]
    finally:
        engine.dispose()
