"""The case facts a conversation's slots hold, for the advice rules (bot.rules.advice)."""

import datetime as dt
from collections.abc import Container
from dataclasses import replace

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.resources import ADVICE
from bot.rules import clock
from bot.rules.advice import CaseFacts, option_asked
from bot.rules.countdown import KINDS_221G, Countdown
from bot.rules.dates import CORRECTS, ESTIMATE
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


def _before_this_message(tracker: Tracker, slot: str) -> str | None:
    """The slot's value before the latest message (Rasa has already set it from that message)."""
    events = tracker.events
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    for event in reversed(events[: users[-1]] if users else []):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def counting_date(tracker: Tracker, slot: str) -> str | None:
    """The notice or interview date, never later than what the applicant said. Rasa keeps the last
    of several dates; of those in one message the earliest counts, and a date given in an earlier
    message gives way only to a correction ("sorry, I meant..."): otherwise the earlier one counts.
    (A correction within one message is merged by bot.rules.dates.) An estimate ("a few days ago")
    has a role of its own and is never one of them (facts_from_tracker refuses it)."""
    role = slot.split("_")[0]
    entities = tracker.latest_message.get("entities", [])
    said = [e["value"] for e in entities if e.get("entity") == "date" and e.get("role") == role]
    corrected = CORRECTS.search(tracker.latest_message.get("text") or "")
    plain = [e["value"] for e in entities if e.get("entity") == "date" and e.get("role") in (None, "other")]
    if corrected and plain and not said and _corrected_slot(tracker, plain[-1]) == slot:
        # "Sorry, I meant 3 February": a date with no telling word corrects an earlier date.
        said = plain[-1:]
    said = [value for value in said if isinstance(value, str)]
    if not said:
        return tracker.get_slot(slot)
    chosen = min(said)  # ISO dates compare as text
    previous = _before_this_message(tracker, slot)
    if previous and previous != "skipped" and not corrected:
        chosen = min(previous, chosen)
    return chosen


def _corrected_slot(tracker: Tracker, new: str) -> str | None:
    """Which date a correction without a telling word replaces: the one date given, or, with both a
    notice and an interview date, the reading that counts from the earlier day."""
    before = {slot: _before_this_message(tracker, slot) for slot in ("notice_date", "interview_date")}
    known = {slot: value for slot, value in before.items() if value and value != "skipped"}
    if len(known) < 2:
        return next(iter(known), None)
    notice, interview = known["notice_date"], known["interview_date"]
    return "notice_date" if min(new, interview) <= min(notice, new) else "interview_date"


def facts_from_tracker(
    tracker: Tracker, answering_date_question: bool = False
) -> tuple[CaseFacts, list[SlotSet], DateError | None]:
    """The case facts the slots hold, the slot events that tidy them, and why a date was
    refused (None when all dates are usable; the action says why in the conversation's language).

    Only a notice or an interview date starts the year. A date without a telling
    word counts as the notice date only when it answers our question for that date
    or nothing else is known; it never replaces a known notice or interview date.
    A refused date is cleared so that it is never used later.
    """
    events: list[SlotSet] = []
    notice_text = counting_date(tracker, "notice_date")
    interview_text = counting_date(tracker, "interview_date")
    for slot, text in (("notice_date", notice_text), ("interview_date", interview_text)):
        if text != tracker.get_slot(slot):
            events.append(SlotSet(slot, text))
    plain_date = unexplained_date(tracker) or tracker.get_slot("date")
    if plain_date and plain_date in (notice_text, interview_text):
        plain_date = None  # a correction already placed it
        events.append(SlotSet("date", None))
    if plain_date and (answering_date_question or not (notice_text or interview_text)):
        # An answer to our question never moves a notice date given before to a later day.
        usable = notice_text if notice_text and notice_text != "skipped" else None
        notice_text = min(usable, plain_date) if usable else plain_date
        events += [SlotSet("notice_date", notice_text), SlotSet("date", None)]
    dates: dict[str, dt.date] = {}
    estimate = latest_entity(tracker, "date", role=ESTIMATE)
    problem = DateError("approximate_date") if estimate else None
    for slot, text in (("notice_date", notice_text), ("interview_date", interview_text)):
        if text and text != "skipped":
            try:
                value = parse_iso(text)
                check_not_future(value, clock.today(), slot.split("_")[0])
                dates[slot] = value
            except DateError as error:
                events.append(SlotSet(slot, None))
                problem = problem or error
    if estimate:
        # An estimate may be earlier than every exact date given ("my interview was about 3 weeks
        # ago" beside a later notice date): nothing is counted in this answer while it stands.
        dates = {}
    duration = tracker.get_slot("duration_days")
    # The message's own visa class and consulate first: in the middle of a form they answer the
    # question without filling the form (domain.yml's slot mappings).
    known = slot_facts(tracker)
    facts = replace(
        known,
        visa_type=_known(latest_entity(tracker, "visa_type"), visa_types()) or known.visa_type,
        consulate=_known(latest_entity(tracker, "consulate"), consulates()) or known.consulate,
        days_since_interview=int(duration) if duration is not None else None,
        notice_date=dates.get("notice_date"),
        interview_date=dates.get("interview_date"),
        option_asked=option_asked(tracker.latest_message.get("text") or ""),
    )
    return facts, events, problem


def kind_of_221g(tracker: Tracker, status: str | None) -> str | None:
    """What the 221(g) asked for: the intake's answer, what the conversation showed (a returned
    petition), or administrative processing when that is the CEAC status."""
    kind = _known(tracker.get_slot("notice_request"), KINDS_221G) or _known(tracker.get_slot("kind_221g"), KINDS_221G)
    if kind is None and status == "administrative_processing":
        kind = "administrative_processing"
    return kind


def slot_date(tracker: Tracker, slot: str) -> dt.date | None:
    try:
        text = tracker.get_slot(slot)
        return parse_iso(text) if text and text != "skipped" else None
    except DateError:
        return None  # refused where it was given; never counted


def slot_facts(tracker: Tracker) -> CaseFacts:
    """The case facts the slots hold, without reading the latest message (forms, leads)."""
    status = _known(tracker.get_slot("ceac_status"), ceac_statuses())
    dv_year = tracker.get_slot("dv_year")
    return CaseFacts(
        ceac_status=status,
        refusal_section=tracker.get_slot("refusal_section"),
        kind_221g=kind_of_221g(tracker, status),
        visa_type=_known(tracker.get_slot("visa_type"), visa_types()),
        consulate=_known(tracker.get_slot("consulate"), consulates()),
        notice_date=slot_date(tracker, "notice_date"),
        interview_date=slot_date(tracker, "interview_date"),
        dv_year=int(dv_year) if dv_year else None,
    )


def case_countdown(tracker: Tracker) -> Countdown | None:
    """The engine's one decision on the deadline, from the slots; None while a date is refused."""
    try:
        return ADVICE.countdown(slot_facts(tracker))
    except DateError:
        return None
