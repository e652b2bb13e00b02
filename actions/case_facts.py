"""The case facts a conversation's slots hold, for the advice rules (bot.rules.advice)."""

from collections.abc import Container

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.rules import clock
from bot.rules.advice import KINDS_221G, CaseFacts, option_asked
from bot.rules.deadline import DateError, check_not_future, parse_iso
from bot.rules.reference import ceac_statuses, consulates, visa_types


def _known(value: str | None, allowed: Container[str]) -> str | None:
    return value if value in allowed else None


def latest_entity(tracker: Tracker, entity: str, role: str | None = None) -> str | None:
    return next(tracker.get_latest_entity_values(entity, entity_role=role), None)


def unexplained_date(tracker: Tracker) -> str | None:
    """The latest date in this message without a telling word: role "other", or no role at
    all (a button's payload, such as the choice between two readings of 4/6/2026)."""
    dates = [
        e
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == "date" and e.get("role") in (None, "other")
    ]
    return dates[-1]["value"] if dates else None


def facts_from_tracker(
    tracker: Tracker, answering_date_question: bool = False
) -> tuple[CaseFacts, list[SlotSet], str | None]:
    """The case facts the slots hold, the slot events that tidy them, and the reason
    a date was refused (None when all dates are usable).

    Only a notice or an interview date starts the year. A date without a telling
    word counts as the notice date only when it answers our question for that date
    or nothing else is known; it never replaces a known notice or interview date.
    A refused date is cleared so that it is never used later.
    """
    events: list[SlotSet] = []
    notice_text = tracker.get_slot("notice_date")
    plain_date = unexplained_date(tracker) or tracker.get_slot("date")
    if plain_date and (answering_date_question or not (notice_text or tracker.get_slot("interview_date"))):
        notice_text = plain_date
        events += [SlotSet("notice_date", plain_date), SlotSet("date", None)]
    dates, problem = {}, None
    for slot, text in (("notice_date", notice_text), ("interview_date", tracker.get_slot("interview_date"))):
        if text and text != "skipped":
            try:
                value = parse_iso(text)
                check_not_future(value, clock.today(), slot.split("_")[0])
                dates[slot] = value
            except DateError as error:
                events.append(SlotSet(slot, None))
                problem = problem or str(error)
    duration = tracker.get_slot("duration_days")
    status = _known(tracker.get_slot("ceac_status"), ceac_statuses())
    kind = _known(tracker.get_slot("kind_221g"), KINDS_221G)
    if kind is None and status == "administrative_processing":
        kind = "administrative_processing"
    facts = CaseFacts(
        ceac_status=status,
        refusal_section=tracker.get_slot("refusal_section"),
        kind_221g=kind,
        visa_type=_known(tracker.get_slot("visa_type"), visa_types()),
        consulate=_known(tracker.get_slot("consulate"), consulates()),
        days_since_interview=int(duration) if duration is not None else None,
        notice_date=dates.get("notice_date"),
        interview_date=dates.get("interview_date"),
        option_asked=option_asked(tracker.latest_message.get("text") or ""),
    )
    return facts, events, problem
