"""When each knowledge-base entry is next due for an attorney's review.

An entry is due `review_every_days` after its `sources_checked` date. Entries overdue or
due within DUE_SOON_DAYS come first (most overdue first), then the rest by due date.
"""

import datetime as dt
from dataclasses import dataclass

from bot.rules.knowledge import KnowledgeBase, Source

REVIEW_EVERY_DAYS = 180
DUE_SOON_DAYS = 30
OVERDUE, DUE_SOON, OK = "overdue", "due soon", "ok"


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


def state_for(days_left: int) -> str:
    if days_left < 0:
        return OVERDUE
    return DUE_SOON if days_left <= DUE_SOON_DAYS else OK


def review_rows(
    today: dt.date, review_every_days: int = REVIEW_EVERY_DAYS, knowledge: KnowledgeBase | None = None
) -> list[ReviewRow]:
    """Every entry with its due date and state, soonest due (most overdue) first.
    Reads the knowledge base from bot/rules/knowledge/ unless one is given."""
    if knowledge is None:
        knowledge = KnowledgeBase.load()  # as the assistant loads it
    rows = []
    for entry in knowledge.entries.values():
        due = entry.sources_checked + dt.timedelta(days=review_every_days)
        days_left = (due - today).days
        rows.append(
            ReviewRow(
                entry.id, entry.text, entry.sources, entry.file, entry.sources_checked, due, days_left, state_for(days_left)
            )
        )
    # Due date order puts overdue entries first (most overdue first), then those due soon, then the rest.
    return sorted(rows, key=lambda row: (row.due, row.entry_id))
