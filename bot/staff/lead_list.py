"""The dashboard's lead list: the filters a staff member sets, read from the page's query."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.backoffice.models import LEAD_STATUSES, Lead
from bot.language import LANGUAGES
from bot.rules.deadline import LATER, PASSED, URGENT, WITHIN_30_DAYS, WITHIN_90_DAYS

# The urgency filter's choices: "urgent" is every urgent band together.
URGENCY_CHOICES = ("urgent", PASSED, "due_today", WITHIN_30_DAYS, WITHIN_90_DAYS, LATER, "no_deadline")


@dataclass(frozen=True)
class LeadFilter:
    urgency: str = ""
    status: str = ""
    channel: str = ""
    language: str = ""  # the conversation's: bot.language.LANGUAGES
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    search: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "tuple[LeadFilter, list[str]]":
        """The filter and, for each value that could not be used, a message saying so."""
        problems = []

        def choice(name: str, allowed: Sequence[str]) -> str:
            value = query.get(name, "").strip()
            if value and value not in allowed:
                problems.append(f"Unknown {name} {value!r}: not filtered by it.")
                return ""
            return value

        def date(name: str, label: str) -> dt.date | None:
            value = query.get(name, "").strip()
            if not value:
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                problems.append(f"The {label} date {value!r} is not a date (YYYY-MM-DD): not filtered by it.")
                return None

        found = cls(
            urgency=choice("urgency", URGENCY_CHOICES),
            status=choice("status", LEAD_STATUSES),
            channel=query.get("channel", "").strip()[:40],  # the page offers the channels that leads came from
            language=choice("language", LANGUAGES),
            created_from=date("from", "from"),
            created_to=date("to", "to"),
            search=query.get("q", "").strip()[:200],
        )
        return found, problems

    def matches(self, lead: Lead, today: dt.date) -> bool:
        urgency = lead.current_urgency(today)
        if self.urgency == "urgent" and urgency not in URGENT:
            return False
        if self.urgency == "no_deadline" and urgency is not None:
            return False
        if self.urgency not in ("", "urgent", "no_deadline") and urgency != self.urgency:
            return False
        if self.status and lead.status != self.status:
            return False
        if self.channel and lead.channel != self.channel:
            return False
        if self.language and lead.language != self.language:
            return False
        created = lead.created_at.date()
        if self.created_from and created < self.created_from:
            return False
        if self.created_to and created > self.created_to:
            return False
        if self.search:
            needle = self.search.casefold()
            if not any(needle in (value or "").casefold() for value in (lead.person_name, lead.email)):
                return False
        return True

    @property
    def is_set(self) -> bool:
        return self != LeadFilter()


def filtered(leads: Sequence[Lead], lead_filter: LeadFilter, today: dt.date) -> list[Lead]:
    """The leads the filter lets through, in the order given (the store's: urgent first, then newest)."""
    return [lead for lead in leads if lead_filter.matches(lead, today)]
