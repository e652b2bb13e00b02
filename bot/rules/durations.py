"""Finds the `duration` entity: how long the applicant has waited, or how long before the
deadline they want a reminder, in days: "ten weeks in AP", "it's been 50 days", "a fortnight",
"a month and a half", "over 3 months" (a hedge keeps the number said), "since 6 weeks" (Indian
English for "for"), "day 63 of AP", "3 meses", "10 din", "2 tuần", "since March" (from the 1st).

A number with a unit is a wait only on positive evidence in its clause: words that the time
is running ("it's been", "since", "from", "now", "I'm at", "and counting", "ho gaye", "bhayo",
"rồi", "llevamos", "há"), the case's state next to it ("stuck in AP 10 wks", "8 weeks in AP"),
a question whether it is normal ("is 80 days long for AP?"), or a message or bare phrase of
case facts that is the time alone ("5 months", "Cairo J1 4 months."); "for" and "after" count
only where their phrase names the case ("in AP at Lagos for 9 weeks", not "married for 6
years"). In a reminder request, a time "before", "ahead", "pehle", "antes" or "trước" is the
lead time. So a programme's length, an age, a trip, someone else's wait or an estimate is not
a wait; nor, whatever else is said, the rule's own window ("the 1 year deadline"), a date ("2
weeks ago" is bot.rules.dates' and claimed first), a frequency, what lies ahead ("in 3 weeks",
"2 months left"), an estimate ("AP takes 60 days"), another moment ("3 weeks later") or
anything over ten years (no 221(g) case waits that long).

Days: a week is 7, a fortnight 14; months and years are counted on the calendar back from
today with bot.rules.dates.ago, so that "5 months" waited and "5 months ago" give the same
day (a writer's 30-day month differs by at most 5 %; a fraction of a month counts 31 days
per month, rounded up: earlier is safer). "day 63" is 63 days.
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
# Spanish, Portuguese, French, Hindi-Urdu in Latin letters and Vietnamese, number and unit in the same language.
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
    **dict.fromkeys(("día", "días", "dia", "dias", "jour", "jours", "din", "dino", "ngày"), ("day", 1)),
    **dict.fromkeys(("semana", "semanas", "semaine", "semaines", "hafte", "hafta", "haftay", "tuần"), ("week", 1)),
    **dict.fromkeys(("mes", "meses", "mês", "mois", "mahine", "mahina", "mahiney", "mahino", "tháng"), ("month", 1)),
    **dict.fromkeys(("año", "años", "ano", "anos", "ans", "saal", "năm"), ("year", 1)),
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
    rf"(?<![\w.])(?:(?P<number>\d{{1,3}}|{_alternatives(OTHER_NUMBER_WORDS)})\s+|(?P<half_before>medio\s+|meio\s+))?"
    rf"(?P<unit>{_alternatives(OTHER_UNITS)})(?![\w])(?P<half>\s+y\s+medio|\s+e\s+meio)?",
    re.I,
)
# "since March": from the 1st of that month (the NLU contract's example); "since May 3" is a date.
SINCE_MONTH = re.compile(
    r"\bsince\s+" + dates.MONTH + r"(?![a-z])(?!\s*\d)(?!\s+(?:be|i|we|you|have|not|he|she|they)\b)", re.I
)

# "day 63 of AP", "mine is at day 19": a count of days, a wait where its clause says so.
DAY_COUNT = re.compile(r"\b(?:day|d[ií]a)\s+(?P<number>\d{1,3})(?![\w/.:-]*\d)", re.I)

# --- what makes a number with a unit something else than a wait, whatever else is said ---

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
# Right after it: time left, or before something ("2 weeks earlier"): only a reminder's lead time.
LEFT_AFTER = re.compile(r"^\s*(?:left|remaining|more|to\s+go|earlier)\b", re.I)
# Right after it: measured from or to something ("1 year to submit", "2 weeks later they asked").
MEASURED_AFTER = re.compile(r"^\s*(?:to|from|after|until|till|later)\b", re.I)
# Right after a year (or 12 months, or 365 days): the rule's year ("one year passed", "12 months run out").
RULE_YEAR_AFTER = re.compile(
    r"^\s*(?:(?:is|are|was|has|have|will|already)\s+)*(?:up|passed|gone|over|ends?|ended|expired?|expires|fini?sh\w*|"
    r"done|complete\w*|runs?\s+out|ran\s+out|start\w*)\b",
    re.I,
)
# Right before it: the rule's window, a frequency, the future, a validity, an estimate, lateness, a document.
NOT_A_WAIT_BEFORE = re.compile(
    r"(?:\bthe|\bdeadline\s+of|\bwindow\s+of|\blimit\s+of|\bperiod\s+of|\bmax(?:imum)?\s+of|\bup\s*to|"
    r"\bfull|\bwhole|\bentire|\bin|\bwithin|\bby|"
    r"\blimited\s+to|\bcapped\s+at|\bevery|\beach|\bper|\bonce|\btwice|\bthrice|\btimes|"
    r"\bnext|\banother|\bfurther|\badditional|\bextra|\bcoming|\bupcoming|"
    r"\bvalid(?:ity)?(?:\s+(?:for|of))?|\bgood\s+for|\blasts(?:\s+for)?|\blast\s+for|"
    r"\btakes?|\btook|\b(?:can|could|will|would|should|may|might|to)\s+take|\bsaid|\bsays|\bsay|\bdic\w+|\bbola|"
    r"\btold\s+(?:me|us|him|her|them)|\busually|\btypically|\bnormally|\bgenerally|\baverage|\bavg|"
    r"\bestimated?|\bexpect(?:ed)?|\baged?|\bage\s+of|\bturn(?:s|ed|ing)?|\btiene|"
    r"\b(?:(?:told|asked)\s+(?:me|us|him|her|them)\s+to|should|must|will|would|gonna|need\s+to|have\s+to|"
    r"has\s+to|please|pls|plz)\s+(?:still\s+)?wait(?:\s+for)?|"
    r"\b(?:late|overdue|gone|passed|over|exceeded|crossed|miss(?:ed)?(?:\s+\w+){0,3})\s+by|"
    r"\b(?:visa|stamp|permit|passport|ead|card)\s+(?:is\s+|was\s+)?(?:issued\s+|given\s+|granted\s+)?for|"
    r"\b(?:statements?|stubs?|pay\s*slips?|salary\s+slips?|itrs?|tax\s+returns?|transcripts?|records?|"
    r"history)(?:\s+(?:for|of|from|covering|the|last|past|previous|latest))*)\s+$",
    re.I,
)
# Right before a year (or 12 months, or 365 days): the rule's year ("after one year", "do I have a year").
RULE_YEAR_BEFORE = re.compile(
    r"(?:\bafter|\b221\s*\(?\s*g\s*\)?|\bdeadline|\brule|\bis\s+it|\bis\s+that|\bmy|\bour|\bhis|\bher|\btheir|"
    r"\byour|\bthat|\bthis|\bnormal|\busual|\bstandard|\bsame|\bhits?|\breach\w*|\bb(?:e)?fore|\bhave|\bget|\bgot|"
    r"\b(?:window|deadline|limit|rule)(?:\s+is)?)\s+$",
    re.I,
)
# In its phrase before it: another person's case ("my sister got hers after 3 weeks", "my uncle said ... for").
OTHERS_BEFORE = re.compile(
    r"\b(?:friend|cousin|sister|brother|uncle|aunt|classmate|roommate|colleague|neighbou?r|someone|people|others)"
    r"\b(?:'s)?(?:\s+\w+){0,3}?\s+(?:got|gets|was|were|had|took|waited|cleared|said|says)\b",
    re.I,
)
# In its phrase before it: an earlier episode ("in 2019 his status showed refused for 2 months"), unless it runs on.
EARLIER_BEFORE = re.compile(r"\bin\s+(?:19|20)\d\d\b(?![^,]*\b(?:been|now|still|since)\b)", re.I)
# Right before it: "don't contact before 180 days", Indian English "before 2 weeks" (2 weeks ago).
BEFORE_BEFORE = re.compile(r"\bbefore\s+$", re.I)
# Spanish "hace 3 meses", French "il y a 3 mois" are "3 months ago" ("desde hace" is "for", and so is
# "hace 3 meses que espero"); Hindi "10 din pehle" is "10 days ago"; "baad" is "after".
OTHER_AGO_BEFORE = re.compile(r"(?:(?<!desde\s)\bhace|\bil\s+y\s+a)\s+$", re.I)
HACE_QUE_AFTER = re.compile(r"^\s*que\s+(?:esper\w+|estoy|estamos|llev\w+)", re.I)
OTHER_AGO_AFTER = re.compile(r"^\s*(?:pehle|pahle|pehele)\b", re.I)
OTHER_LATER_AFTER = re.compile(r"^\s*(?:baad|bad|despu[eé]s|depois|apr[eè]s|khatam|poora|pura)\b", re.I)

# --- the evidence that it is the applicant's wait: one of these is needed ----------------

# The case's waiting state: AP, 221(g) (or the common "211g"), a pending or stuck case, waiting itself.
_CASE = (
    r"(?:ap|a\.p\.?|(?:administrative|admin)\s+processing|proceso\s+administrativo|procesamiento\s+administrativo|"
    r"process\w*|2[12]1\s*\(?g\)?|pending|stuck|waiting|waited|esperando)"
)
# What "for" or "after" must tie the time to, near it: the case, its status, silence, a remedy ("AP at Lagos
# for 9 weeks", "quiet for 4 months", "mandamus after 18 months"), not "married for 6 years".
TIED_TO_THE_CASE = re.compile(
    rf"\b(?:{_CASE}|ceac|status|refused|approved|issued|ready|nothing|still|no\s+(?:update|news|response|reply|"
    r"answer|word|decision)s?|not\s+(?:issued|answered|replied)|hasn'?t|haven'?t|quiet|silen\w+|ignor\w+|held|kept|"
    r"holding|(?:been|stuck|sitting)\s+(?:at\s+)?(?:home|here|there)|mandamus|inquiry|escalat\w*|expedite|lawyer)\b",
    re.I,
)
# Right before it: the case's state, at most two names or particles between ("stuck in AP 10 wks", "AP Chennai 27 days").
CASE_BEFORE = re.compile(rf"\b{_CASE}\s+(?:(?:na|ma|po|pa|at|@)\s+|(?-i:[A-Z])[\w/-]*,?\s+){{0,2}}$", re.I)
# Right before it: the time is running ("it's been", "since", "from last", "now", "mine is", "I'm at", "llevamos", "há").
RUNNING_BEFORE = re.compile(
    r"(?:\bbeen|\bsince(?:\s+then)?|\bfrom(?:\s+(?:the\s+)?(?:last|past))?|\bnow(?:\s+it'?s|\s+it\s+is|\s+is)?|"
    r"\bstill|\btoday(?:\s+it)?\s+is|\bthat'?s|\bthat\s+is|\bmine\s+is|\bfor\s+me(?:\s+it)?\s+is|\bnormal\s+to\s+wait|"
    r"\b(?:i'?m|i\s+am|we'?re|we\s+are|mine\s+is|is)\s+(?:at|on)|\bcoming\s+up\s+on|\bllev\w+|\bya\s+son|"
    r"\bvan|\bva\s+(?:para|pa)|\bpasaron|\bhan\s+pasado|\bvoy\s+en(?:\s+el)?|\btenemos|\bcumpl\w+|"
    r"\bhá|\bdesde|\bhace|\bchờ|\bđợi|^\s*(?:it\s+is|it'?s|its))\s+$",
    re.I,
)
# Right after it: its state, or that it still runs ("10 wks in AP", "of waiting", "now", "ho gaye", "bhayo", "rồi").
RUNNING_AFTER = re.compile(
    rf"^\W*(?:(?:na|po|pa|ma|o)\s+)*(?:(?:in|into|of|on|under|en|em|with)\s+(?:the\s+)?(?:{_CASE}|silence|limbo)|"
    rf"{_CASE}|wait|now|already|total|gone|(?:have\s+|has\s+)?passed|since|post[\s-]interview|ho\s+gaye|ho\s+gye|"
    r"hue|bhayo|rồi|na|and\s+counting)\b",
    re.I,
)
# Later in its phrase: nothing has come yet ("3 months after my interview and still nothing").
WAIT_AFTER = re.compile(
    r"^[^,.?!;]*?\b(?:still|nothing|no\s+(?:news|update|updates|response|reply|answer|decision)|and\s+counting|"
    r"waiting|stuck|pending|esperando|sin\s+(?:noticias|respuesta|nada)|todav[ií]a|a[uú]n)\b",
    re.I,
)
# Right after it: whether it is normal ("is 80 days long for AP?", "if 2 and a half months is "normal"").
NORMAL_AFTER = re.compile(
    r"^\W*(?:is\W+|es\W+)?(?:normal|long|too\s+long|usual|typical|common|ok|okay|a\s+long\s+time|mucho|demasiado)\b",
    re.I,
)
# The message, or a bare phrase of the case's facts, is the time alone ("5 months", "Cairo J1 4 months.").
FRAGMENT_BEFORE = re.compile(r"(?:^|[,.;:!?(]\s*)(?:(?-i:[A-Z0-9])[\w/-]*\s+){0,3}$")
FRAGMENT_AFTER = re.compile(r"^\s*(?:[,.;:!?)]|$)")
# A word of waiting among the last three before it: needed for "later" ("now five months later nothing").
WAITED_JUST_BEFORE = re.compile(
    r"\b(?:been|waiting|waited|stuck|pending|now|today|still|already|since|for|from|ap)\W+(?:\w+\W+){0,2}$", re.I
)
# A reminder request ("remind me", "email me", "ping me", "avísame", "yaad dilana", "nhắc em") ...
REMINDER = re.compile(
    r"\b(?:remind\w*|rmd|reminder|notif\w*|notfy|alert|alrt|alarm|ping|nudge|buzz|warn\w*|heads[\s-]?up|notice|"
    r"let\s+me\s+know|tell\s+me|told|inform\w*|intimate|flag|shout|countdown|keep\s+(?:me|us)\s+(?:posted|updated)|"
    r"e-?mails?|mail|text|sms|msg|message|call|bell|hit\s+me\s+up|hear\s+from\s+you|wake\s+me|yaad|nhắc|"
    r"recorda\w*|recuérda\w*|av[ií]s\w*|mensaje|correo|lembr\w*|rappel\w*|pa-?text|\w*sabihan)\b",
    re.I,
)
# ... and its lead time: "a month before", "2 weeks ahead", "10 days out", "one month left", "ek hafta pehle", "trước 1 tháng".
LEAD_AFTER = re.compile(
    r"^[^.?!;]{0,40}?\b(?:before|befor|b4|bfore|ahead|prior|in\s+advance|early|earlier|left|remains?|remaining|out|"
    r"away|to\s+(?:the|my)\s+(?:deadline|due|last)|antes|pehle|pahle|avant)\b",
    re.I,
)
LEAD_BEFORE = re.compile(r"\b(?:before|trước)\s+$", re.I)
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


def _is_something_else(near: str, after: str, parts: list[tuple[float, str]], reminder: bool) -> bool:
    """The words around it make it another time than a wait, whatever else is said."""
    if NOT_A_WAIT_AFTER.match(after) or NOT_A_WAIT_BEFORE.search(near):
        return True
    days_if_calendar = {(1.0, "year"), (12.0, "month"), (365.0, "day"), (366.0, "day")}
    rule_sized = (len(parts) == 1 and parts[0] in days_if_calendar) or {unit for _, unit in parts} == {"year"}
    if rule_sized and (RULE_YEAR_AFTER.match(after) or RULE_YEAR_BEFORE.search(near)):
        return True
    return not reminder and bool(LEFT_AFTER.match(after) or BEFORE_BEFORE.search(near))


def _waiting_said(text: str, start: int, near: str, after: str) -> bool:
    """The positive evidence that the time is the applicant's wait."""
    phrase = near.split(",")[-1]
    if OTHERS_BEFORE.search(phrase) or EARLIER_BEFORE.search(phrase):
        return False
    last_words, sentence_after = " ".join(phrase.split()[-7:]), re.split(r"[.?!;\n]", after)[0]
    intro = re.search(r"\b(for|por|after)\s+$", near, re.I)
    if intro and intro.group(1).lower() != "after":
        return bool(TIED_TO_THE_CASE.search(last_words) or TIED_TO_THE_CASE.search(sentence_after[:30]))
    if intro:  # "AP to Issued after 4 months", "now after", "after 9 months of silence", "an inquiry after 11 weeks?"
        tied = TIED_TO_THE_CASE.search(last_words) or RUNNING_BEFORE.search(near[: intro.start()])
        return bool(tied or RUNNING_AFTER.match(after) or WAIT_AFTER.match(after)) or after.lstrip().startswith("?")
    if CASE_BEFORE.search(near) or RUNNING_BEFORE.search(near):
        return True
    if RUNNING_AFTER.match(after) or WAIT_AFTER.match(after) or NORMAL_AFTER.match(after):
        return True
    return bool(FRAGMENT_BEFORE.search(text[:start]) and FRAGMENT_AFTER.match(after))


def _is_a_wait(text: str, start: int, end: int, parts: list[tuple[float, str]], reminder: bool) -> bool:
    span, near, after = text[start:end], _clause_before(text, start), text[end : end + 60]
    if _is_something_else(near, after, parts, reminder):
        return False
    if reminder and (LEAD_AFTER.match(after) or (LEAD_BEFORE.search(near) and REMINDER.search(near))):
        return True
    if not _waiting_said(text, start, near, after):
        return False
    # "2 weeks later they asked for more", "3 months to send": another time than theirs,
    # unless waiting is said right there ("now five months later nothing", "been 50 days from my interview").
    measured = MEASURED_AFTER.match(after)
    if measured and not (WAITED_JUST_BEFORE.search(near) or WAIT_AFTER.match(after[measured.end() :])):
        return False
    # "one day I got an email": a lone day in words is a wait only where waiting is said.
    lone_day = parts == [(1.0, "day")] and not re.search(r"\d", span)
    return not lone_day or bool(WAITED_JUST_BEFORE.search(near) or RUNNING_AFTER.match(after))


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
        after = text[match.end() : match.end() + 60]
        ago = OTHER_AGO_BEFORE.search(text[: match.start()]) and not HACE_QUE_AFTER.match(after)
        ago = ago or (OTHER_AGO_AFTER.match(after) and not reminder)  # "10 din pehle", but "pehle yaad dilana"
        if not free(match.start(), match.end()) or OTHER_LATER_AFTER.match(after) or ago:
            continue
        word = (match.group("number") or "").lower()
        if not word and not (match.group("half_before") or match.group("half")):
            continue  # a unit alone ("el año") is no time
        number = (float(word) if word.isdigit() else OTHER_NUMBER_WORDS[word]) if word else 1.0
        if match.group("half_before"):
            number = 0.5
        elif match.group("half"):
            number += 0.5  # "un mes y medio", "año y medio"
        unit, times = OTHER_UNITS[match.group("unit").lower()]
        parts = [(number * times, unit)]
        if _is_a_wait(text, match.start(), match.end(), parts, reminder):
            yield Duration(match.start(), match.end(), _days_back(today, parts))


def _day_counts(text: str, today: dt.date, free: "_Free", reminder: bool) -> Iterable[Duration]:
    for match in DAY_COUNT.finditer(text):
        near, after = _clause_before(text, match.start()), text[match.end() : match.end() + 60]
        if free(match.start(), match.end()) and (RUNNING_BEFORE.search(near) or RUNNING_AFTER.match(after)):
            yield Duration(match.start(), match.end(), int(match.group("number")))


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
    for finder in (_day_counts, _english, _other_languages):
        for duration in finder(text, today, free, reminder):
            found.append(duration)
            free.taken.append((duration.start, duration.end))
    return sorted(found, key=lambda d: d.start)
