"""The tracker database is prepared by one init step, before any Rasa replica starts."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import rasa.core.tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, inspect

from components.tracker_store import ErasableSQLTrackerStore, prepare_tracker_database
from tests.common import POSTGRES_SERVER, empty_postgres_database


def postgres_store(database: str) -> ErasableSQLTrackerStore:
    user, host_port = POSTGRES_SERVER.split("//", 1)[1].split("@")
    host, port = host_port.split(":")
    return ErasableSQLTrackerStore(
        Domain.empty(), dialect="postgresql", host=host, port=int(port), username=user, db=database
    )


@pytest.fixture
def empty_database():
    with empty_postgres_database("tracker_test") as name:
        yield name


async def test_replicas_preparing_at_once_all_succeed_and_rasa_then_uses_the_schema(empty_database, monkeypatch):
    url = f"{POSTGRES_SERVER}/{empty_database}"
    with ThreadPoolExecutor(max_workers=4) as pool:  # four init containers at the same moment
        list(pool.map(lambda _: prepare_tracker_database(url, "rasa_tracker"), range(4)))
    prepare_tracker_database(url, "rasa_tracker")  # and again later: nothing to do
    engine = create_engine(url, future=True)
    assert "events" in inspect(engine).get_table_names(schema="rasa_tracker")
    assert "events" not in inspect(engine).get_table_names(schema="public")
    engine.dispose()
    # Rasa's own store (which exits when its schema is missing) starts on it and keeps events there.
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "rasa_tracker")
    store = postgres_store(empty_database)
    await store.save(DialogueStateTracker.from_events("conv-prepared", [UserUttered("hello")]))
    assert (await store.retrieve("conv-prepared")).events
    store.engine.dispose()


async def test_rasas_schema_check_runs_once_per_store_not_per_load_and_save(empty_database, monkeypatch):
    checks = []
    rasa_check = rasa.core.tracker_store.ensure_schema_exists
    monkeypatch.setattr(rasa.core.tracker_store, "ensure_schema_exists", lambda s: checks.append(1) or rasa_check(s))
    prepare_tracker_database(f"{POSTGRES_SERVER}/{empty_database}", "rasa_tracker")
    monkeypatch.setenv("POSTGRESQL_SCHEMA", "rasa_tracker")
    store = postgres_store(empty_database)
    for turn in range(3):
        tracker = await store.retrieve("conv-checked") or DialogueStateTracker("conv-checked", [])
        tracker.update(UserUttered(f"message {turn}"))
        await store.save(tracker)
    assert [e.text for e in (await store.retrieve("conv-checked")).events] == ["message 0", "message 1", "message 2"]
    assert checks == [1]
    store.engine.dispose()


def test_a_schema_name_that_is_not_a_plain_name_is_refused():
    with pytest.raises(ValueError, match="plain lower-case name"):
        prepare_tracker_database("sqlite://", 'x"; DROP TABLE events; --')
