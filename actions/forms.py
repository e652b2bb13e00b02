"""The intake, callback and reminder forms: validation, and what happens when they are done.

Every answer is checked; a wrong one gets a helpful re-ask, and after two failed
tries the applicant may type "skip" (or "stop"). Nothing is stored without consent.
"""
import abc
import re
from typing import Any, Dict, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SafeAction
from actions.engine import firm_values
from actions.leads import SKIPPED, consent_time, date_slot, slot_value, store_lead
from actions.storage import intake_store
from bot import clock
from bot.advice import format_date
from bot.deadline import DateError, check_not_future, compute_deadline, parse_iso
from bot.intake import LimitReached
from bot.patterns import EMAIL
from bot.models import MAX_LENGTHS
from bot.reference import consulates, visa_types

SKIP_WORDS = {"skip", "skip it", "skip this", "pass", "next", "n/a", "na", "none", "no phone", "dont know",
              "don't know", "i don't know", "i dont know", "not sure", "no idea", "unknown", "no notice",
              "no", "no thanks", "nope"}
OPTIONAL_SLOTS = {"phone"}
NOTICE_REQUESTS = {
    "documents": ("document", "paper", "certificate", "letter", "evidence", "i-864", "sponsor", "tax"),
    "administrative_processing": ("administrative", "admin", "processing", "ap", "clearance", "security"),
    "petition_returned": ("petition", "uscis", "returned", "sent back", "revocation"),
    "unknown": ("know", "not sure", "unsure", "no idea"),
}
PHONE_ALLOWED = re.compile(r"^\+?[\d\s().-]{7,25}$")
FORM_SLOTS = {
    "intake_form": ["intake_consent", "person_name", "email", "phone", "visa_type", "consulate", "interview_date",
                    "notice_date", "notice_request", "has_petition", "petitioner_name", "case_description"],
    "callback_form": ["callback_consent", "person_name", "contact"],
    "reminder_form": ["notice_date", "reminder_consent", "email"],
}


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def found_in_message(tracker: Tracker, *entity_types: str) -> list:
    """Values the NLU pipeline already extracted (and normalised) from the latest message."""
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") in entity_types]


def _wants_to_skip(text: str) -> bool:
    return text.lower().strip(" .!") in SKIP_WORDS


class FormValidation(FormValidationAction):
    """Shared checks; the failure count is per question and resets when an answer is accepted."""

    @abc.abstractmethod
    def name(self) -> Text:
        """Abstract, so that the action server registers only the concrete forms' validators."""

    def ok(self, slot: str, value: Any) -> Dict[Text, Any]:
        return {slot: value, "form_failures": 0}

    def failed(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, response: str,
               **values: Any) -> Dict[Text, Any]:
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        dispatcher.utter_message(response=response, **values)
        if failures >= 2:
            dispatcher.utter_message(response="utter_skip_or_stop")
        return {slot: None, "form_failures": failures}

    def may_skip(self, slot: str, tracker: Tracker) -> bool:
        return slot in OPTIONAL_SLOTS or int(tracker.get_slot("form_failures") or 0) >= 2

    def check(self, slot: str, value: Any, dispatcher, tracker, response: str, accept) -> Dict[Text, Any]:
        """Runs `accept(text)` (the clean value, or None to re-ask), handling skip and length limits."""
        text = _text(value)
        if _wants_to_skip(text) and (self.may_skip(slot, tracker) or slot.endswith("_date")):
            return self.ok(slot, SKIPPED)
        limit = MAX_LENGTHS.get(slot)
        if limit and len(text) > limit:
            return self.failed(slot, dispatcher, tracker, "utter_too_long", length=len(text), limit=limit)
        clean = accept(text)
        if clean is None:
            return self.failed(slot, dispatcher, tracker, response)
        return self.ok(slot, clean)

    # --- one validator per slot; shared by the forms that ask it ------------------------

    def validate_person_name(self, value, dispatcher, tracker, domain):
        def accept(text):
            words = text.split()
            looks_like_a_name = 1 <= len(words) <= 6 and all(re.match(r"^[^\W\d_][\w'.-]*$", w) for w in words)
            return text if looks_like_a_name else None
        return self.check("person_name", value, dispatcher, tracker, "utter_invalid_person_name", accept)

    def validate_email(self, value, dispatcher, tracker, domain):
        def accept(text):
            found = EMAIL.search(text)
            return found.group(0) if found else None
        return self.check("email", value, dispatcher, tracker, "utter_invalid_email", accept)

    def validate_phone(self, value, dispatcher, tracker, domain):
        def accept(text):
            digits = re.sub(r"\D", "", text)
            return text if PHONE_ALLOWED.match(text) and 7 <= len(digits) <= 15 else None
        return self.check("phone", value, dispatcher, tracker, "utter_invalid_phone", accept)

    def validate_visa_type(self, value, dispatcher, tracker, domain):
        def accept(text):
            lowered = text.lower()
            if lowered in ("other", "another", "something else"):
                return "other"
            for name, visa in visa_types().items():
                if lowered == name.lower() or lowered in visa.names:
                    return name
            found = found_in_message(tracker, "visa_type")
            return found[0] if found else None
        return self.check("visa_type", value, dispatcher, tracker, "utter_invalid_visa_type", accept)

    def validate_consulate(self, value, dispatcher, tracker, domain):
        def accept(text):
            found = found_in_message(tracker, "consulate")
            if found:
                return found[0]
            if text in consulates():
                return text
            # An unlisted post is fine: a short place name, as typed.
            return text if re.match(r"^[^\W\d_][\w .'-]{1,60}$", text) and len(text.split()) <= 4 else None
        return self.check("consulate", value, dispatcher, tracker, "utter_invalid_consulate", accept)

    def _validate_date(self, slot, value, dispatcher, tracker):
        text = _text(value)
        if _wants_to_skip(text):
            return {**self.ok(slot, SKIPPED), "date": None}
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            candidates = [text]  # already resolved (a from_entity mapping, or a button)
        else:
            candidates = found_in_message(tracker, "date", "ambiguous_date")
        if not candidates:
            return {**self.failed(slot, dispatcher, tracker, "utter_invalid_date",
                                  reason="I couldn't find a date in your answer"), "date": None}
        if "|" in str(candidates[0]):
            return {**self.failed(slot, dispatcher, tracker, "utter_invalid_date",
                                  reason="a date like 4/6/2026 can be read two ways"), "date": None}
        try:
            check_not_future(parse_iso(candidates[0]), clock.today(), slot.split("_")[0])
        except DateError as error:
            return {**self.failed(slot, dispatcher, tracker, "utter_invalid_date", reason=str(error)), "date": None}
        # The plain `date` slot would otherwise be read later as the notice date.
        return {**self.ok(slot, candidates[0]), "date": None}

    def validate_interview_date(self, value, dispatcher, tracker, domain):
        return self._validate_date("interview_date", value, dispatcher, tracker)

    def validate_notice_date(self, value, dispatcher, tracker, domain):
        return self._validate_date("notice_date", value, dispatcher, tracker)

    def validate_notice_request(self, value, dispatcher, tracker, domain):
        def accept(text):
            lowered = text.lower()
            if lowered in NOTICE_REQUESTS:
                return lowered
            for request, words in NOTICE_REQUESTS.items():
                # Whole words (plurals allowed): "ap" must not match "apply" or "approved".
                if any(re.search(rf"\b{re.escape(word)}(?:s|es)?\b", lowered) for word in words):
                    return request
            return None
        return self.check("notice_request", value, dispatcher, tracker, "utter_invalid_notice_request", accept)

    def validate_has_petition(self, value, dispatcher, tracker, domain):
        def accept(text):
            lowered = text.lower().strip(" .!")
            if lowered in ("yes", "y", "yeah", "yep", "true"):
                return "yes"
            if lowered in ("no", "n", "nope", "false"):
                return "no"
            return None
        return self.check("has_petition", value, dispatcher, tracker, "utter_invalid_has_petition", accept)

    def validate_petitioner_name(self, value, dispatcher, tracker, domain):
        return self.check("petitioner_name", value, dispatcher, tracker, "utter_invalid_person_name",
                          lambda text: text if re.search(r"[^\W\d_]", text) else None)

    def validate_case_description(self, value, dispatcher, tracker, domain):
        return self.check("case_description", value, dispatcher, tracker, "utter_ask_case_description",
                          lambda text: text or None)

    def validate_contact(self, value, dispatcher, tracker, domain):
        def accept(text):
            email = EMAIL.search(text)
            if email:
                return email.group(0)
            digits = re.sub(r"\D", "", text)
            return text if PHONE_ALLOWED.match(text) and 7 <= len(digits) <= 15 else None
        return self.check("contact", value, dispatcher, tracker, "utter_invalid_contact", accept)

    def _validate_consent(self, slot, value):
        return {slot: value if value in ("yes", "no") else None}

    def validate_intake_consent(self, value, dispatcher, tracker, domain):
        return self._validate_consent("intake_consent", value)

    def validate_callback_consent(self, value, dispatcher, tracker, domain):
        return self._validate_consent("callback_consent", value)

    def validate_reminder_consent(self, value, dispatcher, tracker, domain):
        return self._validate_consent("reminder_consent", value)


class ValidateIntakeForm(FormValidation):
    def name(self) -> Text:
        return "validate_intake_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("intake_consent") == "no":
            return []  # no consent: ask nothing more, store nothing
        if tracker.get_slot("has_petition") != "yes":
            return [slot for slot in domain_slots if slot != "petitioner_name"]
        return domain_slots


class ValidateCallbackForm(FormValidation):
    def name(self) -> Text:
        return "validate_callback_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        return [] if tracker.get_slot("callback_consent") == "no" else domain_slots


class ValidateReminderForm(FormValidation):
    def name(self) -> Text:
        return "validate_reminder_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("reminder_consent") == "no":
            return []
        if tracker.get_slot("interview_date") and tracker.get_slot("interview_date") != SKIPPED:
            return [slot for slot in domain_slots if slot != "notice_date"]  # a deadline is known already
        return domain_slots


# --- asking for consent: the question names the firm and the retention period -------------

class AskConsent(Action, metaclass=abc.ABCMeta):
    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The consent slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", **firm_values())
        return []


class ActionAskIntakeConsent(AskConsent):
    slot = "intake_consent"


class ActionAskCallbackConsent(AskConsent):
    slot = "callback_consent"


class ActionAskReminderConsent(AskConsent):
    slot = "reminder_consent"


# --- leaving and resuming a form ----------------------------------------------------------

class ActionStopForm(SafeAction):
    def name(self) -> Text:
        return "action_stop_form"

    def respond(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_form_stopped", **firm_values())
        form = (tracker.active_loop or {}).get("name")
        cleared = [SlotSet(slot, None) for slot in FORM_SLOTS.get(form, []) if slot.endswith("consent")]
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), SlotSet("form_failures", 0), *cleared]


# --- when a form is done --------------------------------------------------------------------

class ActionSubmitIntake(SafeAction):
    def name(self) -> Text:
        return "action_submit_intake"

    def respond(self, dispatcher, tracker, domain):
        if tracker.get_slot("intake_consent") != "yes":
            dispatcher.utter_message(response="utter_intake_no_consent", **firm_values())
            return [SlotSet("intake_consent", None)]
        return store_lead(dispatcher, tracker, "consultation", "utter_intake_received")


class ActionSubmitCallback(SafeAction):
    def name(self) -> Text:
        return "action_submit_callback"

    def respond(self, dispatcher, tracker, domain):
        if tracker.get_slot("callback_consent") != "yes":
            dispatcher.utter_message(response="utter_callback_no_consent", **firm_values())
            return [SlotSet("callback_consent", None)]
        return store_lead(dispatcher, tracker, "callback", "utter_callback_received")


class ActionSubmitReminder(SafeAction):
    def name(self) -> Text:
        return "action_submit_reminder"

    def respond(self, dispatcher, tracker, domain):
        if tracker.get_slot("reminder_consent") != "yes":
            dispatcher.utter_message(response="utter_reminder_no_consent")
            return [SlotSet("reminder_consent", None)]
        email = slot_value(tracker, "email")
        if not email:  # skipped after two wrong tries
            dispatcher.utter_message(response="utter_reminder_needs_email")
            return [SlotSet("reminder_consent", None)]
        interview, notice = date_slot(tracker, "interview_date"), date_slot(tracker, "notice_date")
        if not (interview or notice):
            dispatcher.utter_message(response="utter_reminder_needs_date")
            return [SlotSet("reminder_consent", None)]
        found = compute_deadline(clock.today(), notice, interview)
        deadline = format_date(found.deadline)
        try:
            dates = intake_store().add_reminders(tracker.sender_id, email, found.deadline,
                                                 consent_time(tracker, "reminder_consent"), clock.today())
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_reminder_not_saved", deadline=deadline)
            return []
        except LimitReached:
            dispatcher.utter_message(response="utter_reminder_limit", **firm_values())
            return [SlotSet("reminder_consent", None)]
        if not dates:
            dispatcher.utter_message(response="utter_reminder_too_late", deadline=deadline, **firm_values())
            return []
        dispatcher.utter_message(response="utter_reminder_set", deadline=deadline,
                                 dates=" and ".join(format_date(d) for d in dates))
        return []
