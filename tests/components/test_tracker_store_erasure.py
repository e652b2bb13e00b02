"""An erased conversation stays erased: a turn that was being answered while the dashboard
erased it cannot write it back (issue 23, finding 1: 32 rows came back after a delete that
ran 50 ms into a turn), and the conversation can go on afresh afterwards."""

import datetime as dt

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.backoffice.transcripts import erase_transcript, purge_transcripts
from components.tracker_store import ErasableSQLTrackerStore, prepare_tracker_database
from tests.common import POSTGRES_SERVER, ROOT, empty_postgres_database

DOMAIN = Domain.load(str(ROOT / "domain.yml"))

SENDER = "rest-jane"
WORDS = "Jane Roe"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, monkeypatch):
    """A tracker store and what the dashboard erases with: (store, engine, schema)."""
    if request.param == "sqlite":
        path = tmp_path / "conversations.db"
        store = ErasableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
        yield store, store.engine, None
        store.engine.dispose()
        return
    with empty_postgres_database("erasure_test") as name:
        prepare_tracker_database(f"{POSTGRES_SERVER}/{name}", "rasa_tracker")
        monkeypatch.setenv("POSTGRESQL_SCHEMA", "rasa_tracker")
        user, host_port = POSTGRES_SERVER.split("//", 1)[1].split("@")
        host, port = host_port.split(":")
        store = ErasableSQLTrackerStore(DOMAIN, dialect="postgresql", host=host, port=int(port), username=user, db=name)
        dashboard = create_engine(f"{POSTGRES_SERVER}/{name}", future=True)
        yield store, dashboard, "rasa_tracker"
        dashboard.dispose()
        store.engine.dispose()


def stored_texts(engine, schema) -> list[str]:
    """Every stored row of every table in the tracker database that mentions the applicant."""
    table = f'"{schema}".' if schema else ""
    with engine.connect() as connection:
        rows = [r[0] for r in connection.execute(text(f"SELECT data FROM {table}events"))]
        rows += [r[0] for r in connection.execute(text(f"SELECT sender_id FROM {table}conversation_erasures"))]
    return [row for row in rows if WORDS in row]


async def conversation_so_far(tracker_store):
    await tracker_store.save(
        DialogueStateTracker.from_events(
            SENDER,
            slots=DOMAIN.slots,
            evts=[
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
                UserUttered(f"I am {WORDS}"),
                SlotSet("person_name", WORDS),
                BotUttered(f"Thanks, {WORDS}. And your email?"),
                ActionExecuted("action_listen"),
            ],
        )
    )


async def test_a_turn_in_flight_while_the_dashboard_erases_writes_nothing_back(store):
    tracker_store, dashboard, schema = store
    await conversation_so_far(tracker_store)
    turn = await tracker_store.retrieve(SENDER)  # a message arrives and is being answered
    turn.update(UserUttered(f"{WORDS}, jane.roe@example.com"))
    assert erase_transcript(dashboard, SENDER, schema) == 7  # the dashboard erases meanwhile
    turn.update(SlotSet("email", "jane.roe@example.com"))
    turn.update(BotUttered(f"Thanks, {WORDS}."))
    turn.update(ActionExecuted("action_listen"))
    await tracker_store.save(turn)
    assert stored_texts(dashboard, schema) == []
    assert await tracker_store.retrieve(SENDER) is None


async def test_an_erasure_after_the_turn_was_saved_leaves_nothing_either(store):
    tracker_store, dashboard, schema = store
    await conversation_so_far(tracker_store)
    assert erase_transcript(dashboard, SENDER, schema) == 7
    assert stored_texts(dashboard, schema) == []


async def test_the_conversation_goes_on_afresh_after_an_erasure(store):
    tracker_store, dashboard, schema = store
    await conversation_so_far(tracker_store)
    erase_transcript(dashboard, SENDER, schema)
    tracker = await tracker_store.retrieve(SENDER) or DialogueStateTracker(SENDER, DOMAIN.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), UserUttered("hello again")):
        tracker.update(event)
    await tracker_store.save(tracker)
    assert [e.text for e in (await tracker_store.retrieve(SENDER)).events if isinstance(e, UserUttered)] == [
        "hello again"
    ]


async def test_an_erasure_asked_in_the_conversation_also_holds_against_a_late_save(store):
    tracker_store, dashboard, schema = store
    await conversation_so_far(tracker_store)
    late = await tracker_store.retrieve(SENDER)  # a copy of the conversation from before the erasure
    erasing = await tracker_store.retrieve(SENDER)
    erasing.update(SlotSet("erase_conversation", True))
    await tracker_store.save(erasing)
    late.update(BotUttered(f"Reminder for {WORDS}"))
    await tracker_store.save(late)
    assert stored_texts(dashboard, schema) == []


async def test_erasure_records_go_with_the_retention_period(store):
    tracker_store, dashboard, schema = store
    erase_transcript(dashboard, SENDER, schema)
    erase_transcript(dashboard, "rest-recent", schema)
    table = f'"{schema}".conversation_erasures' if schema else "conversation_erasures"
    with dashboard.begin() as connection:  # the first erasure was 40 days ago
        connection.execute(
            text(f"UPDATE {table} SET erased_at = erased_at - 40 * 86400 WHERE sender_id = :s"), {"s": SENDER}
        )
    purge_transcripts(dashboard, dt.timedelta(days=30), schema)
    with dashboard.connect() as connection:
        assert [r[0] for r in connection.execute(text(f"SELECT sender_id FROM {table}"))] == ["rest-recent"]
