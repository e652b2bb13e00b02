"""The intake, callback and reminder forms: validation, and what happens when they are done.

Every answer is checked; a wrong one gets a helpful re-ask, and after two failed
tries the applicant may type "skip" (or "stop"). Nothing is stored without consent.
"""

import abc
import logging
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SafeAction, latest_intent
from actions.case_facts import case_countdown
from actions.leads import SKIPPED, consent_time, slot_value, store_lead
from actions.questions import QUESTIONS
from actions.resources import firm_values
from actions.storage import intake_store, send_confirmations_soon
from actions.turns import conversation_language, last_question, since_latest_message
from bot.backoffice.intake import CONFIRMATION_DAYS, AddressBusy, LimitReached
from bot.backoffice.models import MAX_LENGTHS
from bot.language.words import words
from bot.rules import clock, countdown
from bot.rules import intake_answers as answers
from bot.rules.advice import format_date

logger = logging.getLogger(__name__)
OPTIONAL_SLOTS = {"phone"}
# A question that also answers the form ("H-1B. What does 221g mean?") has at least this many
# words besides the values it gives: it is answered too, then the form goes on.
MIN_QUESTION_WORDS = 3
# Actions Rasa runs after every message before any reply.
SILENT_ACTIONS = {"action_listen", "action_extract_slots"}


def found_in_message(tracker: Tracker, *entity_types: str) -> list:
    """Values the NLU pipeline already extracted (and normalised) from the latest message."""
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") in entity_types]


def answered_yet(tracker: Tracker, form: str) -> bool:
    """An action has replied to the latest message already (the form runs again after an answer).
    Rasa shows the validator the form itself as run after the message: that one does not count."""
    since_message = since_latest_message(tracker)
    return any(e.get("event") == "action" and e.get("name") not in {*SILENT_ACTIONS, form} for e in since_message)


def asks_a_question_too(tracker: Tracker) -> bool:
    """The message is a question beyond the values it gives for the form."""
    if latest_intent(tracker) not in QUESTIONS:
        return False
    text = tracker.latest_message.get("text") or ""
    for entity in sorted(tracker.latest_message.get("entities", []), key=lambda e: -int(e.get("start") or 0)):
        if entity.get("start") is not None and entity.get("end") is not None:
            text = text[: entity["start"]] + " " + text[entity["end"] :]
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= MIN_QUESTION_WORDS


class FormValidation(FormValidationAction):
    """Shared checks; the failure count is per question and resets when an answer is accepted."""

    @abc.abstractmethod
    def name(self) -> str:
        """Abstract, so that the action server registers only the concrete forms' validators."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A validator that fails unexpectedly gets the answer asked again, politely; the
        failure is logged by type (the answer itself may be a name or an email)."""
        try:
            events = await super().run(dispatcher, tracker, domain)
        except Exception as error:
            logger.error("Validating an answer in %s failed: %s", self.name(), type(error).__name__)
            dispatcher.messages.clear()
            dispatcher.utter_message(
                response="utter_something_went_wrong", **firm_values(conversation_language(tracker))
            )
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate()]
        if tracker.slots_to_validate() and not answered_yet(tracker, self.form_name()) and asks_a_question_too(tracker):
            # The values are kept; the rules answer the question, then the form asks its next one.
            # (Without values, Rasa hands over by itself; after the answer, the form only asks.)
            events.append(ActionExecutionRejected(self.form_name()))
        return events

    def ok(self, slot: str, value: Any) -> dict[str, Any]:
        return {slot: value, "form_failures": 0}

    def failed(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **values: Any
    ) -> dict[str, Any]:
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        dispatcher.utter_message(response=response, **values)
        if failures >= 2:
            dispatcher.utter_message(response="utter_skip_or_stop")
        return {slot: None, "form_failures": failures}

    def may_skip(self, slot: str, tracker: Tracker) -> bool:
        return slot in OPTIONAL_SLOTS or int(tracker.get_slot("form_failures") or 0) >= 2

    def check(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        response: str,
        accept: Callable[[str], str | None],
    ) -> dict[str, Any]:
        """Runs `accept(text)` (the clean value, or None to re-ask), handling skip and length limits."""
        text = answers.clean_text(value)
        if answers.wants_to_skip(text) and (self.may_skip(slot, tracker) or slot.endswith("_date")):
            return self.ok(slot, SKIPPED)
        limit = MAX_LENGTHS.get(slot)
        if limit and len(text) > limit:
            return self.failed(slot, dispatcher, tracker, "utter_too_long", length=len(text), limit=limit)
        clean = accept(text)
        if clean is None:
            return self.failed(slot, dispatcher, tracker, response)
        return self.ok(slot, clean)

    # --- one validator per slot; shared by the forms that ask it ------------------------

    def validate_person_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check("person_name", value, dispatcher, tracker, "utter_invalid_person_name", answers.person_name)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check("email", value, dispatcher, tracker, "utter_invalid_email", answers.email)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check("phone", value, dispatcher, tracker, "utter_invalid_phone", answers.phone)

    def validate_visa_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check(
            "visa_type",
            value,
            dispatcher,
            tracker,
            "utter_invalid_visa_type",
            lambda text: answers.visa_type(text, found_in_message(tracker, "visa_type")),
        )

    def validate_consulate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check(
            "consulate",
            value,
            dispatcher,
            tracker,
            "utter_invalid_consulate",
            lambda text: answers.consulate(text, found_in_message(tracker, "consulate")),
        )

    def _validate_date(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        # The plain `date` slot is cleared either way: it would otherwise be read later as the notice date.
        text = answers.clean_text(value)
        if answers.wants_to_skip(text):
            return {**self.ok(slot, SKIPPED), "date": None}
        date, problem = answers.past_date(
            text, found_in_message(tracker, "date", "ambiguous_date"), clock.today(), slot.split("_")[0]
        )
        if problem:  # why, in the conversation's language (bot/language/<code>/words.yml, date_problems)
            reason = problem.reason(conversation_language(tracker))
            return {**self.failed(slot, dispatcher, tracker, "utter_invalid_date", reason=reason), "date": None}
        return {**self.ok(slot, date), "date": None}

    def validate_interview_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_date("interview_date", value, dispatcher, tracker)

    def validate_notice_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        roles = {e.get("role") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "date"}
        if self.form_name() == "reminder_form" and roles == {"interview"}:
            # "My interview was on 1 March": the year counts from it, and no notice date is needed.
            return {**self._validate_date("interview_date", value, dispatcher, tracker), "notice_date": None}
        return self._validate_date("notice_date", value, dispatcher, tracker)

    def validate_notice_request(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check(
            "notice_request", value, dispatcher, tracker, "utter_invalid_notice_request", answers.notice_request
        )

    def validate_has_petition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check("has_petition", value, dispatcher, tracker, "utter_invalid_has_petition", answers.yes_or_no)

    def validate_petitioner_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check(
            "petitioner_name", value, dispatcher, tracker, "utter_invalid_person_name", answers.petitioner_name
        )

    def validate_case_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check(
            "case_description", value, dispatcher, tracker, "utter_ask_case_description", answers.case_description
        )

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.check("contact", value, dispatcher, tracker, "utter_invalid_contact", answers.contact)

    def _validate_consent(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any]:
        """Consent is only an answer to the consent question the assistant ended its last turn
        with; any other "yes" (to an offer, after an interruption) leaves it to be asked again."""
        answered = last_question(tracker) in (f"utter_ask_{slot}", f"utter_ask_{slot}_again")
        return {slot: value if answered and value in ("yes", "no") else None}

    def validate_intake_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_consent("intake_consent", value, tracker)

    def validate_callback_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_consent("callback_consent", value, tracker)

    def validate_reminder_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_consent("reminder_consent", value, tracker)


class ValidateIntakeForm(FormValidation):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("intake_consent") == "no":
            return []  # no consent: ask nothing more, store nothing
        if tracker.get_slot("has_petition") != "yes":
            return [slot for slot in domain_slots if slot != "petitioner_name"]
        return domain_slots


class ValidateCallbackForm(FormValidation):
    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return [] if tracker.get_slot("callback_consent") == "no" else domain_slots


# Why no reminder is set, by the engine's decision on the case (bot.rules.countdown).
NO_REMINDER = {
    countdown.NOT_221G: "utter_reminder_not_221g",
    countdown.IF_221G: "utter_reminder_only_221g",
    countdown.NOTHING_REQUESTED: "utter_reminder_no_deadline",
    countdown.WITH_USCIS: "utter_reminder_no_deadline",
}


def why_no_reminder(tracker: Tracker) -> str | None:
    """The response saying why no reminder can be set for this case, or None while one may be.
    Reminders are only for a 221(g) deadline: the applicant must have named a 221(g), unless the
    end of the DV year sets the date whatever the section."""
    found = case_countdown(tracker)
    if found is None or found.applies == countdown.COUNTDOWN or found.applies == countdown.DV_LAPSED:
        return None
    if found.applies == countdown.NEEDS_DATE:
        return None if tracker.get_slot("refusal_section") else NO_REMINDER[countdown.IF_221G]
    return NO_REMINDER[found.applies]


class ValidateReminderForm(FormValidation):
    def name(self) -> str:
        return "validate_reminder_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("reminder_consent") == "no" or why_no_reminder(tracker):
            return []  # nothing to ask: action_submit_reminder says why
        if tracker.get_slot("interview_date") and tracker.get_slot("interview_date") != SKIPPED:
            return [slot for slot in domain_slots if slot != "notice_date"]  # a deadline is known already
        return domain_slots


# --- asking for consent: the question names the firm and the retention period -------------


class AskConsent(Action, metaclass=abc.ABCMeta):
    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The consent slot this action asks for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The full question once per form; asked again (after a question, a repeat), the short one."""
        again = "_again" if self.asked_in_this_form(tracker) else ""
        dispatcher.utter_message(
            response=f"utter_ask_{self.slot}{again}", **firm_values(conversation_language(tracker))
        )
        return []

    def asked_in_this_form(self, tracker: Tracker) -> bool:
        """Since the latest form event: a form being started has none of its own yet (the last is
        the previous form's end), a running form's is its start."""
        events = tracker.events
        since = max((i for i, e in enumerate(events) if e.get("event") == "active_loop"), default=0)
        asked = (f"utter_ask_{self.slot}", f"utter_ask_{self.slot}_again")
        return any(
            e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") in asked for e in events[since:]
        )


class ActionAskIntakeConsent(AskConsent):
    slot = "intake_consent"


class ActionAskCallbackConsent(AskConsent):
    slot = "callback_consent"


class ActionAskReminderConsent(AskConsent):
    slot = "reminder_consent"


# --- when a form is done --------------------------------------------------------------------


class ActionSubmitIntake(SafeAction):
    def name(self) -> str:
        return "action_submit_intake"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("intake_consent") != "yes":
            dispatcher.utter_message(response="utter_intake_no_consent", **firm_values(conversation_language(tracker)))
            return [SlotSet("intake_consent", None)]
        return store_lead(dispatcher, tracker, "consultation", "utter_intake_received")


class ActionSubmitCallback(SafeAction):
    def name(self) -> str:
        return "action_submit_callback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("callback_consent") != "yes":
            dispatcher.utter_message(
                response="utter_callback_no_consent", **firm_values(conversation_language(tracker))
            )
            return [SlotSet("callback_consent", None)]
        return store_lead(dispatcher, tracker, "callback", "utter_callback_received")


class ActionSubmitReminder(SafeAction):
    def name(self) -> str:
        return "action_submit_reminder"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        refusal = why_no_reminder(tracker)
        if refusal:
            dispatcher.utter_message(response=refusal, **firm_values(conversation_language(tracker)))
            return [SlotSet("reminder_consent", None)]
        if tracker.get_slot("reminder_consent") != "yes":
            dispatcher.utter_message(response="utter_reminder_no_consent")
            return [SlotSet("reminder_consent", None)]
        email = slot_value(tracker, "email")
        if not email:  # skipped after two wrong tries
            dispatcher.utter_message(response="utter_reminder_needs_email")
            return [SlotSet("reminder_consent", None)]
        found = case_countdown(tracker)
        if found is None or found.deadline is None:
            dispatcher.utter_message(response="utter_reminder_needs_date")
            return [SlotSet("reminder_consent", None)]
        language = conversation_language(tracker)
        deadline = format_date(found.deadline.deadline, language)
        if not found.allows_reminders:
            dispatcher.utter_message(
                response="utter_reminder_too_late", deadline=deadline, **firm_values(conversation_language(tracker))
            )
            return []
        try:
            store = intake_store()
            store.check_confirmation_allowed(tracker.sender_id, email)
            dates = store.add_reminders(
                tracker.sender_id,
                email,
                found.deadline.deadline,
                consent_time(tracker, "reminder_consent"),
                clock.today(),
                language=language,  # the reminders and the link's email are written in it
            )
            to_confirm = bool(dates) and store.request_confirmation(tracker.sender_id, email, language)
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_reminder_not_saved", deadline=deadline)
            return []
        except AddressBusy:
            dispatcher.utter_message(
                response="utter_reminder_address_busy", address=email, **firm_values(conversation_language(tracker))
            )
            return [SlotSet("reminder_consent", None)]
        except LimitReached:
            dispatcher.utter_message(response="utter_reminder_limit", **firm_values(conversation_language(tracker)))
            return [SlotSet("reminder_consent", None)]
        if not dates:
            dispatcher.utter_message(
                response="utter_reminder_too_late", deadline=deadline, **firm_values(conversation_language(tracker))
            )
            return []
        when = words(language).join([format_date(d, language) for d in dates])
        if to_confirm:  # nothing but the link goes to an address until its owner opens it
            send_confirmations_soon()
            dispatcher.utter_message(
                response="utter_reminder_confirm", email=email, deadline=deadline, dates=when, days=CONFIRMATION_DAYS
            )
        else:
            dispatcher.utter_message(response="utter_reminder_set", deadline=deadline, dates=when)
        return []
