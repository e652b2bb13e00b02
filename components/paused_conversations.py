"""Rasa glue: what still reaches the assistant while a person of the firm holds a conversation
(issue 26). Rasa answers nothing in a paused conversation but a restart; an applicant who asks
to delete their data during a live chat must not depend on the person noticing: the conversation
resumes for that message, and the assistant's erasure flow runs as at any other time (asking
to confirm, then erasing the transcript and the live chat with it). The person sees it happen
on the live page; their next message is refused (nobody holds the conversation any more).

Nor does the assistant take anything from the messages of a paused conversation: Rasa extracts
slots before it looks at the pause, so a "yes" said to the person while a form waited for
consent was stored as the consent, and the form, which validates only what the latest message
set, never checked it.
"""

from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ConversationResumed
from rasa.shared.core.trackers import DialogueStateTracker

# Intents that resume a paused conversation: the applicant's rights come before a live chat.
RESUMING_INTENTS = ("delete_my_data",)
RASA_LOG_MESSAGE = MessageProcessor.log_message
RASA_EXTRACT_SLOTS = MessageProcessor.run_action_extract_slots


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


async def run_action_extract_slots(
    self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
) -> DialogueStateTracker:
    if tracker.is_paused():
        return tracker  # the words are for the person holding the conversation
    return await RASA_EXTRACT_SLOTS(self, output_channel, tracker)


def apply() -> None:
    MessageProcessor.log_message = log_message
    MessageProcessor.run_action_extract_slots = run_action_extract_slots
