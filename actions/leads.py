"""Turning a finished intake or callback form into a stored lead, and storing a lead that had
to wait because the database was down."""

import datetime as dt

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.case_facts import case_countdown, slot_date
from actions.resources import firm_values
from actions.storage import deliver_soon, intake_store, mail_settings
from actions.turns import conversation_language
from bot.backoffice.intake import ClientBusy, LeadInput, LimitReached
from bot.backoffice.models import utcnow
from bot.backoffice.summary import case_summary
from bot.rules.deadline import URGENT

SKIPPED = "skipped"  # the value of a question the applicant chose not to answer


def slot_value(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    return None if value in (None, SKIPPED, "") else value


def consent_time(tracker: Tracker, slot: str) -> dt.datetime:
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == slot and event.get("value") == "yes":
            return dt.datetime.fromtimestamp(event["timestamp"], dt.timezone.utc)
    return utcnow()


CHANNELS = ("rest", "widget", "slack", "telegram")


def channel_of(conversation_id: str) -> str:
    """The channel a conversation came through, from its id ("telegram-12345"), which each
    channel sets itself; what a client says its channel is proves nothing."""
    prefix, dash, _ = conversation_id.partition("-")
    return prefix if dash and prefix in CHANNELS else "unknown"


def build_lead(tracker: Tracker, kind: str) -> LeadInput:
    consent_slot = "intake_consent" if kind == "consultation" else "callback_consent"
    interview, notice = slot_date(tracker, "interview_date"), slot_date(tracker, "notice_date")
    # The engine's one decision: no deadline or urgency where no countdown applies (214(b), nothing requested...).
    found = case_countdown(tracker)
    contact = slot_value(tracker, "contact") or ""
    return LeadInput(
        kind=kind,
        conversation_id=tracker.sender_id,
        channel=channel_of(tracker.sender_id),
        # Set by our channels (the client's address, hashed); on Slack and Telegram, the account is the client.
        client_key=((tracker.latest_message.get("metadata") or {}).get("client") or tracker.sender_id)[:64],
        consent_at=consent_time(tracker, consent_slot),
        language=conversation_language(tracker),
        person_name=slot_value(tracker, "person_name"),
        email=slot_value(tracker, "email") or (contact if "@" in contact else None),
        phone=slot_value(tracker, "phone") or (contact if contact and "@" not in contact else None),
        visa_type=slot_value(tracker, "visa_type"),
        consulate=slot_value(tracker, "consulate"),
        interview_date=interview,
        notice_date=notice,
        notice_request=slot_value(tracker, "notice_request"),
        has_petition={"yes": True, "no": False}.get(slot_value(tracker, "has_petition") or ""),
        petitioner_name=slot_value(tracker, "petitioner_name"),
        description=slot_value(tracker, "case_description"),
        deadline=found.firm_deadline if found else None,
        urgency=found.urgency if found else None,
        refusal_section=slot_value(tracker, "refusal_section"),
        countdown=found,
        topics_asked=tuple(tracker.get_slot("topics_asked") or ()),
        sources_cited=tuple(tracker.get_slot("sources_cited") or ()),
    )


def _save(tracker: Tracker, kind: str) -> tuple[int, LeadInput]:
    """Stores the lead and queues its notifications; raises SQLAlchemyError while the database is down."""
    lead = build_lead(tracker, kind)
    lead_id = intake_store().save_lead(lead, case_summary(lead), mail_settings().channels)
    deliver_soon()
    return lead_id, lead


def _confirm(
    dispatcher: CollectingDispatcher, tracker: Tracker, response: str, lead_id: int, lead: LeadInput
) -> list[dict]:
    dispatcher.utter_message(response=response, lead_id=lead_id, **firm_values(conversation_language(tracker)))
    if lead.urgency in URGENT:
        dispatcher.utter_message(response="utter_intake_urgent", **firm_values(conversation_language(tracker)))
    return [SlotSet("lead_id", lead_id), SlotSet("lead_pending", None)]


def limit_response(limit: LimitReached) -> str:
    return "utter_lead_limit_client" if isinstance(limit, ClientBusy) else "utter_lead_limit"


def store_lead(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str, received: str) -> list[dict]:
    """Stores the lead, or keeps it pending in the conversation while the database is down."""
    try:
        lead_id, lead = _save(tracker, kind)
    except SQLAlchemyError:
        dispatcher.utter_message(response="utter_intake_saved_later", **firm_values(conversation_language(tracker)))
        return [SlotSet("lead_pending", kind)]
    except LimitReached as limit:
        dispatcher.utter_message(response=limit_response(limit), **firm_values(conversation_language(tracker)))
        return [SlotSet("lead_pending", None)]
    return _confirm(dispatcher, tracker, received, lead_id, lead)


def retry_pending_lead(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict]:
    """Called before every action: a lead kept while the database was down is stored now if it can be."""
    kind = tracker.get_slot("lead_pending")
    if not kind:
        return []
    try:
        lead_id, lead = _save(tracker, kind)
    except SQLAlchemyError:
        return []
    except LimitReached as limit:
        dispatcher.utter_message(response=limit_response(limit), **firm_values(conversation_language(tracker)))
        return [SlotSet("lead_pending", None)]
    return _confirm(dispatcher, tracker, "utter_intake_now_saved", lead_id, lead)
