"""The conversation around the answers: the disclaimer, fallbacks and the firm's contacts."""

import re
from typing import Any, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SafeAction, latest_intent
from actions.leads import channel_of
from actions.questions import QUESTIONS
from actions.resources import FIRM, firm_values
from actions.storage import intake_store, transcripts
from actions.turns import asked_for_language, conversation_language
from bot.backoffice.erasure import erase
from bot.backoffice.handoffs import LIVE_CHAT_CHANNELS, request_handoff, staff_available
from bot.backoffice.models import utcnow
from bot.backoffice.transcripts import tracker_schema
from bot.language import LANGUAGES

RESPONSE_BY_INTENT = {
    "bot_challenge": "utter_bot_challenge",
    "out_of_scope": "utter_out_of_scope",
}


def opening_language(tracker: Tracker) -> str:
    """The language a conversation opens in: the channel's hint (the first message's own
    language, the widget's, Telegram's language_code), else the language of the session before
    (a conversation that went quiet and came back), else the firm's (firm.yml `language`)."""
    hint = (tracker.get_slot("session_started_metadata") or {}).get("language")
    before = tracker.get_slot("language")
    return hint if hint in LANGUAGES else before if before in LANGUAGES else FIRM.language


class ActionSessionStart(Action):
    """Every conversation opens with the disclaimer, before the first answer, in the language
    the channel expects (the first message may change it: actions/base.py shows it again)."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = opening_language(tracker)
        dispatcher.utter_message(response="utter_disclaimer", language=language, **firm_values(language))
        return [
            SessionStarted(),
            SlotSet("language", language),
            SlotSet("disclaimer_language", language),
            ActionExecuted("action_listen"),
        ]


def language_switched(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """ "En español, por favor" and nothing else: not out of scope, the switch is acknowledged."""
    dispatcher.utter_message(response="utter_language_switched")
    return [SlotSet("fallback_count", 0)]


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """First ask to rephrase; the second time in a row, offer the attorney."""
    if not tracker.get_slot("fallback_count"):
        dispatcher.utter_message(response="utter_ask_rephrase")
        return [SlotSet("fallback_count", 1)]
    dispatcher.utter_message(response="utter_offer_attorney", **firm_values(conversation_language(tracker)))
    return [SlotSet("fallback_count", 0), SlotSet("pending_topic", "attorney_offer")]


# Words that show a message is about a visa case even when its question was not understood.
ABOUT_A_VISA_CASE = re.compile(
    r"\b(?:visa|ceac|embassy|consulate|consular|221\s*\(?\s*g|214\s*\(?\s*b|212|administrative|ap|refus\w*|"
    r"passport|interview\w*|docs?|documents?|petition|nvc|uscis|deadline|officer|vfs|ofc|stamping|dropbox|slip)\b",
    re.I,
)
CASE_ENTITIES = {"ceac_status", "refusal_section", "visa_type", "consulate", "date", "ambiguous_date", "duration"}
MIN_TOPIC_CONFIDENCE = 0.1


def likely_topics(tracker: Tracker) -> list[str]:
    """The two or three likeliest question intents, when the message is about a visa case."""
    message = tracker.latest_message
    about_a_case = ABOUT_A_VISA_CASE.search(message.get("text") or "") or any(
        e.get("entity") in CASE_ENTITIES for e in message.get("entities", [])
    )
    if not about_a_case:
        return []
    ranked = [r for r in message.get("intent_ranking", []) if r.get("name") in QUESTIONS]
    likely = [r["name"] for r in ranked[:3] if r.get("confidence", 0) >= MIN_TOPIC_CONFIDENCE / 2]
    if not ranked or ranked[0].get("confidence", 0) < MIN_TOPIC_CONFIDENCE or len(likely) < 2:
        return []
    return likely


class ActionFallback(SafeAction):
    """Low NLU confidence: about a visa case, offer the likeliest topics; otherwise ask to rephrase."""

    def name(self) -> str:
        return "action_fallback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if asked_for_language(tracker):
            return language_switched(dispatcher)
        topics = likely_topics(tracker)
        if topics and not tracker.get_slot("fallback_count"):
            buttons = [{"title": QUESTIONS[intent].title, "payload": f"/{intent}"} for intent in topics]
            dispatcher.utter_message(response="utter_which_topic", buttons=buttons)
            return [SlotSet("fallback_count", 1)]
        return not_understood(dispatcher, tracker)


class ActionFirmResponse(SafeAction):
    """Replies that speak for the firm: its name, contacts and booking link come from firm.yml."""

    def name(self) -> str:
        return "action_firm_response"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # The rules run this action only after one of these intents; any other is a KeyError, as before.
        intent = cast(str, latest_intent(tracker))
        if intent == "out_of_scope" and asked_for_language(tracker):
            return language_switched(dispatcher)
        dispatcher.utter_message(response=RESPONSE_BY_INTENT[intent], **firm_values(conversation_language(tracker)))
        return [SlotSet("pending_topic", None)] if tracker.get_slot("pending_topic") else []


def erase_conversation(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Records the request, then deletes the leads, reminders and transcript; "done" only once
    all is deleted. The erase slot makes the tracker store delete this turn's events too."""
    try:
        store = intake_store()
        request_id = store.request_erasure(tracker.sender_id)
    except SQLAlchemyError:
        dispatcher.utter_message(response="utter_delete_failed", **firm_values(conversation_language(tracker)))
        return []
    removed = erase(store, transcripts(), tracker_schema(), request_id, tracker.sender_id)
    if removed is None:
        dispatcher.utter_message(response="utter_delete_pending", **firm_values(conversation_language(tracker)))
    else:
        dispatcher.utter_message(response="utter_deleted", **removed)
        dispatcher.utter_message(json_message={"type": "erased"})  # the widget forgets its copy
    return [SlotSet("erase_conversation", True)]


def cancel_erasure(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_delete_cancelled")
    return []


def offer_callback(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """No one pretends to type: the applicant is told it's a bot and when someone can call."""
    dispatcher.utter_message(response="utter_human", **firm_values(conversation_language(tracker)))
    when_someone_calls(dispatcher, conversation_language(tracker))


def when_someone_calls(dispatcher: CollectingDispatcher, language: str) -> None:
    """Within the promised hours while the office is open; otherwise after it next opens."""
    opening = FIRM.next_opening(utcnow())
    if opening is None:
        dispatcher.utter_message(response="utter_callback_open", **firm_values(language))
    else:
        dispatcher.utter_message(
            response="utter_callback_closed",
            next_opening=FIRM.describe_opening(opening, language),
            **firm_values(language),
        )


def person_on_the_way(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """During office hours, with a staff member available on the dashboard: the conversation
    joins the live queue and the applicant is told someone is coming (issue 26; the dashboard's
    live page takes it from there, docs/handoff-plan.md). Otherwise False: the callback request."""
    now = utcnow()
    if FIRM.next_opening(now) is not None:  # None: the office is open now
        return False
    language, channel = conversation_language(tracker), channel_of(tracker.sender_id)
    if channel not in LIVE_CHAT_CHANNELS:
        return False
    try:
        store = intake_store()
        if not staff_available(store, now):
            return False
        handoff = request_handoff(store, tracker.sender_id, channel, language, now)
    except SQLAlchemyError:
        return False  # the callback request, as before: never nothing
    if handoff.state != "waiting":
        return False  # held already (the assistant took the conversation back): nobody new is coming
    dispatcher.utter_message(response="utter_handoff_waiting", **firm_values(language))
    return True


class ActionOfferCallback(SafeAction):
    def name(self) -> str:
        return "action_offer_callback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if person_on_the_way(dispatcher, tracker):
            return [FollowupAction("action_listen")]  # no callback form while someone is coming
        offer_callback(dispatcher, tracker)
        return []


class ActionHandoffUnanswered(SafeAction):
    """Nobody took the applicant's request for a person within the firm's time (the dashboard's
    timer, through components/channels/handoff.py): said honestly, and the callback request
    instead, now or, in the middle of a form, once it is done (the rules bring the form back)."""

    def name(self) -> str:
        return "action_handoff_unanswered"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = conversation_language(tracker)
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_handoff_unanswered_in_form", **firm_values(language))
            return []
        dispatcher.utter_message(response="utter_handoff_unanswered", **firm_values(language))
        when_someone_calls(dispatcher, language)
        return []
