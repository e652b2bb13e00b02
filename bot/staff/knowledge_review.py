"""Each knowledge-base entry's attorney sign-off, and when its sources are next due for a check.

An entry is signed off while its latest sign-off (bot/backoffice/signoffs.py) is for its
current content hash; one changed since counts as not reviewed. Its sources are due for a
check `review_every_days` after its `sources_checked` date. Entries overdue or due within
DUE_SOON_DAYS come first (most overdue first), then the rest by due date.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.backoffice.signoffs import SignOff
from bot.rules.knowledge import Entry, KnowledgeBase, Source

REVIEW_EVERY_DAYS = 180
DUE_SOON_DAYS = 30
OVERDUE, DUE_SOON, OK = "overdue", "due soon", "ok"
SIGNED_OFF, NOT_REVIEWED, CHANGED = "signed off", "not reviewed", "changed since sign-off"


@dataclass(frozen=True)
class ReviewRow:
    entry_id: str
    text: str
    sources: tuple[Source, ...]  # each with its title, url and reliability
    file: str  # the knowledge file the entry is in
    sources_checked: dt.date
    due: dt.date
    days_left: int  # negative once overdue
    state: str  # OVERDUE, DUE_SOON or OK
    signoff_state: str  # SIGNED_OFF, NOT_REVIEWED or CHANGED
    last_signoff: SignOff | None  # who signed which version when


def state_for(days_left: int) -> str:
    if days_left < 0:
        return OVERDUE
    return DUE_SOON if days_left <= DUE_SOON_DAYS else OK


def signoff_state(entry: Entry, last_signoff: SignOff | None) -> str:
    if last_signoff is None:
        return NOT_REVIEWED
    return SIGNED_OFF if last_signoff.content_hash == entry.content_hash else CHANGED


def review_rows(
    today: dt.date,
    review_every_days: int = REVIEW_EVERY_DAYS,
    knowledge: KnowledgeBase | None = None,
    signoffs: Mapping[str, SignOff] | None = None,
) -> list[ReviewRow]:
    """Every entry with its due date and state and its sign-off state (from `signoffs`, the latest
    sign-off of each entry), soonest due (most overdue) first.
    Reads the knowledge base from bot/rules/knowledge/ unless one is given."""
    if knowledge is None:
        knowledge = KnowledgeBase.load()  # as the assistant loads it
    rows = []
    for entry in knowledge.entries.values():
        due = entry.sources_checked + dt.timedelta(days=review_every_days)
        days_left = (due - today).days
        last = (signoffs or {}).get(entry.id)
        rows.append(
            ReviewRow(
                entry.id,
                entry.text,
                entry.sources,
                entry.file,
                entry.sources_checked,
                due,
                days_left,
                state_for(days_left),
                signoff_state(entry, last),
                last,
            )
        )
    # Due date order puts overdue entries first (most overdue first), then those due soon, then the rest.
    return sorted(rows, key=lambda row: (row.due, row.entry_id))
