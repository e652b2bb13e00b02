"""The one-year window to answer a 221(g) request.

The year is counted from the date on the notice, not from the day it arrived.
When the interview date is known too, the earlier of the two counts: posts word
the anchor differently, and we must never tell someone they have more time than
they do. For the same reason a notice dated 29 February ends on 28 February.
"""

import datetime as dt
from dataclasses import dataclass

from bot.language import DEFAULT_LANGUAGE
from bot.language.words import words

PASSED = "passed"
DUE_TODAY = "due_today"
WITHIN_30_DAYS = "within_30_days"
WITHIN_90_DAYS = "within_90_days"
LATER = "later"
# Bands in which a case is flagged urgent to the firm and the applicant.
URGENT = (PASSED, DUE_TODAY, WITHIN_30_DAYS)


# Each reason the engine refuses a date for, and the values its text names. The texts, per
# language, are the `date_problems:` of bot/language/<code>/words.yml (tests/rules/test_deadline.py
# checks that every language has each code with these placeholders).
REASONS: dict[str, tuple[str, ...]] = {
    "not_a_date": (),
    "no_such_month": ("month",),
    "no_such_day": ("date",),
    "future_notice_date": ("date",),
    "future_interview_date": ("date",),
    "future_date": ("date",),  # a date of the case other than the notice's or the interview's
    "approximate_date": (),
    "no_counting_date": (),
    # The intake, callback and reminder forms' date questions (bot.rules.intake_answers.past_date).
    "no_date": (),  # no date in the answer
    "ambiguous_date": (),  # 4/6/2026: 6 April or 4 June
}
# The mark bot.rules.dates puts before a date it could only estimate ("~2026-06-12" for "a few
# days ago"): never counted from, since the real day may be earlier (parse_iso refuses it).
APPROXIMATE = "~"


@dataclass(frozen=True)
class WrittenDate:
    """A day as written, which may not exist (31 February): to say so in the applicant's words."""

    year: int
    month: int
    day: int


class DateError(ValueError):
    """A date the engine refuses to use: the reason's code (REASONS) and its values (a number,
    or a date shown in the applicant's language). `reason(language)` is the text an applicant
    reads; str() is the English one, for logs."""

    def __init__(self, code: str, **values: int | dt.date | WrittenDate) -> None:
        if set(values) != set(REASONS.get(code, ("(unknown code)",))):
            raise TypeError(f"DateError {code!r} takes {REASONS.get(code)}, not {sorted(values)}")
        self.code = code
        self.values = values
        super().__init__(self.reason(DEFAULT_LANGUAGE))

    def reason(self, language: str) -> str:
        table = words(language)
        return table.date_problem(
            self.code,
            **{
                name: table.date(value) if isinstance(value, dt.date | WrittenDate) else value
                for name, value in self.values.items()
            },
        )


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
        raise DateError("no_such_month", month=month)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError("no_such_day", date=WrittenDate(year, month, day)) from None


def is_approximate(text: str) -> bool:
    return text.strip().startswith(APPROXIMATE)


def parse_iso(text: str) -> dt.date:
    """Parses YYYY-MM-DD, including impossible dates such as 2026-02-30, which are refused, and
    refuses an estimated date ("~2026-06-12": "a few days ago"), which is asked for instead."""
    if is_approximate(text):
        raise DateError("approximate_date")
    try:
        year, month, day = (int(part) for part in text.strip().split("-"))
    except ValueError:
        raise DateError("not_a_date") from None  # the text may be anything
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
    """`name`: "notice" or "interview" (the reason names it), or any other date of the case."""
    if value > today:
        code = f"future_{name}_date"
        raise DateError(code if code in REASONS else "future_date", date=value)


def compute_deadline(
    today: dt.date,
    notice_date: dt.date | None = None,
    interview_date: dt.date | None = None,
) -> Deadline:
    candidates = {"notice": notice_date, "interview": interview_date}
    known = {name: value for name, value in candidates.items() if value is not None}
    if not known:
        raise DateError("no_counting_date")
    for name, value in known.items():
        check_not_future(value, today, name)
    # min() keeps the first of equal dates, so a notice dated on the interview day counts as the notice.
    counted_from = min(known, key=lambda name: known[name])
    start = known[counted_from]
    deadline = one_year_after(start)
    days_left = (deadline - today).days
    return Deadline(start, counted_from, deadline, days_left, urgency_for(days_left))
