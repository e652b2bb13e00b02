"""The property that matters most: the deadline shown is never later than the truth.

1,500 generated conversations (seeded, so a failure can be replayed): notice, interview, received
and sent dates in every format the assistant reads, in random order and phrasing; relative dates
and dates without a year; an interview before or after the letter; self-corrections in one
message and across turns; ambiguous day/month dates, answered as the applicant would; DV years;
immigrant and nonimmigrant classes. Each goes through the real entity extractor, the slots
domain.yml fills, actions.case_facts and the engine's one decision. The true last day is
computed here with this test's own arithmetic, not with bot.rules.deadline.

Counted and printed: how many cases reached the assertion (at least 95 %), how many showed a
later date than the truth (must be 0), and how many an earlier one (safe, reported).
"""

import calendar
import datetime as dt
import random
from dataclasses import dataclass

from actions.case_facts import facts_from_tracker
from actions.resources import ADVICE
from bot.rules import clock
from bot.rules.countdown import COUNTDOWN, DV_LAPSED, IF_221G
from bot.rules.names import MONTH_NAMES
from tests.common import tracker, understood_tracker

TODAY = clock.today()  # the clock the actions read: the one day every part of this test lives on
CASES = 1500
SEED = 20261206


def months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def last_day_by_law(start: dt.date | None, dv_year: int | None, is_dv: bool) -> dt.date | None:
    if start is None:
        return dt.date(dv_year, 9, 30) if is_dv and dv_year else None
    day = 28 if (start.month, start.day) == (2, 29) else start.day
    last = dt.date(start.year + 1, start.month, day)
    if is_dv:
        year = dv_year or (start.year + 1 if start.month >= 10 else start.year)
        last = min(last, dt.date(year, 9, 30))
    return last


def written(rng: random.Random, value: dt.date) -> str:
    """One way of writing a date that names it exactly (relative forms only where they do)."""
    month = MONTH_NAMES[value.month - 1]
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(value.day, "th")
    forms = [
        f"{value.day} {month} {value.year}",
        f"{value.day} {month} {value.year % 100:02d}",
        f"{month} {value.day}{suffix}, {value.year}",
        f"{month[:3]} {value.day} {value.year % 100:02d}",
        f"{value.day:02d}-{month[:3]}-{value.year}",
        f"{value.year}/{value.month:02d}/{value.day:02d}",
        value.isoformat(),
        f"{value.day}{suffix} of {month} {value.year}",
    ]
    if value.day > 12:
        forms += [f"{value.day}/{value.month}/{value.year}", f"{value.month}/{value.day}/{value.year % 100:02d}"]
    days = (TODAY - value).days
    if 0 < days < 365 and (value.month, value.day) != (2, 29):
        forms.append(f"{value.day} {month}")  # no year: the most recent past one
    if days == 0:
        forms.append("today")
    if days == 1:
        forms.append("yesterday")
    if 2 <= days <= 12:
        forms.append(f"{days} days ago")
    if days % 7 == 0 and 7 <= days <= 70:
        forms.append(f"{days // 7} weeks ago")
    for months in range(1, 13):
        if months_before(TODAY, months) == value:
            forms.append(f"{months} months ago" if months > 1 else "a month ago")
    return rng.choice(forms)


PHRASES = {
    "notice": ["my 221g letter is dated {}", "the notice is dated {}", "refused under 221(g) on {}", "got 221g on {}"],
    "notice_no_section": ["my refusal letter is dated {}", "the date on the letter is {}", "refused on {}"],
    "interview": ["interview was on {}", "had my interview {}", "On {}, I had my interview"],
    "received": ["I received it on {}", "the letter came by email on {}", "it arrived on {}"],
    "sent": ["I sent the documents on {}", "submitted docs at VFS on {}", "dropped the papers on {}"],
}
VISAS = {
    None: [""],
    "CR-1": ["my CR-1 case: "],
    "B1/B2": ["B1/B2 visa. "],
    "H-1B": ["H-1B stamping, "],
    "DV": ["DV lottery selectee, ", "DV-{year} winner, ", "I won the {year} green card lottery. "],
}
JOINERS = [". ", ", and ", " but ", "; "]


@dataclass
class Case:
    messages: list[str]
    truth: dt.date | None  # the last day the law allows
    counting_date_given: bool  # a notice or interview date is in the messages
    ambiguous: str | None = None  # the reading the applicant picks, if the first message was ambiguous


def past(rng: random.Random, low: int, high: int) -> dt.date:
    return TODAY - dt.timedelta(days=rng.randint(low, high))


def generate(rng: random.Random) -> Case:
    visa = rng.choice(list(VISAS))
    notice = past(rng, 0, 800)
    dates: dict[str, dt.date] = {"notice": notice}
    if rng.random() < 0.5:  # an interview before the letter, or (rarely) after it
        dates["interview"] = notice + dt.timedelta(days=rng.choice([-rng.randint(0, 40), rng.randint(1, 20)]))
        dates["interview"] = min(dates["interview"], TODAY)
    if rng.random() < 0.4:
        dates["received"] = min(TODAY, notice + dt.timedelta(days=rng.randint(0, 60)))
    if rng.random() < 0.3:
        dates["sent"] = min(TODAY, notice + dt.timedelta(days=rng.randint(0, 200)))
    if len(dates) > 1 and rng.random() < 0.15:
        del dates["notice"]  # only the other dates are given
    notice_role = "notice" if rng.random() < 0.8 else "notice_no_section"
    said = {
        r: rng.choice(PHRASES[notice_role if r == "notice" else r]).format(written(rng, v)) for r, v in dates.items()
    }
    ambiguous = None
    n = dates.get("notice")
    if n and n.day <= 12 and n.day != n.month and rng.random() < 0.15:
        # 03/04/2026: the assistant asks which reading is meant.
        said["notice"] = rng.choice(PHRASES[notice_role]).format(f"{n.month:02d}/{n.day:02d}/{n.year}")
        ambiguous = n.isoformat()
    others = [text for role, text in said.items() if role != "notice"]
    correction = rng.random()
    if n and not ambiguous and correction < 0.2 and n + dt.timedelta(days=1) <= TODAY:
        wrong = min(TODAY, n + dt.timedelta(days=rng.randint(1, 40)))
        first = rng.choice(PHRASES["notice"]).format(written(rng, wrong))
        fix = rng.choice(["sorry I meant", "no wait, it was", "oops, I mean"]) + " " + written(rng, n)
        rest = "".join(rng.choice(JOINERS) + text for text in others)
        # Corrected in the same message, or in the next one.
        messages = [f"{first}, {fix}{rest}"] if correction < 0.1 else [first + rest, fix.capitalize()]
    else:
        parts = list(said.values())
        rng.shuffle(parts)
        messages = [parts[0] + "".join(rng.choice(JOINERS) + part for part in parts[1:])]
        if n and not ambiguous and rng.random() < 0.1:
            # A second letter date in a later message, not a correction: the earlier one still counts.
            later = min(TODAY, n + dt.timedelta(days=rng.randint(1, 30)))
            messages.append(f"the letter they emailed afterwards is dated {written(rng, later)}")
    dv_year = None
    prefix = rng.choice(VISAS[visa])
    counting = [d for r, d in dates.items() if r in ("notice", "interview")]
    if "{year}" in prefix:
        start = min(counting) if counting else notice
        dv_year = start.year + 1 if start.month >= 10 else start.year
        dv_year += rng.choice([0, 0, 1])  # sometimes a later DV year than the date suggests
        prefix = prefix.format(year=dv_year)
    messages[0] = prefix + messages[0]
    messages[-1] += ", when is my deadline?"
    truth = last_day_by_law(min(counting) if counting else None, dv_year, visa == "DV")
    return Case(messages, truth, bool(counting), ambiguous)


def shown_deadline(case: Case) -> tuple[bool, dt.date | None]:
    """(whether the assistant got to a date or to asking for one, the date any consumer would show)."""
    conversation = understood_tracker(*case.messages)
    entities = conversation.latest_message["entities"]
    answering = False
    if case.ambiguous:
        readings = [e["value"] for e in entities if e["entity"] == "ambiguous_date"]
        assert readings and case.ambiguous in readings[0].split("|"), case.messages
        # The applicant taps the reading they meant: the button's payload carries it, with no role.
        pick = {"entity": "date", "value": case.ambiguous, "start": 0, "end": 1}
        slots = {k: v for k, v in conversation.slots.items() if v is not None}
        conversation = tracker("inform", [pick], f'/inform{{"date":"{case.ambiguous}"}}', **slots, date=case.ambiguous)
        answering = True
    facts, _, problem = facts_from_tracker(conversation, answering_date_question=answering)
    assert problem is None, (case.messages, problem)
    found = ADVICE.countdown(facts)
    if found.applies in (COUNTDOWN, IF_221G, DV_LAPSED):
        assert found.deadline is not None
        return True, found.deadline.deadline
    # No date shown: right only when no notice or interview date was given (the assistant asks).
    return not case.counting_date_given, None


def test_the_deadline_shown_is_never_later_than_the_truth():
    rng = random.Random(SEED)
    reached = later = earlier = 0
    failures = []
    for _ in range(CASES):
        case = generate(rng)
        got_there, shown = shown_deadline(case)
        if not got_there:
            continue  # a counting date was given but no deadline came of it: reported by the count
        reached += 1
        if shown is None:
            continue
        if case.truth is None or shown > case.truth:
            later += 1
            failures.append(f"{case.messages}: shown {shown}, true {case.truth}")
        elif shown < case.truth:
            earlier += 1
    print(f"property: {CASES} cases, {reached} reached the assertion, {later} later than true, {earlier} too early")
    assert later == 0, "\n".join(failures[:10])
    assert reached >= 0.95 * CASES, f"only {reached} of {CASES} cases reached the assertion"
