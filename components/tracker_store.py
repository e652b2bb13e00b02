"""Rasa glue: the SQL tracker store, which forgets a conversation whose applicant asked for erasure.

The erasure action sets the `erase_conversation` slot; when Rasa then saves the
tracker, this store deletes every stored event of that conversation instead of
writing new ones, so nothing of it is written back. Either way of erasing (this one and
the dashboard's) records when it happened (`bot/backoffice/transcripts.py`), and every
save drops the events of a turn that began before that time: a turn being answered while
the dashboard erases would otherwise write the whole conversation back.

Its engine hides statement parameters from error messages: they are the applicant's
events (names, emails, their story), and Rasa logs database errors.

`python -m components.tracker_store` prepares the tracker database (its PostgreSQL
schema and tables) before any Rasa replica starts: replicas started together would
race to create them, and Rasa exits when the schema is missing. It is the init step of
compose and Kubernetes and of `make run-cluster`; safe to run concurrently and again.
"""

import contextlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.backoffice.db import private_sqlite_file
from bot.backoffice.transcripts import (
    erased_at,
    erasures_table,
    record_erasure,
    tracker_database_url,
    tracker_schema,
)

ERASE_SLOT = "erase_conversation"


def after_erasure(events: list[Event], erased: float) -> list[Event]:
    """The events a save may still write once the conversation was erased at `erased`: none
    from before, and none of a turn that began before (the replies may name the applicant)."""
    kept, stale = [], False
    for event in events:
        if isinstance(event, UserUttered) or (
            isinstance(event, ActionExecuted) and event.action_name == "action_session_start"
        ):
            stale = event.timestamp <= erased
        if event.timestamp > erased and not stale:
            kept.append(event)
    return kept


class ErasableSQLTrackerStore(SQLTrackerStore):
    engine: Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db"):
            private_sqlite_file(Path(kwargs["db"]))  # before Rasa creates it readable by all
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.schema_checked = False
        erasures_table(None).create(self.engine, checkfirst=True)  # Rasa creates its own tables here too

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Rasa checks that its PostgreSQL schema exists at the start of every session, a query
        for each load and each save (7 % of the Rasa server's time under load, 2026-12-06).
        The first session checks it as Rasa does (and Rasa exits when it is missing); the
        schema is made before the replicas start and is not dropped under them."""
        if not self.schema_checked:
            with super().session_scope() as session:
                self.schema_checked = True
                yield session
            return
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.get_slot(ERASE_SLOT):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False
            )
            record_erasure(session.connection(), tracker.sender_id)
            session.commit()

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        events = list(super()._additional_events(session, tracker))
        erased = erased_at(session.connection(), tracker.sender_id)
        return iter(events if erased is None else after_erasure(events, erased))


SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def prepare_tracker_database(url: str, schema: str | None) -> None:
    """Creates the schema (PostgreSQL) and Rasa's tables when missing, one preparer at a time."""
    if schema and not SCHEMA_NAME.match(schema):
        raise ValueError(f"POSTGRESQL_SCHEMA must be a plain lower-case name, not {schema!r}")
    engine = sa.create_engine(url, hide_parameters=True, future=True)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Held until the commit: concurrent preparers wait, then find everything there.
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('rasa tracker store prepare'))"))
                if schema:
                    connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                    connection.execute(sa.text(f'SET LOCAL search_path TO "{schema}"'))
            SQLTrackerStore.Base.metadata.create_all(connection)
            erasures_table(None).create(connection, checkfirst=True)
    finally:
        engine.dispose()


def main() -> int:
    try:
        prepare_tracker_database(tracker_database_url(), tracker_schema())
    except (ValueError, sa.exc.SQLAlchemyError) as error:
        print(
            f"error: could not prepare the tracker database at TRACKER_DATABASE_URL ({type(error).__name__}: "
            f"{error if isinstance(error, ValueError) else 'is it reachable?'})",
            file=sys.stderr,
        )
        return 2
    print("The tracker database is ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
