"""The case summary the attorney receives: facts, deadline and urgency, what was asked, sources cited.
In English whatever the conversation's language, which it names; the applicant's own words as written."""

import datetime as dt
import hashlib
from typing import cast

from bot.backoffice.intake import LeadInput
from bot.language import english_name
from bot.rules import countdown
from bot.rules.advice import format_date
from bot.rules.deadline import URGENT


def conversation_reference(conversation_id: str) -> str:
    """A short reference for mail and Slack instead of the raw id: a widget session id lets whoever
    holds it join the conversation, a Telegram chat id or Slack user id identifies the person."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:10]


URGENCY_WORDS = {
    "passed": "the deadline appears to have PASSED",
    "due_today": "the deadline is TODAY",
    "within_30_days": "the deadline is within 30 days",
    "within_90_days": "the deadline is within 90 days",
    "later": "the deadline is more than 90 days away",
}
REQUEST_WORDS = {
    "documents": "documents",
    "administrative_processing": "administrative processing only",
    "petition_returned": "petition returned to USCIS",
    "unknown": "applicant does not know",
}


def _date(value: dt.date | None) -> str:
    return format_date(value) if value else "not given"


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "not given"}[value]


def deadline_line(lead: LeadInput) -> str:
    """What the engine decided about the deadline (bot.rules.countdown), in the firm's words."""
    found = lead.countdown
    applies = found.applies if found else countdown.NEEDS_DATE
    section = lead.refusal_section or "not given"
    if found and lead.deadline and applies in (countdown.COUNTDOWN, countdown.IF_221G, countdown.DV_LAPSED):
        # Set together with the deadline (actions/leads.py build_lead); the cast only informs mypy.
        urgency = URGENCY_WORDS[cast(str, lead.urgency)]
        date = format_date(lead.deadline)
        if applies == countdown.DV_LAPSED:
            return f"Computed deadline: {date}: the DV-{found.dv_year} program year has ENDED; the selection has lapsed"
        if found.deadline and found.deadline.counted_from == countdown.DV_FISCAL_YEAR:
            basis = f"the last day of the DV-{found.dv_year} program year, earlier than one year from the earliest date"
        else:
            basis = "one year from the earliest date given; verify against the letter"
        if applies == countdown.IF_221G:
            return f"Computed deadline: {date}, ONLY IF the refusal is under 221(g) (section not given); {urgency} ({basis})"
        return f"Computed deadline: {date}; {urgency} ({basis})"
    if applies == countdown.NOT_221G:
        return f"Computed deadline: none: refusal under {section}, which has no 221(g) window to send documents"
    if applies == countdown.NOTHING_REQUESTED:
        extra = ""
        if found and found.one_year:
            extra = (
                f"; if anything was requested, one year from the earliest date: {format_date(found.one_year.deadline)}"
            )
        return f"Computed deadline: none: administrative processing only, nothing requested{extra}"
    if applies == countdown.WITH_USCIS:
        return "Computed deadline: none: petition returned to USCIS, which writes to the petitioner"
    return "Computed deadline: none (no notice or interview date given)"


def case_summary(lead: LeadInput) -> str:
    urgent = lead.urgency in URGENT
    title = f"{'URGENT: ' if urgent else ''}new {lead.kind} request"
    lines = [
        title,
        "",
        f"Name: {lead.person_name or 'not given'}",
        f"Email: {lead.email or 'not given'}",
        f"Phone: {lead.phone or 'not given'}",
        f"Conversation language: {english_name(lead.language)}",
        f"Visa type: {lead.visa_type or 'not given'}",
        f"Consulate: {lead.consulate or 'not given'}",
        f"Interview date: {_date(lead.interview_date)}",
        f"Date on the 221(g) notice: {_date(lead.notice_date)}",
        f"The notice asked for: {REQUEST_WORDS.get(lead.notice_request or '', 'not given')}",
        f"USCIS petition behind the case: {_yes_no(lead.has_petition)}",
        f"Petitioner or employer (for the conflict check): {lead.petitioner_name or 'not given'}",
    ]
    lines.append(deadline_line(lead))
    # As written, in whatever language: never translated.
    lines += ["", "In the applicant's words:", lead.description or "(nothing given)", ""]
    lines.append("Asked the assistant about: " + (", ".join(lead.topics_asked) or "nothing before the intake"))
    lines.append("Sources the assistant cited:")
    lines += [f"- {source}" for source in lead.sources_cited] or ["- none"]
    lines += [
        "",
        f"Conversation reference {conversation_reference(lead.conversation_id)} on {lead.channel}; "
        f"consent given {lead.consent_at:%Y-%m-%d %H:%M %Z}.",
    ]
    return "\n".join(lines)
