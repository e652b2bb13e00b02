"""Rasa glue: what still reaches the assistant while a person of the firm holds a conversation
(issue 26). Rasa answers nothing in a paused conversation but a restart; an applicant who asks
to delete their data during a live chat must not depend on the person noticing: the conversation
resumes for that message, and the assistant's erasure flow runs as at any other time (asking
to confirm, then erasing the transcript and the live chat with it). The person sees it happen
on the live page; their next message is refused (nobody holds the conversation any more).
"""

from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ConversationResumed
from rasa.shared.core.trackers import DialogueStateTracker

# Intents that resume a paused conversation: the applicant's rights come before a live chat.
RESUMING_INTENTS = ("delete_my_data",)
RASA_LOG_MESSAGE = MessageProcessor.log_message


async def log_message(
    self: MessageProcessor, message: UserMessage, should_save_tracker: bool = True
) -> DialogueStateTracker:
    tracker: DialogueStateTracker = await RASA_LOG_MESSAGE(self, message, should_save_tracker=False)
    intent: Any = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if tracker.is_paused() and intent in RESUMING_INTENTS:
        tracker.update(ConversationResumed())
    if should_save_tracker:
        await self.save_tracker(tracker)
    return tracker


def apply() -> None:
    MessageProcessor.log_message = log_message
