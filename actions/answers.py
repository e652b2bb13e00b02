"""Answers from the knowledge base: the applicant's question, or the one waiting for a fact."""

from typing import Any, cast

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attorney_review import awaiting_review
from actions.base import SafeAction, latest_intent
from actions.case_facts import facts_from_tracker, latest_entity, unexplained_date
from actions.conversation import cancel_erasure, erase_conversation, not_understood
from actions.questions import QUESTIONS
from actions.resources import ADVICE, FIRM, firm_values
from actions.turns import conversation_language, set_in_last_turn
from bot.language.channel import channel_text
from bot.rules import clock
from bot.rules.advice import Answer, format_date
from bot.rules.dates import ESTIMATE
from bot.rules.deadline import DateError, parse_iso

# The question to ask when the engine needs a fact before it can answer.
ASK_FOR = {"ceac_status": "utter_ask_ceac_status", "notice_date": "utter_ask_notice_date"}


def deadline_payload(answer: Answer) -> dict[str, Any]:
    found = answer.deadline
    assert found is not None  # answer_topic calls this only for an answer with a deadline
    return {
        "type": "deadline",
        "notice_date": found.start_date.isoformat(),
        "counted_from": found.counted_from,
        "deadline": found.deadline.isoformat(),
        "days_left": found.days_left,
        "urgency": found.urgency,
        "language": answer.language,
    }


def sources_payload(answer: Answer) -> dict[str, Any]:
    return {
        "type": "sources",
        "sources": [
            {"title": s.title, "url": s.url, "reliability": s.reliability, "language": s.language}
            for s in answer.sources
        ],
        "language": answer.language,
    }


def details_payload(answer: Answer) -> dict[str, Any]:
    """What the first bubble leaves out, one tap away: the full explanations and the tips."""
    return {
        "type": "details",
        "title": channel_text(answer.language, "cards.details_title"),
        "items": [{"text": detail.text, "entry": detail.entry} for detail in answer.details],
        "language": answer.language,
    }


def contact_payload(language: str) -> dict[str, Any]:
    """The firm's contact block as a card: scanned on a phone, not read as a paragraph."""
    return {
        "type": "contact",
        "firm_name": FIRM.name,
        "booking_url": FIRM.booking_url,
        "phone": FIRM.phone,
        "email": FIRM.email,
        "office_hours": FIRM.text("office_hours", language),
        "language": language,
    }


def referral_response(answer: Answer, tracker: Tracker) -> str:
    """The full referral (followed by the contact card) once per conversation and whenever the
    case is urgent; otherwise one short line with the booking link."""
    if answer.referral == "urgent" or not tracker.get_slot("referral_shown"):
        return f"utter_referral_{answer.referral}"
    return "utter_referral_short_recommended" if answer.referral == "recommended" else "utter_referral_short"


def future_case_date(tracker: Tracker) -> str | None:
    """A date of the case in this message that lies in the future (an appointment may)."""
    for found in tracker.latest_message.get("entities", []):
        if found.get("entity") == "date" and found.get("role") in ("received", "sent"):
            if readable_date(found["value"]) and parse_iso(found["value"]) > clock.today():
                return found["value"]
    return None


def readable_date(text: str) -> bool:
    try:
        parse_iso(text)
        return True
    except DateError:
        return False  # refused later, with its reason, by facts_from_tracker


def ask_which_date(dispatcher: CollectingDispatcher, readings: str, language: str) -> None:
    first, second = (format_date(parse_iso(reading), language) for reading in readings.split("|"))
    buttons = [
        {"title": title, "payload": f'/inform{{"date":"{reading}"}}'}
        for title, reading in zip((first, second), readings.split("|"), strict=False)
    ]
    dispatcher.utter_message(response="utter_ask_which_date", first=first, second=second, buttons=buttons)


# The answers' own questions: the form's question comes instead (answer_topic).
QUESTIONS_OF_ANSWERS = {
    "utter_ask_notice_date",
    "utter_confirm_notice_date",
    "utter_received_date_not_counted",
    "utter_ask_which_date",
    *ASK_FOR.values(),
}


class AnswerWithoutAsking(CollectingDispatcher):
    """A dispatcher for an answer given in the middle of a form: the answer's own question
    becomes "I'll need that fact; ask me again once we're done", and waits for nothing."""

    def __init__(self, dispatcher: CollectingDispatcher) -> None:
        super().__init__()
        self.messages = dispatcher.messages
        self.held_back = False

    def utter_message(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("response") in QUESTIONS_OF_ANSWERS:
            if not self.held_back:
                super().utter_message(response="utter_ask_after_form")
            self.held_back = True
            return
        super().utter_message(*args, **kwargs)


def pending(dispatcher: CollectingDispatcher, topic: str) -> dict[str, Any]:
    """The question now waiting for the applicant; none when the answer could not ask it."""
    held_back = isinstance(dispatcher, AnswerWithoutAsking) and dispatcher.held_back
    return SlotSet("pending_topic", None if held_back else topic)


def answer_topic(
    topic: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    answering_date_question: bool = False,
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if tracker.get_slot("fallback_count"):
        events.append(SlotSet("fallback_count", 0))
    if (tracker.active_loop or {}).get("name"):
        # In the middle of a form the form's question is the one waiting: a question of the answer's
        # own (which date? is it printed on the notice?) would take the form's next answer.
        dispatcher = AnswerWithoutAsking(dispatcher)
    ambiguous = latest_entity(tracker, "ambiguous_date")
    if ambiguous:
        ask_which_date(dispatcher, ambiguous, conversation_language(tracker))
        return events + [SlotSet("ambiguous_date", None), pending(dispatcher, topic)]
    if latest_intent(tracker) == "petition_returned":
        events.append(SlotSet("kind_221g", "petition_returned"))
    answering = answering_date_question or bool(set_in_last_turn(tracker, "pending_topic") in ADVICE.topics)
    known = tracker.get_slot("notice_date") or tracker.get_slot("interview_date")
    future = future_case_date(tracker)
    if future:
        refused = DateError("future_date", date=parse_iso(future))
        dispatcher.utter_message(response="utter_date_problem", reason=refused.reason(conversation_language(tracker)))
        if topic == "deadline":
            dispatcher.utter_message(response="utter_ask_notice_date")
            return events + [pending(dispatcher, topic)]
    if topic == "deadline" and not known and not answering:
        # Never count the year from a date whose meaning we only guessed.
        unclear = unexplained_date(tracker)
        if unclear and readable_date(unclear):
            dispatcher.utter_message(
                response="utter_confirm_notice_date",
                date=format_date(parse_iso(unclear), conversation_language(tracker)),
            )
            return events + [pending(dispatcher, "confirm_notice_date")]
        if latest_entity(tracker, "date", role="received"):
            dispatcher.utter_message(response="utter_received_date_not_counted")
            return events + [pending(dispatcher, topic)]
    facts, slot_events, date_problem = facts_from_tracker(tracker, answering)
    events += slot_events
    if date_problem:
        dispatcher.utter_message(
            response="utter_date_problem", reason=date_problem.reason(conversation_language(tracker))
        )
        if topic == "deadline":
            dispatcher.utter_message(response="utter_ask_notice_date")
            return events + [pending(dispatcher, topic)]
    answer = ADVICE.answer(topic, facts, conversation_language(tracker))
    if answer.needs:
        dispatcher.utter_message(response=ASK_FOR[answer.needs])
        return events + [pending(dispatcher, topic)]
    if awaiting_review(answer):
        # Nothing from entries the firm's attorneys have not signed off: a referral to them instead.
        dispatcher.utter_message(response="utter_answer_awaiting_review")
        urgent = answer.referral == "urgent"
        dispatcher.utter_message(
            response="utter_referral_urgent" if urgent else "utter_referral_recommended",
            **firm_values(conversation_language(tracker)),
        )
        if not urgent:  # the urgent text carries every contact itself
            dispatcher.utter_message(json_message=contact_payload(answer.language))
        asked = list(tracker.get_slot("topics_asked") or [])  # still worth knowing for the case summary
        return events + [
            SlotSet("pending_topic", None),
            SlotSet("topics_asked", asked + [topic] if topic not in asked else asked),
            SlotSet("referral_shown", True),
        ]
    # The answer first and short (a phone shows little); the rest as payloads one tap away.
    dispatcher.utter_message(text=answer.lead)
    if answer.deadline:
        dispatcher.utter_message(json_message=deadline_payload(answer))
    if answer.details:
        dispatcher.utter_message(json_message=details_payload(answer))
    dispatcher.utter_message(json_message=sources_payload(answer))
    referral = referral_response(answer, tracker)
    dispatcher.utter_message(response=referral, **firm_values(conversation_language(tracker)))
    if referral in ("utter_referral_none", "utter_referral_suggested", "utter_referral_recommended"):
        dispatcher.utter_message(
            json_message=contact_payload(answer.language)
        )  # the urgent text carries every contact itself
    if tracker.get_slot("pending_topic"):
        events.append(SlotSet("pending_topic", None))
    # Remembered for the attorney's case summary, should the applicant book a consultation.
    topics = list(tracker.get_slot("topics_asked") or [])
    cited = list(tracker.get_slot("sources_cited") or [])
    cited += [f"{s.title} {s.url}" for s in answer.sources if f"{s.title} {s.url}" not in cited]
    events += [
        SlotSet("topics_asked", topics + [topic] if topic not in topics else topics),
        SlotSet("sources_cited", cited),
    ]
    if not tracker.get_slot("referral_shown"):
        events.append(SlotSet("referral_shown", True))
    return events


class ActionAnswerQuestion(SafeAction):
    def name(self) -> str:
        return "action_answer_question"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # The rules run this action only after a question intent; any other is a KeyError, as before.
        intent = cast(str, latest_intent(tracker))
        return answer_topic(QUESTIONS[intent].topic, dispatcher, tracker)


class ActionContinue(SafeAction):
    """inform / affirm / deny: resumes what the assistant was waiting for."""

    def name(self) -> str:
        return "action_continue"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = latest_intent(tracker)
        # Only the question asked in the assistant's last turn is waiting: a confirmation never
        # carries over to a "yes" that follows something else.
        pending: str | None = set_in_last_turn(tracker, "pending_topic")
        stale = [SlotSet("pending_topic", None)] if tracker.get_slot("pending_topic") and not pending else []
        if pending == "attorney_offer" and intent in ("affirm", "deny"):
            if intent == "affirm":
                return [SlotSet("pending_topic", None), FollowupAction("intake_form")]
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("pending_topic", None)]
        if pending == "confirm_notice_date" and intent in ("affirm", "deny"):
            if intent == "affirm" and tracker.get_slot("date"):
                return answer_topic("deadline", dispatcher, tracker, answering_date_question=True)
            dispatcher.utter_message(response="utter_ask_notice_date")
            return [SlotSet("date", None), SlotSet("pending_topic", "deadline")]
        if pending == "confirm_notice_date" and intent == "inform" and latest_entity(tracker, "date"):
            return answer_topic("deadline", dispatcher, tracker, answering_date_question=True)
        if pending == "delete_data" and intent in ("affirm", "deny"):
            return [SlotSet("pending_topic", None)] + (
                erase_conversation(dispatcher, tracker) if intent == "affirm" else cancel_erasure(dispatcher)
            )
        if intent == "inform" and not tracker.latest_message.get("entities"):
            # An "answer" with nothing in it (an empty message, emoji only) was not understood.
            return not_understood(dispatcher, tracker)
        if pending in ADVICE.topics and intent == "inform":
            return answer_topic(pending, dispatcher, tracker)
        if intent == "inform" and latest_entity(tracker, "date", role=ESTIMATE):
            # "my interview was about 3 weeks ago": refused, and the printed date asked for.
            return answer_topic("deadline", dispatcher, tracker)
        if intent == "inform" and latest_entity(tracker, "ceac_status"):
            # "now it changed to In Transit": the new status is answered, not just noted.
            return answer_topic("status_meaning", dispatcher, tracker)
        updates_a_date = latest_entity(tracker, "date", role="notice") or latest_entity(
            tracker, "date", role="interview"
        )
        if intent == "inform" and updates_a_date and "deadline" in (tracker.get_slot("topics_asked") or []):
            # "wait, the interview itself was on 1 March": the deadline is counted again.
            return answer_topic("deadline", dispatcher, tracker)
        if intent == "inform":
            dispatcher.utter_message(response="utter_noted")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_topic", None)] if pending or stale else []
