"""The one-year window to answer a 221(g) request.

The year is counted from the date on the notice, not from the day it arrived.
When the interview date is known too, the earlier of the two counts: posts word
the anchor differently, and we must never tell someone they have more time than
they do. For the same reason a notice dated 29 February ends on 28 February.
"""

import datetime as dt
from dataclasses import dataclass

from bot.rules.names import MONTH_NAMES

PASSED = "passed"
DUE_TODAY = "due_today"
WITHIN_30_DAYS = "within_30_days"
WITHIN_90_DAYS = "within_90_days"
LATER = "later"
# Bands in which a case is flagged urgent to the firm and the applicant.
URGENT = (PASSED, DUE_TODAY, WITHIN_30_DAYS)


class DateError(ValueError):
    """A date the engine refuses to use, with a reason a user can read."""


@dataclass(frozen=True)
class Deadline:
    start_date: dt.date  # the date the year is counted from
    counted_from: str  # "notice" or "interview"
    deadline: dt.date
    days_left: int  # negative once the deadline has passed
    urgency: str


def make_date(year: int, month: int, day: int) -> dt.date:
    """Builds a date, refusing one that does not exist (30 February) with a reason."""
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month}; please check the date")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError(
            f"{day} {MONTH_NAMES[month - 1]} {year} does not exist; please check the date on your letter"
        ) from None


def parse_iso(text: str) -> dt.date:
    """Parses YYYY-MM-DD, including impossible dates such as 2026-02-30, which are refused."""
    try:
        year, month, day = (int(part) for part in text.strip().split("-"))
    except ValueError:
        raise DateError("that is not a date in the form YYYY-MM-DD") from None  # the text may be anything
    return make_date(year, month, day)


def one_year_after(start: dt.date) -> dt.date:
    """Same month and day a year later; 29 February gives 28 February (the earlier date)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def urgency_for(days_left: int) -> str:
    if days_left < 0:
        return PASSED
    if days_left == 0:
        return DUE_TODAY
    if days_left <= 30:
        return WITHIN_30_DAYS
    if days_left <= 90:
        return WITHIN_90_DAYS
    return LATER


def check_not_future(value: dt.date, today: dt.date, name: str) -> None:
    if value > today:
        raise DateError(f"the {name} date {value.isoformat()} is in the future; please check it")


def compute_deadline(
    today: dt.date,
    notice_date: dt.date | None = None,
    interview_date: dt.date | None = None,
) -> Deadline:
    candidates = {"notice": notice_date, "interview": interview_date}
    known = {name: value for name, value in candidates.items() if value is not None}
    if not known:
        raise DateError("I need the date printed on your 221(g) notice (or your interview date)")
    for name, value in known.items():
        check_not_future(value, today, name)
    # min() keeps the first of equal dates, so a notice dated on the interview day counts as the notice.
    counted_from = min(known, key=lambda name: known[name])
    start = known[counted_from]
    deadline = one_year_after(start)
    days_left = (deadline - today).days
    return Deadline(start, counted_from, deadline, days_left, urgency_for(days_left))
