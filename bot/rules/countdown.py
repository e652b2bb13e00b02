"""The one decision about a case's countdown: whether a deadline applies, and which.

Every consumer asks this: the answers and their deadline card, the reminder form, the
lead's urgency, the firm's summary and so the dashboard. None computes a deadline itself.

The rules, and why (shared/domain-facts.md §2.4-2.6 and §9):
- The one-year window belongs to 221(g) refusals. A 214(b), 212(a) or 212(f) refusal has
  none: it is a decision, not a request for evidence.
- The year is for presenting evidence that was asked for (22 CFR 42.83(b)). A case only in
  administrative processing may have nothing to send, and a petition returned to USCIS is
  with USCIS, which writes to the petitioner (8 CFR 205.1, 205.2): no countdown for either.
- A diversity visa can be issued only until 30 September of its fiscal year
  (INA 204(a)(1)(I)(ii)(II)), so a DV deadline is the earlier of that day and the year.
- Where the section is not known, the year is given only as a condition ("if your refusal
  is under 221(g)"); it still counts for the firm's urgency, which errs towards calling.
- The earliest known date counts (bot.rules.deadline): never more time than the law gives.
"""

import datetime as dt
from dataclasses import dataclass, replace

from bot.rules.deadline import PASSED, Deadline, compute_deadline, urgency_for
from bot.rules.reference import visa_category

DV_VISA = "DV"
KIND_DOCUMENTS, KIND_PROCESSING, KIND_PETITION = "documents", "administrative_processing", "petition_returned"
KINDS_221G = (KIND_DOCUMENTS, KIND_PROCESSING, KIND_PETITION)  # what a 221(g) asked for

# What applies to the case.
COUNTDOWN = "countdown"  # a deadline applies: card, reminders, urgency
IF_221G = "if_221g"  # the section is not known: the year applies only if the refusal is under 221(g)
NOT_221G = "not_221g"  # 214(b), 212(a), 212(f): no window to send documents
NOTHING_REQUESTED = "nothing_requested"  # administrative processing only: nothing to send, nothing to count
WITH_USCIS = "with_uscis"  # petition returned: USCIS writes to the petitioner
DV_LAPSED = "dv_lapsed"  # the DV program year is over: the selection has lapsed
NEEDS_DATE = "needs_date"  # a 221(g) countdown may apply, but no notice or interview date is known
# The counted_from of a deadline set by the end of the DV year rather than by the year.
DV_FISCAL_YEAR = "dv_fiscal_year"


@dataclass(frozen=True)
class Countdown:
    applies: str
    deadline: Deadline | None = None  # the date that binds where a deadline applies (COUNTDOWN, IF_221G, DV_LAPSED)
    one_year: Deadline | None = None  # one year from the earliest known date, where dates are known
    dv_year: int | None = None
    dv_year_assumed: bool = False  # taken from a date of the case, not said by the applicant
    iv_from_letter: bool = False  # an immigrant visa counted from the letter: an earlier interview ends it sooner

    @property
    def shows_card(self) -> bool:
        """A deadline card is shown only for a deadline that certainly applies."""
        return self.applies in (COUNTDOWN, DV_LAPSED)

    @property
    def allows_reminders(self) -> bool:
        """Reminders are for a 221(g) deadline that applies and has not passed."""
        return self.applies == COUNTDOWN and self.deadline is not None and self.deadline.days_left > 0

    @property
    def urgency(self) -> str | None:
        """The band the firm sees (None: no deadline applies). A possible 221(g) deadline counts."""
        if self.applies in (COUNTDOWN, IF_221G, DV_LAPSED) and self.deadline is not None:
            return self.deadline.urgency
        return None

    @property
    def firm_deadline(self) -> dt.date | None:
        """The date stored with a lead: only where an urgency is given."""
        return self.deadline.deadline if self.urgency and self.deadline else None


def dv_fiscal_year(day: dt.date) -> int:
    """DV-YYYY runs from 1 October of YYYY-1 to 30 September of YYYY (the U.S. fiscal year)."""
    return day.year + 1 if day.month >= 10 else day.year


def dv_last_day(dv_year: int) -> dt.date:
    """The last day a DV-YYYY visa can be issued: 30 September of YYYY (INA 204(a)(1)(I)(ii)(II))."""
    return dt.date(dv_year, 9, 30)


def not_221g(refusal_section: str | None) -> bool:
    return refusal_section is not None and refusal_section != "221g"


def decide(
    today: dt.date,
    *,
    refusal_section: str | None = None,
    kind_221g: str | None = None,
    visa_type: str | None = None,
    dv_year: int | None = None,
    notice_date: dt.date | None = None,
    interview_date: dt.date | None = None,
) -> Countdown:
    """Raises bot.rules.deadline.DateError for a date in the future (with a reason to show)."""
    one_year = None
    if notice_date or interview_date:
        one_year = compute_deadline(today, notice_date, interview_date)
    is_dv = visa_type == DV_VISA
    assumed = False
    if is_dv and dv_year is None and one_year is not None:
        dv_year, assumed = dv_fiscal_year(one_year.start_date), True
    known = Countdown(NEEDS_DATE, None, one_year, dv_year if is_dv else None, assumed and is_dv)
    cutoff = _dv_cutoff(today, dv_year, one_year) if is_dv and dv_year else None
    if cutoff is not None and cutoff.urgency == PASSED:
        # The card keeps the earlier of the two ends: the year may have run out before the DV year did.
        ended = one_year if one_year and one_year.deadline < cutoff.deadline else cutoff
        return replace(known, applies=DV_LAPSED, deadline=ended)
    if not_221g(refusal_section):
        return replace(known, applies=NOT_221G)
    if kind_221g == KIND_PETITION:
        return replace(known, applies=WITH_USCIS)
    if one_year is None:
        return replace(known, applies=NOTHING_REQUESTED) if kind_221g == KIND_PROCESSING else known
    if cutoff is not None and cutoff.deadline < one_year.deadline:
        # The end of the DV year comes first, whatever the section or the kind of 221(g).
        return replace(known, applies=COUNTDOWN, deadline=cutoff)
    if kind_221g == KIND_PROCESSING:
        return replace(known, applies=NOTHING_REQUESTED)
    iv_from_letter = visa_category(visa_type) == "immigrant" and interview_date is None
    applies = IF_221G if refusal_section is None else COUNTDOWN
    return replace(known, applies=applies, deadline=one_year, iv_from_letter=iv_from_letter)


def _dv_cutoff(today: dt.date, dv_year: int, one_year: Deadline | None) -> Deadline:
    last_day = dv_last_day(dv_year)
    start = one_year.start_date if one_year else last_day
    days_left = (last_day - today).days
    return Deadline(start, DV_FISCAL_YEAR, last_day, days_left, urgency_for(days_left))
