"""Rasa glue: the SQL tracker store, which forgets a conversation whose applicant asked for erasure.

The erasure action sets the `erase_conversation` slot; when Rasa then saves the
tracker, this store deletes every stored event of that conversation instead of
writing new ones, so nothing of it is written back.

Its engine hides statement parameters from error messages: they are the applicant's
events (names, emails, their story), and Rasa logs database errors.
"""
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

ERASE_SLOT = "erase_conversation"


class ErasableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.get_slot(ERASE_SLOT):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False
            )
            session.commit()
