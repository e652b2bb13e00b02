"""Rasa glue: the SQL tracker store, which forgets a conversation whose applicant asked for erasure.

The erasure action sets the `erase_conversation` slot; when Rasa then saves the
tracker, this store deletes every stored event of that conversation instead of
writing new ones, so nothing of it is written back.
"""
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

ERASE_SLOT = "erase_conversation"


class ErasableSQLTrackerStore(SQLTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.get_slot(ERASE_SLOT):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete(
                synchronize_session=False
            )
            session.commit()
