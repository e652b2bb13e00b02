"""What the staff owe applicants: callbacks due, reminders scheduled and sent, notifications to the
firm that failed and will be retried."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.backoffice.intake import MAX_REMINDER_ATTEMPTS, IntakeStore
from bot.backoffice.models import Lead, Notification, Reminder, as_utc
from bot.rules.firm import FirmProfile


def callback_due(requested_at: dt.datetime, firm: FirmProfile) -> dt.datetime:
    """When the callback the assistant promised is due: callback_within_hours of office hours
    after the request (what the applicant was told), counted from the next opening when it came
    while the office was closed, and going on at the next opening when the day ends first."""
    zone = ZoneInfo(firm.office_timezone)
    moment = as_utc(requested_at).astimezone(zone)
    left = dt.timedelta(hours=firm.callback_within_hours)
    while True:
        opening = firm.next_opening(moment)
        if opening is not None:
            moment = opening
        closes = dt.datetime.combine(moment.date(), firm.office_close, tzinfo=zone)
        if moment + left <= closes:
            return (moment + left).astimezone(dt.timezone.utc)
        left -= closes - moment
        moment = closes


@dataclass(frozen=True)
class Callback:
    lead: Lead
    due: dt.datetime
    overdue: bool


@dataclass(frozen=True)
class FollowUps:
    callbacks: list[Callback]  # open callback requests, soonest due first
    reminders_scheduled: list[Reminder]
    reminders_sent: list[Reminder]
    reminders_given_up: list[Reminder]
    notifications_failing: list[Notification]  # not delivered yet after at least one attempt
    lead_of_conversation: dict[str, int]  # a lead's id by its conversation, to link a reminder to it


def follow_ups(store: IntakeStore, firm: FirmProfile, now: dt.datetime) -> FollowUps:
    leads = store.leads()
    callbacks = [
        Callback(lead, due, overdue=due < now)
        for lead in leads
        if lead.kind == "callback" and lead.status == "new"
        for due in [callback_due(lead.created_at, firm)]
    ]
    reminders = store.reminders()
    return FollowUps(
        callbacks=sorted(callbacks, key=lambda callback: callback.due),
        reminders_scheduled=[r for r in reminders if r.sent_at is None and r.attempts < MAX_REMINDER_ATTEMPTS],
        reminders_sent=[r for r in reminders if r.sent_at is not None],
        reminders_given_up=[r for r in reminders if r.sent_at is None and r.attempts >= MAX_REMINDER_ATTEMPTS],
        notifications_failing=[n for n in store.pending_notifications() if n.attempts > 0],
        lead_of_conversation={lead.conversation_id: lead.id for lead in leads},
    )
