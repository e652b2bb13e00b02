"""The firm's database as the actions see it, opened (and migrated) on first use so that a
database that is down at start-up does not stop the action server."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from sqlalchemy.engine import Engine

from actions.resources import FIRM
from bot.backoffice.db import database_url, make_engine, migrate
from bot.backoffice.intake import IntakeStore
from bot.backoffice.notify import MailSettings, deliver_notifications, send_confirmations
from bot.backoffice.transcripts import tracker_database_url

logger = logging.getLogger(__name__)
_OPENING = threading.Lock()


def intake_store() -> IntakeStore:
    """Raises SQLAlchemyError while the database is unreachable (and is tried again next time)."""
    return _store_for(database_url())


# Cached per setting: a store still being opened when the setting changed lands under its own
# URL, never under the new one (a cache holding "the" store had handed out the late one).
@lru_cache(maxsize=4)
def _store_for(url: str) -> IntakeStore:
    with _OPENING:  # actions run in threads: two first messages must not migrate at once
        engine = make_engine(url)
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


_DELIVERIES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver")


def deliver_soon() -> None:
    """Tries to deliver the outbox in the background, without delaying the reply."""
    _DELIVERIES.submit(_deliver_now)


def _send_confirmations_now() -> None:
    try:
        send_confirmations(intake_store(), mail_settings(), FIRM)
    except Exception:  # kept in the database; `send-due` retries
        logger.exception("Sending address confirmations failed; send-due will retry")


def send_confirmations_soon() -> None:
    """Sends reminder-address confirmation links in the background, without delaying the reply."""
    _DELIVERIES.submit(_send_confirmations_now)


def wait_for_background_work() -> None:
    """Returns once the deliveries and confirmations asked for so far have run."""
    _DELIVERIES.submit(lambda: None).result()
