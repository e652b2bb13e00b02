"""Erasure of a conversation: its intake data (leads, reminders) and its transcript.

The request is recorded first, in the intake database. The deletion is tried at once
and, where a database is down, again by every `send-due` run until it succeeds. The
applicant is told "done" only once everything is deleted; otherwise that the request
is recorded and will be completed.
"""

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice.handoffs import erase_conversation_handoffs
from bot.backoffice.intake import IntakeStore
from bot.backoffice.transcripts import erase_transcript

logger = logging.getLogger(__name__)


def erase(
    store: IntakeStore, transcripts: Engine, schema: str | None, request_id: int, conversation_id: str
) -> dict[str, int] | None:
    """What was deleted, or None when a database failed (the request stays pending)."""
    try:
        removed = store.erase_conversation(conversation_id)
        erase_conversation_handoffs(store, conversation_id)  # live handoffs (issue 26): ids and times only
        removed["events"] = erase_transcript(transcripts, conversation_id, schema)
        store.erasure_done(request_id)
    except SQLAlchemyError as error:
        logger.warning("Erasure request %s not complete yet: %s", request_id, type(error).__name__)
        try:
            store.erasure_failed(request_id, type(error).__name__)
        except SQLAlchemyError:
            pass  # still pending: the next run tries again
        return None
    logger.info("Erasure request %s complete", request_id)
    return removed


def complete_pending_erasures(store: IntakeStore, transcripts: Engine, schema: str | None) -> dict[str, int]:
    counts = {"done": 0, "failed": 0}
    for request in store.pending_erasures():
        done = erase(store, transcripts, schema, request.id, request.conversation_id)
        counts["done" if done is not None else "failed"] += 1
    return counts
