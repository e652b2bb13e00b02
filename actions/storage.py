"""The firm's database as the actions see it, opened (and migrated) on first use so that a
database that is down at start-up does not stop the action server."""
import asyncio
import logging
from functools import lru_cache

from sqlalchemy.engine import Engine

from bot.db import database_url, make_engine, migrate
from bot.intake import IntakeStore
from bot.notify import MailSettings, deliver_notifications
from bot.transcripts import tracker_database_url

from actions.engine import FIRM

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def intake_store() -> IntakeStore:
    """Raises SQLAlchemyError while the database is unreachable (and is tried again next time)."""
    engine = make_engine(database_url())
    migrate(engine)
    return IntakeStore(engine)


@lru_cache(maxsize=1)
def transcripts() -> Engine:
    """The tracker store's database, where erasure deletes the conversation's transcript."""
    return make_engine(tracker_database_url())


def mail_settings() -> MailSettings:
    return MailSettings.from_env(FIRM)


def _deliver_now() -> None:
    try:
        counts = deliver_notifications(intake_store(), mail_settings())
        logger.info("Notifications delivered: %s", counts)
    except Exception:  # the outbox keeps them; `send-due` retries
        logger.exception("Delivering notifications failed; they stay in the outbox")


def deliver_soon() -> None:
    """Tries to deliver the outbox in the background, without delaying the reply."""
    asyncio.get_running_loop().run_in_executor(None, _deliver_now)
