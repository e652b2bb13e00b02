"""Finds the `duration` entity: how long the applicant has waited, or how long before the
deadline they want a reminder, in days.

"ten weeks in AP", "it's been 50 days", "6 wks", "a fortnight", "a month and a half",
"1.5 months", "a year and 2 months", "over 3 months", "almost a year", "a couple of weeks",
"since 6 weeks" (Indian English for "for"), "a month ahead" of the deadline, "3 meses",
"10 din", and "since March" (from the 1st of that month). A hedge ("over", "almost",
"about") keeps the number said: "almost a year" is a year.

Not a duration, by the words around it: the rule's own window ("the 1 year deadline",
"within one year", "do I have a year", "the 365 days", "my one year"), a date ("2 weeks
ago" is bot.rules.dates' and claimed by it first; "a month back"), a frequency ("every 2
days", "once a week"), what lies ahead ("valid for 5 years", "expires in 3 months", "the
next 2 weeks", "classes start in 3 weeks", "I have 2 months left", except as a reminder's
lead time), an estimate ("AP takes 60 days", "they said 2 weeks"), an age ("67 years
old"), a limit ("H-1B 6 years max", "the 10 year bar"), lateness ("a few weeks late"), the
period a document covers ("bank statements for 6 months", "15 years of travel history"),
the length of a marriage, a job or a stay when said so ("married for 5 years", "worked
there for 11 years"), and anything over ten years (no 221(g) case waits that long; ages
and histories do). Where in doubt, a number with a unit is a duration.

Days: a week is 7, a fortnight 14; months and years are counted on the calendar back from
today with bot.rules.dates.ago, so that "5 months" waited and "5 months ago" give the same
day (a writer's 30-day month differs by at most 5 %; a fraction of a month counts 31 days
per month, rounded up: earlier is safer).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.rules import dates
from bot.rules.names import MONTH_NUMBERS

# No 221(g) or administrative-processing wait lasts longer: a longer span is an age or a history.
LONGEST_WAIT_DAYS = 3660
_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _number_words() -> dict[str, float]:
    words: dict[str, float] = {"a": 1, "an": 1, "a couple of": 2, "couple of": 2, "a couple": 2, "couple": 2}
    words |= {"a few": 3, "few": 3}  # as bot.rules.dates reads them
    words |= {word: n for n, word in enumerate(_ONES + _TEENS, start=1)}
    for tens, word in enumerate(_TENS, start=2):
        words[word] = tens * 10
        for ones, unit in enumerate(_ONES, start=1):
            words[f"{word} {unit}"] = words[f"{word}-{unit}"] = tens * 10 + ones
    return words


NUMBER_WORDS = _number_words()
# Each way of writing a unit -> (the unit bot.rules.dates.ago counts in, how many of it).
UNITS = {
    **dict.fromkeys(("day", "days", "dys"), ("day", 1)),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "wek", "weks"), ("week", 1)),
    **dict.fromkeys(("fortnight", "fortnights"), ("week", 2)),
    **dict.fromkeys(("month", "months", "monthes", "mnth", "mnths", "mth", "mths", "mo", "mos"), ("month", 1)),
    **dict.fromkeys(("year", "years", "yr", "yrs", "yeras"), ("year", 1)),
}
# Spanish, Portuguese, French and Hindi-Urdu in Latin letters, number and unit in the same language.
OTHER_NUMBER_WORDS = {
    **dict.fromkeys(("un", "una", "uno", "um", "uma", "une", "ek"), 1),
    **dict.fromkeys(("dos", "dois", "duas", "deux", "do"), 2),
    **dict.fromkeys(("tres", "três", "trois", "teen"), 3),
    **dict.fromkeys(("cuatro", "quatro", "quatre", "char", "chaar"), 4),
    **dict.fromkeys(("cinco", "cinq", "paanch", "panch"), 5),
    **dict.fromkeys(("seis", "six", "chhe", "che"), 6),
    **dict.fromkeys(("siete", "sete", "sept", "saat"), 7),
    **dict.fromkeys(("ocho", "oito", "huit", "aath"), 8),
    **dict.fromkeys(("nueve", "nove", "neuf", "nau"), 9),
    **dict.fromkeys(("diez", "dez", "dix", "das"), 10),
}
OTHER_UNITS = {
    **dict.fromkeys(("día", "días", "dia", "dias", "jour", "jours", "din", "dino"), ("day", 1)),
    **dict.fromkeys(("semana", "semanas", "semaine", "semaines", "hafte", "hafta", "haftay"), ("week", 1)),
    **dict.fromkeys(("mes", "meses", "mês", "mois", "mahine", "mahina", "mahiney", "mahino"), ("month", 1)),
    **dict.fromkeys(("año", "años", "ano", "anos", "ans", "saal"), ("year", 1)),
}
_RANK = {"year": 4, "month": 3, "week": 2, "day": 1}


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_DIGITS = r"\d{1,3}(?:\.\d+)?"
_WORDS = rf"\b(?:{_alternatives(NUMBER_WORDS)})"
_UNIT = rf"(?:{_alternatives(UNITS)})(?![a-z])"
_HALF = r"(?:\s+and\s+(?:a\s+)?half|\s*½)"
# One amount of one unit: "6 wks", "two and half year", "a month and a half", "half a year", "3+ months".
PART = re.compile(
    rf"(?:(?P<number>{_DIGITS}|{_WORDS})(?P<half>{_HALF})?\+?[\s-]*(?:(?:working|business|calendar|full|whole)\s+)?"
    rf"(?P<unit>{_UNIT})(?P<half_after>{_HALF})?"
    rf"|\bhalf\s+(?:an?\s+)?(?P<half_unit>{_UNIT}))",
    re.I,
)
_PART = re.sub(r"\(\?P<\w+>", "(?:", PART.pattern)  # the same without its names, to repeat it
# Words that say the number is a bound or a guess, kept in the span: "over 3 months", "almost a year".
_HEDGE = (
    r"(?:(?:a\s+(?:little|bit)\s+|just\s+|well\s+)?(?:over|more\s+than|under|less\s+than)|almost|nearly|about|"
    r"around|approximately|approx\.?|roughly|close\s+to|at\s+least|only|just|already|exactly|some|like|"
    r"upwards\s+of)\s+"
)
# "almost a year", and the parts that follow: "a year and 2 months", "1 year 3 months", "3 weeks and 2 days".
DURATION = re.compile(rf"(?<![\w.])(?:{_HEDGE}){{0,3}}{_PART}(?:\s*,?\s*(?:and\s+|&\s*|\+\s*)?{_PART})*", re.I)
OTHER_LANGUAGE_DURATION = re.compile(
    rf"(?<![\w.])(?P<number>\d{{1,3}}|{_alternatives(OTHER_NUMBER_WORDS)})\s+"
    rf"(?P<unit>{_alternatives(OTHER_UNITS)})(?![\w])",
    re.I,
)
# "since March": from the 1st of that month (the NLU contract's example); "since May 3" is a date.
SINCE_MONTH = re.compile(
    r"\bsince\s+" + dates.MONTH + r"(?![a-z])(?!\s*\d)(?!\s+(?:be|i|we|you|have|not|he|she|they)\b)", re.I
)

# --- the words around a number with a unit that make it something else than a wait ------

# Right after it: a date, an age, the rule, a limit, a validity, a leave, what a document covers.
NOT_A_WAIT_AFTER = re.compile(
    r"^[\s-]*(?:ago|back|old|of\s+age|late|overdue|behind|from\s+now|deadline|rule|window|limit|mark|period|"
    r"count|counts|counted|clock|countdown|(?:the\s+)?max|(?:the\s+)?maximum|cap|bar|ban|validity|valid|visa|"
    r"multiple|multi|green\s*card|gc|card|passport|program|programme|degree|course|contract|lease|warranty|"
    r"sentence|extension|stamp|fellowship|internship|residency|home|job|position|assignment|scholarship|training|"
    r"tour|itr|tax|bank|statements?|payslips?|salary|leave|vacation|holidays?|off|wfh|trip|notice|pregnant|rent|"
    r"or\s+(?:so\s+)?(?:days|weeks|months|years|more|less|longer)|"
    r"(?:of|in)\s+(?:experience|work|study|studies|marriage|employment|bank|salary|income|tax|pay|history|travel|"
    r"address\w*|relationship|school|college|university|validity|residence|stay|statements?|returns?|records?|rent)|"
    r"a\s+(?:day|week|month|year)|per\s+(?:day|week|month|year))\b",
    re.I,
)
# Right after it: time left before a deadline, or before something ("2 weeks earlier"): a wait
# only as a reminder's lead time ("tell me when I have one month left").
LEFT_AFTER = re.compile(r"^\s*(?:left|remaining|more|to\s+go|earlier)\b", re.I)
# Right after it: a span measured from or to something ("1 year to submit", "2 weeks later they
# asked", "is it one year from May"): a wait only where waiting is said ("been 50 days from my interview").
MEASURED_AFTER = re.compile(r"^\s*(?:to|from|after|until|till|later)\b", re.I)
# After it, in its clause: words that say the time is still running ("3 months after my interview and still nothing").
WAIT_AFTER = re.compile(
    r"^[^.?!;]*?\b(?:still|nothing|no\s+(?:news|update|updates|response|reply|answer)|and\s+counting|waiting|"
    r"stuck|pending)\b",
    re.I,
)
# Right after a year (or 12 months, or 365 days): the rule's year ("one year passed", "12 months run out").
RULE_YEAR_AFTER = re.compile(
    r"^\s*(?:(?:is|are|was|has|have|will|already)\s+)*(?:up|passed|gone|over|ends?|ended|expired?|expires|fini?sh\w*|"
    r"done|complete\w*|runs?\s+out|ran\s+out|start\w*)\b",
    re.I,
)
# Right before it: the rule's own window, a frequency, the future, a validity, an estimate, an
# age, a limit, lateness or what a document covers.
NOT_A_WAIT_BEFORE = re.compile(
    r"(?:\bthe|\bdeadline\s+of|\bwindow\s+of|\blimit\s+of|\bperiod\s+of|\bmax(?:imum)?\s+of|\bup\s*to|"
    r"\bfull|\bwhole|\bentire|"
    r"\blimited\s+to|\bcapped\s+at|\bwithin|\bevery|\beach|\bper|\bonce|\btwice|\bthrice|\btimes|"
    r"\bnext|\banother|\bfurther|\badditional|\bextra|\bcoming|\bupcoming|"
    r"\bvalid(?:ity)?(?:\s+(?:for|of))?|\bgood\s+for|\bexpir\w*\s+(?:in|after|within)|\blasts(?:\s+for)?|\blast\s+for|"
    r"\b(?:visa|stamp|permit|passport|ead|card)\s+(?:is\s+|was\s+)?(?:issued\s+|given\s+|granted\s+)?for|"
    r"\btakes?|\btook|\b(?:can|could|will|would|should|may|might|to)\s+take|\bsaid|\bsays|\bsay|"
    r"\btold\s+(?:me|us|him|her|them)|\busually|\btypically|\bnormally|\bgenerally|\baverage|\bavg|"
    r"\bestimated?|\bexpect(?:ed)?|\baged?|\bage\s+of|\bturn(?:s|ed|ing)?|"
    r"\b(?:(?:told|asked)\s+(?:me|us|him|her|them)\s+to|should|must|will|would|gonna|need\s+to|have\s+to|"
    r"has\s+to|please|pls|plz)\s+(?:still\s+)?wait"
    r"(?:\s+for)?|\bmiss(?:ed)?(?:\s+(?:it|(?:the|my|our|his|her|that|this)(?:\s+\w+){1,2}))?\s+by|"
    r"\b(?:late|overdue|gone|passed|over|exceeded|crossed)\s+by|"
    r"\b(?:got|get|gets|received|receive|issued|approved|done|cleared|came|arrived)\b[^.?!;,]{0,30}?\bin|"
    r"\b(?:statements?|stubs?|pay\s*slips?|salary\s+slips?|itrs?|tax\s+returns?|transcripts?|records?|"
    r"history)(?:\s+(?:for|of|from|covering|the|last|past|previous|latest))*)\s+$",
    re.I,
)
# Right before it: "don't contact before 180 days", Indian English "before 2 weeks" (2 weeks ago); in a
# reminder, "before 2 weeks of the deadline" is the lead time.
BEFORE_BEFORE = re.compile(r"\bbefore\s+$", re.I)
# Right before a year (or 12 months, or 365 days): the rule's year ("after one year", "my one
# year", "the 221g one year", "is it one year from May").
RULE_YEAR_BEFORE = re.compile(
    r"(?:\bafter|\b221\s*\(?\s*g\s*\)?|\bdeadline|\brule|\bis\s+it|\bis\s+that|\bmy|\bour|\bhis|\bher|\btheir|"
    r"\byour|\bthat|\bthis|\bnormal|\busual|\bstandard|\bsame|\bhits?|\breach\w*|\bb(?:e)?fore|"
    r"\b(?:window|deadline|limit|rule)(?:\s+is)?)\s+$",
    re.I,
)
# Right before it: "do I have a year", "I got 2 months to...", "they gave us 30 days": what they
# are given, not what they waited.
GIVEN_BEFORE = re.compile(
    r"\b(?:have|has|get|gets|got|given|give|gives|gave|allowed|allow|allows|approved|granted)"
    r"(?:\s+(?:me|us|him|her|them))?\s+$",
    re.I,
)
# After "have" + duration, the non-native "I have 3 months waiting" ("tengo 3 meses esperando").
HAVE_WAITED_AFTER = re.compile(
    r"^\s*(?:already\s+|now\s+)?(?:waiting|waited|in\s+(?:ap|a\.p|administrative|admin|processing)|"
    r"with\s+(?:the\s+)?(?:221|ap)|since|stuck|pending|of\s+waiting)",
    re.I,
)
# In its clause before it: a future event "in" the time ("classes start in 3 weeks", "I will hear in a week").
FUTURE_IN_BEFORE = re.compile(
    r"\b(?:will|'ll|going\s+to|gonna|due|starts?|starting|begins?|beginning|leav(?:e|es|ing)|travel\w*|"
    r"fly(?:ing)?|flight|expires?|expiring|ends?|ending|join(?:s|ing)?|clos(?:e|es|ing)|returns?|returning|"
    r"wedding|hope|hopefully|should)\b[^.?!;,]{0,40}?\bin\s+$",
    re.I,
)
# A stay, a visit, a job or a programme that "for" ties the time to, with nothing of waiting
# between: "I lived in Lisbon for two years", "visited her for 3 weeks", "worked there as a cook
# for three years", "a J-1 position in Boston for one year". (A marriage is kept: "married for 5
# years" is not clearly something else than a wait.)
LIFE_BEFORE = re.compile(
    r"\b(?:lived|living|live|stay|stayed|staying|worked|working|studied|studying|employed|holder|position|job|"
    r"offer|contract|program|programme|fellowship|assignment|trainee|intern|internship|scholar|visit\w*|flew|"
    r"moved\s+to|deployed|travel\w*|sick|hospital|malaria)\b(?P<between>[^.?!;,]{0,40}?)(?:\b(?:for|since))?\s+$",
    re.I,
)
# What, between such a word and the number, makes it a wait after all ("working visa stuck for 3 months").
LIFE_THEN_WAIT = re.compile(
    r"\b(?:and|but|so|wait\w*|stuck|pending|been|now|is|it's|its|has|have|ap|processing|221\s*\(?g\)?)\b", re.I
)
# Words of waiting: they make "from", "to", "after" and a lone "a day" a wait.
WAIT_WORDS = re.compile(
    r"\b(?:been|waiting|waited|wait|stuck|pending|since|already|still|now|today|ap|administrative\s+processing)\b|"
    r"\bfor\s+$",
    re.I,
)
# A word of waiting among the last three words before the duration: needed for a vague "few"
# ("some people wait few months" is theirs) and for "later" ("now five months later nothing").
WAITED_JUST_BEFORE = re.compile(
    r"\b(?:been|waiting|waited|stuck|pending|now|still|already|since|for|from|in\s+ap)\W+(?:\w+\W+){0,2}$", re.I
)
# A reminder's lead time: "remind me a month before", "tell me when I have one week left".
REMINDER = re.compile(
    r"\b(?:remind\w*|reminder|notif\w*|alert|alrt|alarm|ping|nudge|buzz|warn|heads[\s-]?up|let\s+me\s+know|"
    r"text\s+me|email\s+me|e-mail\s+me|message\s+me|send\s+(?:me|us)|msg|tell\s+me|be\s+told|inform\w*|flag|"
    r"shout)\b",
    re.I,
)
# "$100 a month", "Rs 500 a day": a price.
PRICE_BEFORE = re.compile(
    r"(?:[$€£]\s*\d[\d,.]*|\d[\d,.]*\s*(?:dollars?|rs|rupees?|usd|inr|euros?|pounds?|k)|\b(?:rs\.?|usd|inr)\s*\d"
    r"[\d,.]*)\s*$",
    re.I,
)
# "one day I got a call", "a day or two": a lone day is a wait only with waiting words near it.
DAY_AFTER_CUE = re.compile(r"^\s*(?:now|already|before|ahead|prior|in\s+advance|early|of\s+waiting)\b", re.I)
# Spanish "hace 3 meses", French "il y a 3 mois" are "3 months ago" ("desde hace" is "for");
# Hindi "10 din pehle" is "10 days ago", or "10 days before" the deadline in a reminder; "baad" is "after".
OTHER_AGO_BEFORE = re.compile(r"(?:(?<!desde\s)\bhace|\bil\s+y\s+a)\s+$", re.I)
OTHER_AGO_AFTER = re.compile(r"^\s*(?:pehle|pahle|pehele)\b", re.I)
OTHER_LATER_AFTER = re.compile(r"^\s*(?:baad|bad|despu[eé]s|depois|apr[eè]s|khatam|poora|pura)\b", re.I)
# A range's first number ("12-16 weeks", "2 to 3 months"): the words that count are before it.
_RANGE_START = re.compile(rf"(?:{_DIGITS}|{_WORDS})\s*(?:-|–|to|or)\s*$", re.I)


@dataclass(frozen=True)
class Duration:
    start: int
    end: int
    days: int


def _clause_before(text: str, start: int) -> str:
    """The words before `start` in its sentence (up to 80 characters), a range's first number left out."""
    before = re.split(r"[.!?;\n]", text[max(0, start - 80) : start])[-1]
    range_start = _RANGE_START.search(before)
    return before[: range_start.start()] if range_start else before


def _days_back(today: dt.date, parts: list[tuple[float, str]]) -> int:
    """Days from the day `parts` before today to today, each part counted back on the calendar."""
    day = today
    for number, unit in parts:
        day = dates.ago(day, number, unit)
    return (today - day).days


def _amount(part: re.Match[str]) -> tuple[float, str]:
    if part.group("half_unit"):
        unit, times = UNITS[part.group("half_unit").lower()]
        return 0.5 * times, unit
    number_text = re.sub(r"\s+", " ", part.group("number").lower())
    number = float(number_text) if number_text[0].isdigit() else NUMBER_WORDS[number_text]
    if part.group("half") or part.group("half_after"):
        number += 0.5
    unit, times = UNITS[part.group("unit").lower()]
    return number * times, unit


def _is_a_wait(text: str, start: int, end: int, parts: list[tuple[float, str]], reminder: bool) -> bool:
    span, near, after = text[start:end], _clause_before(text, start), text[end : end + 60]
    if NOT_A_WAIT_AFTER.match(after) or NOT_A_WAIT_BEFORE.search(near):
        return False
    days_if_calendar = {(1.0, "year"), (12.0, "month"), (365.0, "day"), (366.0, "day")}
    rule_sized = (len(parts) == 1 and parts[0] in days_if_calendar) or {unit for _, unit in parts} == {"year"}
    if rule_sized and (RULE_YEAR_AFTER.match(after) or RULE_YEAR_BEFORE.search(near)):
        return False
    if not reminder and (LEFT_AFTER.match(after) or BEFORE_BEFORE.search(near)):
        return False
    if not reminder and GIVEN_BEFORE.search(near) and not HAVE_WAITED_AFTER.match(after):
        return False
    if FUTURE_IN_BEFORE.search(near):
        return False
    life = LIFE_BEFORE.search(near)
    if life and not LIFE_THEN_WAIT.search(life.group("between")):
        return False
    measured = MEASURED_AFTER.match(after)
    word = measured.group(0).strip().lower() if measured else ""
    waiting_said = WAIT_WORDS.search(near) or WAIT_AFTER.match(after)
    if measured and not waiting_said and not (reminder and word in ("to", "until", "till")):
        return False
    # "2 weeks later they asked for more", "some people wait a few months": another time than theirs,
    # unless waiting is said right there ("now five months later nothing", "been a few weeks").
    vague = re.search(r"\bfew\b", span, re.I) and not reminder
    if (vague or word == "later") and not (WAITED_JUST_BEFORE.search(near) or WAIT_AFTER.match(after)):
        return False
    if re.fullmatch(r"(?:.*\s)?an?\s+\w+", span, re.I | re.S) and (
        PRICE_BEFORE.search(near) or re.search(r"\ban?\s+mo$", span, re.I)
    ):
        return False  # "$100 a month"; "wait a mo" is a moment
    lone_day = parts == [(1.0, "day")] and not re.search(r"\d", span)
    return not (lone_day and not WAIT_WORDS.search(near) and not DAY_AFTER_CUE.match(after))


def _english(text: str, today: dt.date, free: "_Free", reminder: bool) -> Iterable[Duration]:
    pos = 0
    while match := DURATION.search(text, pos):
        start, end = match.start(), match.start()
        parts: list[tuple[float, str]] = []
        for part in PART.finditer(text, match.start(), match.end()):
            amount = _amount(part)
            # Larger units first ("1 year 3 months"); "30 days, 7 days" is two durations. A part a
            # date holds ("4 months 2 weeks ago") ends the duration before it.
            if (parts and _RANK[amount[1]] >= _RANK[parts[-1][1]]) or not free(start, part.end()):
                break
            parts.append(amount)
            end = part.end()
        if not parts:
            pos = match.end()
            continue
        pos = end
        if _is_a_wait(text, start, end, parts, reminder):
            days = _days_back(today, parts)
            if days <= LONGEST_WAIT_DAYS:
                yield Duration(start, end, days)


def _other_languages(text: str, today: dt.date, free: "_Free", reminder: bool) -> Iterable[Duration]:
    for match in OTHER_LANGUAGE_DURATION.finditer(text):
        after = text[match.end() : match.end() + 20]
        if not free(match.start(), match.end()) or OTHER_AGO_BEFORE.search(text[: match.start()]):
            continue
        if OTHER_LATER_AFTER.match(after) or (OTHER_AGO_AFTER.match(after) and not reminder):
            continue
        word = match.group("number").lower()
        number = float(word) if word.isdigit() else OTHER_NUMBER_WORDS[word]
        unit, times = OTHER_UNITS[match.group("unit").lower()]
        yield Duration(match.start(), match.end(), _days_back(today, [(number * times, unit)]))


class _Free:
    """The spans taken so far (the dates first, then each duration found)."""

    def __init__(self, taken: Iterable[tuple[int, int]]) -> None:
        self.taken = list(taken)

    def __call__(self, start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in self.taken)


def find_durations(text: str, today: dt.date, taken: Iterable[tuple[int, int]] = ()) -> list[Duration]:
    """Every duration in the text, in order, skipping the spans in `taken` (the dates found first)."""
    free = _Free(taken)
    found: list[Duration] = []
    for match in SINCE_MONTH.finditer(text):
        if free(match.start(), match.end()):
            month = MONTH_NUMBERS[match.group(1)[:3].lower()]
            year = today.year if month <= today.month else today.year - 1
            found.append(Duration(match.start(), match.end(), (today - dt.date(year, month, 1)).days))
            free.taken.append((match.start(), match.end()))
    reminder = bool(REMINDER.search(text))
    for finder in (_english, _other_languages):
        for duration in finder(text, today, free, reminder):
            found.append(duration)
            free.taken.append((duration.start, duration.end))
    return sorted(found, key=lambda d: d.start)
