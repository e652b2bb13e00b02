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

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

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
    return int(conversations or 0)


def erase_transcript(engine: Engine, conversation_id: str, schema: str | None = None) -> int:
    """Deletes every stored event of one conversation; returns how many there were."""
    table = events_table(engine, schema)
    if table is None:
        return 0
    with engine.begin() as connection:
        return int(
            connection.execute(
                text(f"DELETE FROM {table} WHERE sender_id = :sender"), {"sender": conversation_id}
            ).rowcount
        )
