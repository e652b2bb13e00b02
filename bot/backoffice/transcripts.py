"""Conversation transcripts (Rasa's tracker store) past the firm's retention period.

The tracker store keeps every event of every conversation: what applicants wrote,
including names, emails and their story. `purge` deletes whole conversations that
have been silent for longer than the retention period (deleting only their old
events would leave half a history that Rasa would replay as if it were whole).
TRACKER_DATABASE_URL names the database (default var/conversations.db, where
`make run` keeps them); POSTGRESQL_SCHEMA its schema, as for the Rasa server.
"""

import datetime as dt
import os
import time

import sqlalchemy as sa
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.backoffice.db import ROOT


def tracker_database_url() -> str:
    return os.environ.get("TRACKER_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'conversations.db'}"


def tracker_schema() -> str | None:
    return os.environ.get("POSTGRESQL_SCHEMA") or None


def events_table(engine: Engine, schema: str | None) -> str | None:
    """The events table's qualified name, or None before Rasa has created it."""
    if not inspect(engine).has_table("events", schema=schema):
        return None
    return f'"{schema}".events' if schema else "events"


def purge_transcripts(engine: Engine, older_than: dt.timedelta, schema: str | None = None) -> int:
    """Deletes the events of conversations whose last event is older than older_than;
    returns how many conversations were deleted. A database without transcripts yet is fine."""
    table = events_table(engine, schema)
    if table is None:
        return 0
    cutoff = (dt.datetime.now(dt.timezone.utc) - older_than).timestamp()
    silent = f"SELECT sender_id FROM {table} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
    with engine.begin() as connection:
        conversations = connection.execute(
            text(f"SELECT COUNT(*) FROM ({silent}) AS silent"), {"cutoff": cutoff}
        ).scalar()
        connection.execute(text(f"DELETE FROM {table} WHERE sender_id IN ({silent})"), {"cutoff": cutoff})
        if inspect(connection).has_table("conversation_erasures", schema=schema):
            erasures = erasures_table(schema)  # a turn in flight for that long is long gone
            connection.execute(erasures.delete().where(erasures.c.erased_at < cutoff))
    return int(conversations or 0)


def erasures_table(schema: str | None) -> sa.Table:
    """When each erased conversation was erased. A turn that was being answered while its
    conversation was erased still holds the old events in memory, and Rasa saves a tracker
    by writing every event past the number stored (0 after the erasure): the tracker store
    (components/tracker_store.py) reads this table on every save and writes nothing of a
    turn that began before the erasure."""
    return sa.Table(
        "conversation_erasures",
        sa.MetaData(schema=schema),
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("erased_at", sa.Float, nullable=False),
    )


def record_erasure(connection: Connection, conversation_id: str, schema: str | None = None) -> None:
    """Records (or moves to now) the conversation's erasure time, in the caller's transaction."""
    erasures = erasures_table(schema)
    erasures.create(connection, checkfirst=True)
    now = time.time()
    updated = connection.execute(
        erasures.update().where(erasures.c.sender_id == conversation_id).values(erased_at=now)
    ).rowcount
    if not updated:
        connection.execute(erasures.insert().values(sender_id=conversation_id, erased_at=now))


def erased_at(connection: Connection, conversation_id: str, schema: str | None = None) -> float | None:
    """When the conversation was last erased, or None."""
    erasures = erasures_table(schema)
    found = connection.execute(sa.select(erasures.c.erased_at).where(erasures.c.sender_id == conversation_id)).scalar()
    return None if found is None else float(found)


def erase_transcript(engine: Engine, conversation_id: str, schema: str | None = None) -> int:
    """Deletes every stored event of one conversation and records the erasure (so that a
    turn in flight cannot write them back); returns how many events there were."""
    table = events_table(engine, schema)
    with engine.begin() as connection:
        record_erasure(connection, conversation_id, schema)
        if table is None:
            return 0
        return int(
            connection.execute(
                text(f"DELETE FROM {table} WHERE sender_id = :sender"), {"sender": conversation_id}
            ).rowcount
        )
