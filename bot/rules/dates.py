"""Finds the dates in an applicant's message, resolves them and tells what each one is.

Regular expressions find where a date is (the span); `dateparser` resolves what
the span means for month-name dates and whole-number relative dates ("3 March 25",
"09-Feb-2026", "20 Dec", "two months ago"), against the engine's clock. Spanish is read the same way ("3 de marzo del
2026", "hace tres semanas", "el viernes pasado", "antier", "el 10 del mes pasado"): the words
of both languages are in the same patterns, since one message often mixes them. Hand-written
resolution is kept only where dateparser 1.2.0 would be wrong or silent:
all-numeric dates (it silently picks one reading of 03/04; we must ask), "2026/07/15",
fractional and "half a year" ages, compound ones ("1 year and 2 months ago", "three and a half
weeks ago", "hace un año y dos meses": COMPOUND), "last <weekday>" and "last week" (a range: its
earliest day counts, so a deadline is never later than the truth). A count that is no number
("a few days ago", "hace unos días") gives an estimate, marked as such (APPROXIMATE_COUNTS), and
so does a hedged, a ranged or an open-ended count ("about 3 weeks ago", "~3 weeks ago", "3 or 4
days ago", "three weeks ago, maybe more", "hace como 3 semanas", "hace 3 o 4 días", "hace un mes
y pico": HEDGES).

Every date gets a role from the words around it: notice (printed on the 221(g)
notice), interview, received (the day the letter arrived), sent (documents
sent), appointment, or other. Only notice and interview dates may start the
one-year count (bot.rules.deadline); the others never do.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import dateparser
from dateutil.relativedelta import relativedelta

from bot.rules.deadline import APPROXIMATE
from bot.rules.names import MONTH_NUMBERS, WEEKDAY_NAMES

# An estimate's role, whatever its words say: no slot takes it (domain.yml maps the notice and
# interview roles only), so it can neither stand for a date nor push an exact one out; the
# assistant refuses it and asks for the printed date (actions/case_facts.py).
ESTIMATE = "estimate"
NOTICE, INTERVIEW, RECEIVED, SENT, APPOINTMENT, OTHER = (
    "notice",
    "interview",
    "received",
    "sent",
    "appointment",
    "other",
)
# Roles whose date can start the one-year count.
COUNTING_ROLES = (NOTICE, INTERVIEW)

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    # Spanish.
    "un": 1,
    "una": 1,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
}
# Counts that are no number, English and Spanish, with the number that names the estimate.
# Whatever number we read one as may be too small: a letter that came 8 days ago, counted
# from "a few days ago" read as 3, would get 5 days it does not have. So the date is an
# estimate: its value carries APPROXIMATE ("~2026-06-12"), which bot.rules.deadline.parse_iso
# refuses, and the assistant asks for the date printed on the notice, as it does for any date
# it cannot use (actions/answers.py). Asking, rather than counting from the earliest plausible
# reading and saying so: "a few" has no earliest reading we could defend, the refusal and the
# question are the flow every unusable date already takes (the intake form's too), and nothing
# downstream (slots, the lead, a reminder) can ever take an estimate for a date on the notice.
APPROXIMATE_COUNTS = {
    "few": 3,
    "a few": 3,
    "couple": 2,
    "couple of": 2,
    "a couple": 2,
    "a couple of": 2,
    "several": 3,
    "some": 3,
    "un par de": 2,
    "unos": 3,
    "unas": 3,
    "unos cuantos": 3,
    "unas cuantas": 3,
    "unos pocos": 3,
    "unas pocas": 3,
    "pocos": 3,
    "pocas": 3,
    "varios": 3,
    "varias": 3,
    "algunos": 3,
    "algunas": 3,
}
# Spanish month names and weekdays, and their English counterparts.
SPANISH_MONTHS = {
    "ene": 1, "enero": 1, "feb": 2, "febrero": 2, "mar": 3, "marzo": 3, "abr": 4, "abril": 4,
    "may": 5, "mayo": 5, "jun": 6, "junio": 6, "jul": 7, "julio": 7, "ago": 8, "agosto": 8,
    "sep": 9, "sept": 9, "septiembre": 9, "set": 9, "setiembre": 9, "oct": 10, "octubre": 10,
    "nov": 11, "noviembre": 11, "dic": 12, "diciembre": 12,
}  # fmt: skip
SPANISH_WEEKDAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "miércoles": 2, "jueves": 3, "viernes": 4,
                    "sabado": 5, "sábado": 5, "domingo": 6}  # fmt: skip
SPANISH_UNITS = {"dia": "day", "día": "day", "semana": "week", "mes": "month", "año": "year", "ano": "year"}
WEEKDAYS = [name.lower() for name in WEEKDAY_NAMES]

_COUNTS = sorted({*NUMBER_WORDS, *APPROXIMATE_COUNTS}, key=len, reverse=True)  # "a few" before "a"
_COUNT = r"\d{1,3}(?:\.\d+)?|" + "|".join(_COUNTS)
NUMBER = "(" + _COUNT + ")"
MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
UNIT = r"(day|week|month|year)s?"
_UNIT = r"day|week|month|year"
_MES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sep?tiembre|octubre|noviembre|diciembre"
    r"|ene|abr|dic|sept?)\.?"
)
ES_UNIT = r"(d[ií]a|semana|mes|a[ñn]o)(?:s|es)?"
_ES_UNIT = r"d[ií]a|semana|mes|a[ñn]o"
ES_WEEKDAY = r"(lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# A year after a month name: four digits, or two ("3 March 25"), never a time or a count.
_YEAR = r"(?:[\s,/.-]*(\d{4}|'?\d{2})(?![\d:]|\s*(?:am|pm|days?|weeks?|months?|years?|hrs?|hours?)\b))?"
_SEP = r"[\s/.-]*"

# Words that make a count an estimate, as vague as "a few": "about 3 weeks ago", "over a month
# ago", "hace como 3 semanas", "hace casi un mes". Read as exact, "about 3 weeks" may be 4, and
# "over a month" is more than one: a deadline counted from it could be later than the real one.
# So the date is marked APPROXIMATE (APPROXIMATE_COUNTS says why, and why we ask rather than
# count). English and Spanish together: one message often mixes them. Only right before the count
# (or "hace"): "almost exactly a year ago" is exact. Not "just" ("just 3 days ago" is exact).
# A duration ("about 3 weeks in AP") has no "ago" nor "hace": bot.rules.durations reads it.
HEDGES = (
    r"about|around|round\s+about|roughly|approximately|approx\.?|circa|like|almost|nearly|close\s+to|"
    r"(?:a\s+(?:little|bit)\s+|just\s+|well\s+)?(?:over|more\s+than|less\s+than|under)|at\s+least|at\s+most|"
    r"not\s+quite|upwards\s+of|maybe|perhaps|probably|possibly|some|a\s+(?:good|solid)|"
    r"como|unos|unas|aproximadamente|aprox\.?|m[aá]s\s+o\s+menos|casi|alrededor\s+de|cerca\s+de|"
    r"(?:un\s+)?poco\s+(?:m[aá]s|menos)\s+de|(?:algo\s+)?m[aá]s\s+de|menos\s+de|tal\s+vez|quiz[aá]s?|"
    r"algo\s+as[ií]\s+como|al\s+menos|por\s+lo\s+menos"
)
# "~3 weeks ago", "≈ 3 weeks ago": the sign is a hedge too.
_SIGN = r"[~≈]\s*"
_HEDGED = rf"(?P<hedge>(?:\b(?:{HEDGES})\s+|{_SIGN}){{1,2}})?"
# ... and after it: "3 weeks ago or so", "hace 3 semanas más o menos", "hace un mes o más".
_HEDGED_AFTER = (
    r"(?P<after>\s*,?\s*(?:or\s+so|or\s+more|or\s+longer|or\s+(?:even\s+)?(?:earlier|before)|or\s+thereabouts|"
    r"or\s+(?:a\s+)?(?:little|bit)\s+(?:more|longer|earlier)|or\s+something|give\s+or\s+take|more\s+or\s+less|"
    r"roughly|approximately|approx|at\s+least|if\s+not\s+more|"
    # "three weeks ago, maybe more", "hace tres semanas, tal vez más".
    r"(?:maybe|perhaps|possibly|probably|could\s+be|might\s+be|tal\s+vez|quiz[aá]s?|puede\s+que|a\s+lo\s+mejor)\s+"
    r"(?:even\s+|a\s+(?:little|bit)\s+|little\s+|bit\s+|un\s+poco\s+|incluso\s+)?"
    r"(?:more|longer|earlier|less|m[aá]s|menos|antes)|"
    r"m[aá]s\s+o\s+menos|aproximadamente|aprox|o\s+as[ií]|o\s+algo\s+as[ií]|o\s+m[aá]s|o\s+antes|"
    r"o\s+un\s+poco\s+m[aá]s|por\s+ah[ií]|al\s+menos|por\s+lo\s+menos)\b|-ish\b)?"
)
# Two counts: "3 or 4 days ago", "3-4 weeks ago", "between 2 and 3 weeks ago", "hace 3 o 4 días",
# "hace entre 2 y 3 semanas" (the earlier of the two is the date's value).
_RANGE = (
    rf"(?:\b(?:between|entre)\s+(?P<low>{_COUNT})\s+(?:and|y)\s+"
    rf"|\b(?P<low2>{_COUNT})(?:\s*[-–]\s*|\s+(?:to|or|o|u|a)\s+))?"
)


def _or_more(unit: str) -> str:
    """ "a week or two ago", "3 weeks or more ago", "hace una semana o dos", "hace un mes o dos meses"."""
    return (
        rf"(?:\s+(?:or|o)\s+(?:(?P<so>so|more|longer|m[aá]s)\b"
        rf"|(?P<high>{_COUNT})(?:\s*(?P<high_unit>{unit})(?:s|es)?)?\b))?"
    )


# Spanish: the hedge before "hace" ("como hace 3 semanas") or after it ("hace como 3 semanas").
# After "hace" only, "buenas" is a hedge ("hace unas buenas 3 semanas"); before it, a greeting.
_HACE = rf"(?P<before>\b(?:{HEDGES})\s+)?(?<!desde )\bhace\s+(?P<hedge>(?:(?:{HEDGES}|buen[oa]s)\s+|{_SIGN}){{1,2}})?"
# A count and its unit, named for _relative.
_COUNTED = rf"(?P<count>{_COUNT})"
_EN_UNIT = rf"(?P<unit>{_UNIT})s?"
_ES_UNITS = rf"(?P<unit>{_ES_UNIT})(?:s|es)?"
# Between a count and its unit, words that make it an estimate: "3ish weeks", "20-odd days", "3+
# weeks", "a good month" (at least a month, likely more), "hace un buen mes".
_EN_ISH = r"\s*-?\s*ish|[\s-]+odd|\s*\+|\s+(?:good|solid)"
_ES_ISH = r"\s+buen[oa]?|\s*\+"

# Compound counts, read before the single ones (whose patterns would take only a piece: "three and
# a half weeks ago" is not "a half weeks ago", nor "1 year and 2 months ago" "2 months ago"): one
# part or more ("1 year and 2 months", "2 months 3 weeks", "hace un año y dos meses", "hace 1 año 2
# meses"), halves ("three and a half weeks", "a year and a half", "half a year", "2½ months", "un mes
# y medio", "hace año y medio", "una semana y media", "medio año") and an open end ("a year and a
# bit", "hace un mes y pico", "y algo", "y tantos"; "hace tres semanas y unos días" is a part whose
# count is no number). Larger units first; the parts are counted back one after the other (as
# bot.rules.durations counts a wait), so "1 year and 2 months ago" on 15 June 2026 is 15 April 2025.
# A half is a clear quantity, so a fractional compound is as exact as "2.5 months ago": half a
# week is 3.5 days, half a month 15.5, and `ago` rounds the days up, to the EARLIER day ("three and
# a half weeks ago" on 15 June is 21 May, 25 days back, not 22 May). An open end, a count that is
# no number and any hedge make it an estimate.
_EN_HALF = r"\s+and\s+(?:a\s+)?half|\s*½|\s+1/2"
EN_PART = re.compile(
    rf"(?:\b(?:half\s+an?|an?\s+half)\s+(?P<half_unit>{_UNIT})s?\b"
    rf"|(?:\b(?P<count>{_COUNT})(?P<half>{_EN_HALF})?(?P<ish>{_EN_ISH})?[\s-]*|\b(?=(?:{_UNIT})\s+and\s+a\s+half\b))"
    rf"(?P<unit>{_UNIT})s?\b(?P<half_after>\s+and\s+a\s+half\b)?)",
    re.I,
)
ES_PART = re.compile(
    rf"(?:\bmedi[oa]\s+(?P<half_unit>{_ES_UNIT})(?:s|es)?\b"
    rf"|(?:\b(?P<count>{_COUNT})(?P<half>\s+y\s+medi[oa])?(?P<ish>{_ES_ISH})?\s*|\b(?=(?:{_ES_UNIT})\s+y\s+medi[oa]\b))"
    rf"(?P<unit>{_ES_UNIT})(?:s|es)?\b(?P<half_after>\s+y\s+medi[oa]\b)?)",
    re.I,
)


def _unnamed(pattern: re.Pattern[str]) -> str:
    """The pattern without its group names, to repeat it."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern)


_EN_PART, _ES_PART = _unnamed(EN_PART), _unnamed(ES_PART)
# Between two parts: "and", "&", "+", "plus", a comma with one of them, a space alone or a comma
# alone (see _first_part_a_wait: "stuck in AP 4 months, 2 weeks ago I emailed them").
_EN_JOIN = r"(?:\s*,?\s*(?:and\s+|plus\s+|&\s*|\+\s*)|\s*,\s*|\s+)"
_ES_JOIN = r"(?:\s*,?\s*(?:y\s+|e\s+|\+\s*)|\s*,\s*|\s+)"
_BARE_JOIN = re.compile(r"\s*,?\s*")  # a space or a comma alone
# An open end: "a year and a bit ago", "a month plus ago", "hace un mes y pico", "y algo", "y tantos".
_EN_MORE = (
    r"\s+(?:and\s+(?:a\s+(?:bit|little)(?:\s+more)?|change|some|something|then\s+some|more)"
    r"|plus|or\s+(?:so|more|longer)|and\s+(?:days|weeks|months))\b"
)
_ES_MORE = r"\s+y\s+(?:pico|algo|tant[oa]s|un\s+poco|un\s+poquito|poquito|cachito|d[ií]as|semanas|meses)\b"
_ES_PARTS = rf"{_ES_PART}(?:{_ES_JOIN}{_ES_PART})*(?:{_ES_MORE})?"
# The open end of a compound's parts, to tell it from them.
MORE = re.compile(rf"(?:{_EN_MORE}|{_ES_MORE})$", re.I)
# The words right before a count that make it a wait: there "4 months, 2 weeks ago" is a wait of 4
# months and a date 2 weeks ago (bot.rules.durations reads the wait); elsewhere, as "1 year, 2
# months ago", one date, and the earlier reading of the two.
_WAIT_BEFORE = re.compile(
    r"\b(?:ap|a\.p\.?|processing|pending|stuck|waiting|waited|been|for|since|now|already)\W*$", re.I
)

PATTERNS = [
    ("ymd", re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")),
    ("numeric", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")),
    # "3 de marzo de 2026", "3 de marzo del 2026", "3 marzo 26", "03-mar-2026" (Spanish only: "3 de marzo").
    (
        "named_es",
        re.compile(
            r"\b(\d{1,2})(?:\s+de?)?" + _SEP + r"(" + _MES + r")(?![a-zñ])"
            r"(?:(?:\s+de(?:l)?\s+|[\s,/.-]+)(\d{4}|'?\d{2})(?![\d:]|\s*(?:d[ií]as?|semanas?|mes|a[ñn]os?)\b))?",
            re.I,
        ),
    ),
    # "el 10 del mes pasado", "el 3 del mes antepasado".
    ("day_of_last_month", re.compile(r"\b(\d{1,2})\s+del\s+mes\s+(pasado|antepasado)\b", re.I)),
    ("named", re.compile(r"\b" + _DAY + r"(?:\s*of)?" + _SEP + MONTH + r"(?![a-z])" + _YEAR, re.I)),
    (
        "named",
        re.compile(
            r"\b" + MONTH + r"(?![a-z])" + _SEP + _DAY + r"(?![\d:])(?!\s*(?:days?|weeks?|months?|years?)\b)" + _YEAR,
            re.I,
        ),
    ),
    # Counted back from today, hedged or not: the groups are named for _compound and _relative.
    # Compound counts first (COMPOUND); a match that is one whole count is left to "ago" and "ago_es".
    (
        "compound_ago",
        re.compile(
            rf"{_HEDGED}(?P<parts>{_EN_PART}(?:{_EN_JOIN}{_EN_PART})*(?:{_EN_MORE})?)\s+ago\b{_HEDGED_AFTER}", re.I
        ),
    ),
    # Not "hace un año y dos meses que espero": how long (below). The parts are taken whole (the
    # lookahead and its backreference cannot backtrack), so "que" is not missed by taking fewer.
    (
        "compound_ago_es",
        re.compile(
            rf"{_HACE}(?=(?P<parts>{_ES_PARTS}))(?P=parts)(?!\s+que\b){_HEDGED_AFTER}",
            re.I,
        ),
    ),
    (
        "ago",
        re.compile(
            rf"{_HEDGED}{_RANGE}\b{_COUNTED}(?P<ish>{_EN_ISH})?\s*{_EN_UNIT}(?P<ish2>\s*-\s*ish|\s+ish)?"
            rf"{_or_more(_UNIT)}\s+ago\b{_HEDGED_AFTER}",
            re.I,
        ),
    ),
    # Not "hace 3 meses que espero", "hace un año y dos meses que espero" nor "desde hace 3 meses":
    # how long, a duration (bot.rules.durations).
    (
        "ago_es",
        re.compile(
            rf"{_HACE}{_RANGE}{_COUNTED}(?P<ish>{_ES_ISH})?\s*{_ES_UNITS}\b"
            rf"(?!(?:\s+y\s+medi[oa])?(?:{_ES_JOIN}{_ES_PART})*(?:{_ES_MORE})?\s+que\b)"
            rf"{_or_more(_ES_UNIT)}{_HEDGED_AFTER}",
            re.I,
        ),
    ),
    ("last_weekday_es", re.compile(r"\b" + ES_WEEKDAY + r"\s+pasado\b|\bpasado\s+" + ES_WEEKDAY + r"\b", re.I)),
    ("month_before_last", re.compile(r"\bmes\s+antepasado\b", re.I)),
    ("last_weekday", re.compile(r"\blast\s+(" + "|".join(WEEKDAYS) + r")\b", re.I)),
    ("day_before_yesterday", re.compile(r"\b(?:day before yesterday|antier|anteayer|antes\s+de\s*ayer)\b", re.I)),
    ("yesterday", re.compile(r"\b(?:yesterday|ayer)\b", re.I)),
    # Not "esta mañana" / "en la mañana": the morning.
    ("tomorrow", re.compile(r"\btomorrow\b|(?<!esta )(?<!la )\bma[ñn]ana\b", re.I)),
    ("last_week", re.compile(r"\b(?:last week|semana\s+pasada)\b", re.I)),
    ("last_month", re.compile(r"\b(?:last month|mes\s+pasado)\b", re.I)),
    ("today", re.compile(r"\b(?:today|hoy)\b", re.I)),
]

# Role cues. A verb of receiving or sending in the date's clause outweighs a noun such
# as "letter": "I received the letter on 10 March" is a receipt date, not the notice's.
_DATED = re.compile(
    r"\b(?:dated|date on (?:the |my )?(?:letter|notice|slip)|printed|issued on|written on"
    r"|con fecha(?: del?)?|fechad[ao]|impres[ao](?: el)?|la fecha de la (?:carta|hoja|notificaci[oó]n)(?: es| dice)?)"
    r"\W*(?:on\W+|el\W+)?$",
    re.I,
)
_RECEIVED = re.compile(
    r"\b(?:receiv\w*|recieved|reciev\w*|arriv\w*|came (?:by|in|through|to me)|delivered|reached me|collected|picked up"
    r"|got (?:it|the (?:letter|email|mail|notice))|in my (?:inbox|mail)"
    r"|recib\w*|lleg[oóa]\w*|me lleg\w*|me enter[eé]|la recog\w*)\b",
    re.I,
)
_SENT = re.compile(
    r"\b(?:sent|send|submit\w*|dropped|drop(?:ped)? off|couriered|mailed|emailed|uploaded|posted|handed in|"
    r"gave (?:them|the) (?:docs|documents)"
    r"|envi[eéó]\w*|mand[eéó]\w*|entregu[eé]|entreg[oó] los|sub[ií]\w*|dej[eé] (?:los|mis) (?:documentos|papeles))\b",
    re.I,
)
_APPOINTMENT = re.compile(r"\b(?:appointment|appt|callback|call back|biometrics?|ofc|booked|cita|huellas)\b", re.I)
_INTERVIEW = re.compile(r"\b(?:interview\w*|intvw|intrvw|attended|entrevist\w*)\b", re.I)
_NOTICE = re.compile(
    r"\b(?:letter|notice|221\s*\(?g\)?|211g|221g|slip|refus\w*|worksheet|paper|given|handed|got (?:a |my |the )?221"
    r"|carta|hoja|papel|notificaci[oó]n|rechaz\w*|negar\w*|neg[oó]|me (?:la |lo )?dieron|me (?:la |lo )?entregaron)",
    re.I,
)
# Words by which an applicant corrects a date they gave ("sorry, I meant", "no wait, it was").
CORRECTION_WORDS = (
    r"(?:sorry|i meant|i mean|correction|actually|oops|typo|no wait|wait|my mistake|scratch that|make that|"
    r"wrong date|not the \w+(?: \w+)?,? (?:it|but)|no,|perd[oó]n|disculp\w*|quise decir|quiero decir|"
    r"me equivoqu[eé]|no,? espera|corrijo|correcci[oó]n|mejor dicho|error m[ií]o)"
)
_CORRECTION = re.compile(
    r"\b" + CORRECTION_WORDS + r"\W*(?:i meant\W*|it was\W*|it's\W*|fue\W*|era\W*)?(?:on\W*|el\W*)?$", re.I
)
# A message that corrects a date given earlier in the conversation.
CORRECTS = re.compile(r"\b" + CORRECTION_WORDS, re.I)
_CLAUSE_BREAK = re.compile(
    r"[.!?;\n]|,|\bbut\b|\band\b|\bwhile\b|\bwhereas\b|\bthen\b|\bpero\b|\by\b|\bmientras\b|\bluego\b", re.I
)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    value: str  # ISO date; for an all-numeric date that reads two ways, "US|other"; an estimate "~ISO"
    role: str
    ambiguous: bool = False
    range_start: bool = False  # "last week": the earliest day of a range


def _iso(year: int, month: int, day: int) -> str:
    # Deliberately not validated here: the engine refuses "2026-02-30" with a reason.
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year(text: str) -> int:
    digits = text.lstrip("'")
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def amount(text: str) -> float:
    text = text.lower()
    return float(text) if text[0].isdigit() else {**NUMBER_WORDS, **APPROXIMATE_COUNTS}[text]


RELATIVE = ("ago", "ago_es")
COMPOUND = ("compound_ago", "compound_ago_es")
_RANK = {"day": 1, "week": 2, "month": 3, "year": 4}


def _compound(kind: str, match: re.Match[str], today: dt.date) -> str | None:
    """A compound count back from today (COMPOUND says how it is read), or None when the match is
    one whole count, which "ago" and "ago_es" read (with their ranges and "or more")."""
    spanish = kind.endswith("_es")
    part_pattern, unit_of = (ES_PART, spanish_unit) if spanish else (EN_PART, str.lower)
    text = match.group("parts")
    more = MORE.search(text)
    parts: list[tuple[float, str]] = []
    vague = bool(more)
    halves = False
    for part in part_pattern.finditer(text, 0, more.start() if more else len(text)):
        if part.group("half_unit"):
            parts.append((0.5, unit_of(part.group("half_unit"))))
            halves = True
            continue
        count = part.group("count")
        half = 0.5 if part.group("half") or part.group("half_after") else 0.0
        halves = halves or bool(half)
        vague = vague or bool(part.group("ish")) or (count or "").lower() in APPROXIMATE_COUNTS
        # A unit without a count is one of it, before a half: "hace año y medio", "year and a half ago".
        parts.append(((amount(count) if count else 1.0) + half, unit_of(part.group("unit"))))
    if len(parts) < 2 and not halves and not more:
        return None
    ranks = [_RANK[unit] for _, unit in parts]
    if ranks != sorted(set(ranks), reverse=True):
        return None  # "2 days 3 weeks ago": no compound, and "3 weeks ago" is read alone
    day = today
    for count, unit in parts:
        day = ago(day, count, unit)
    found = {name for name, value in match.groupdict().items() if value}
    hedged = vague or bool({"before", "hedge", "after"} & found)
    return APPROXIMATE + day.isoformat() if hedged else day.isoformat()


def _first_part_a_wait(pattern: re.Pattern[str], match: re.Match[str], text: str) -> re.Match[str]:
    """ "stuck in AP 4 months, 2 weeks ago I emailed them": after words of waiting, parts with only
    a space or a comma between are a wait (bot.rules.durations) and a date counted from the part
    after the last such comma (else the first such space); the match from there. Any other match
    as it is."""
    if not _WAIT_BEFORE.search(text, 0, match.start()):
        return match
    parts = list(EN_PART.finditer(text, match.start("parts"), match.end("parts")))
    joins = [text[part.end() : after.start()] for part, after in zip(parts, parts[1:], strict=False)]
    bare = [i for i, join in enumerate(joins) if _BARE_JOIN.fullmatch(join)]
    if not bare:
        return match
    commas = [i for i in bare if "," in joins[i]]
    split = commas[-1] if commas else bare[0]  # "stuck in AP 1 year 4 months, 2 weeks ago": the comma
    return pattern.match(text, parts[split + 1].start()) or match


def _relative(kind: str, match: re.Match[str], today: dt.date) -> str:
    """A date counted back from today: of two counts ("3 or 4 days ago"), the earlier date.
    Marked APPROXIMATE where a count is no number, or hedged, or one of two (HEDGES)."""
    found = {name: value for name, value in match.groupdict().items() if value}
    unit_of = spanish_unit if kind.endswith("_es") else str.lower
    unit = unit_of(found["unit"])
    readings = [(amount(found[name]), unit) for name in ("count", "low", "low2") if name in found]
    if "high" in found:
        readings.append((amount(found["high"]), unit_of(found["high_unit"]) if "high_unit" in found else unit))
    value = min(ago(today, count, unit) for count, unit in readings).isoformat()
    counts = [found[name].lower() for name in ("count", "low", "low2", "high") if name in found]
    hedged = {"before", "hedge", "ish", "ish2", "so", "after", "low", "low2", "high"} & set(found)
    return APPROXIMATE + value if hedged or any(count in APPROXIMATE_COUNTS for count in counts) else value


def spanish_unit(word: str) -> str:
    """ "semanas" -> "week"."""
    plain = word.lower().replace("í", "i")
    for stem, unit in SPANISH_UNITS.items():
        if plain.startswith(stem.replace("í", "i")):
            return unit
    raise ValueError(word)


def ago(today: dt.date, amount: float, unit: str) -> dt.date:
    """`amount` units before today. A fraction is rounded further back (earlier is safer)."""
    unit = unit.lower()
    whole = int(amount)
    fraction = amount - whole
    if unit == "year":
        whole, fraction = int(amount * 12), amount * 12 - int(amount * 12)
        unit = "month"
    # Any: relativedelta's first parameters (dt1, dt2) are dates, so a dict[str, int] does not type-check.
    units: dict[str, Any] = {unit + "s": whole}
    back = today - relativedelta(**units)
    days_per_unit = {"day": 1, "week": 7, "month": 31}[unit]
    return back - dt.timedelta(days=math.ceil(round(fraction * days_per_unit, 6)))


def _named(text: str, match: re.Match[str], today: dt.date) -> str | None:
    """A date with a month name, resolved by dateparser (a date without a year is the most
    recent past one). A day that does not exist (30 February) is kept so the engine can refuse it."""
    base = dt.datetime.combine(today, dt.time())
    parsed: dt.datetime | None = dateparser.parse(  # dateparser is untyped
        match.group(0),
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": base,
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    if parsed is not None:
        return parsed.date().isoformat()
    groups = [g for g in match.groups() if g]
    day = next((int(g) for g in groups if g.isdigit() and len(g) <= 2), 0)
    month = next((MONTH_NUMBERS[g[:3].lower()] for g in groups if g[:3].lower() in MONTH_NUMBERS), 0)
    year_part = groups[-1] if len(groups) == 3 else None
    if not day or not month:
        return None
    return _iso(_year(year_part) if year_part else today.year, month, day)


def _resolve(kind: str, match: re.Match[str], text: str, today: dt.date) -> tuple[str, bool, bool] | None:
    """(value, ambiguous, range_start) or None when the text is not a date after all."""
    g = match.groups()
    if kind == "ymd":
        return _iso(int(g[0]), int(g[1]), int(g[2])), False, False
    if kind == "numeric":
        # By hand, on purpose: dateparser would silently choose one reading of 03/04/2026.
        first, second, year = int(g[0]), int(g[1]), _year(g[2])
        if first > 12 and second <= 12:
            return _iso(year, second, first), False, False  # day first
        if first <= 12 and (second > 12 or first == second):
            return _iso(year, first, second), False, False  # month first (US)
        if first <= 12 and second <= 12:
            return f"{_iso(year, first, second)}|{_iso(year, second, first)}", True, False
        return _iso(year, first, second), False, False  # neither reading exists: the engine refuses it
    if kind == "named":
        value = _named(text, match, today)
        return (value, False, False) if value else None
    if kind in RELATIVE:
        return _relative(kind, match, today), False, False
    if kind in COMPOUND:
        value = _compound(kind, match, today)
        return (value, False, False) if value else None
    if kind == "named_es":
        day, month = int(g[0]), SPANISH_MONTHS[g[1].rstrip(".").lower()]
        if g[2]:
            return _iso(_year(g[2]), month, day), False, False
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1  # the latest past one
        return _iso(year, month, day), False, False
    if kind == "day_of_last_month":
        first_day = today.replace(day=1) - relativedelta(months=1 if g[1].lower() == "pasado" else 2)
        return _iso(first_day.year, first_day.month, int(g[0])), False, False
    if kind == "last_weekday_es":
        back = (today.weekday() - SPANISH_WEEKDAYS[(g[0] or g[1]).lower()]) % 7 or 7
        return (today - dt.timedelta(days=back)).isoformat(), False, False
    if kind == "month_before_last":
        return (today.replace(day=1) - relativedelta(months=2)).isoformat(), False, True
    if kind == "last_weekday":
        back = (today.weekday() - WEEKDAYS.index(g[0].lower())) % 7 or 7
        return (today - dt.timedelta(days=back)).isoformat(), False, False
    if kind == "last_week":
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return monday.isoformat(), False, True
    if kind == "last_month":
        first_day = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        return first_day.isoformat(), False, True
    offsets = {"day_before_yesterday": -2, "yesterday": -1, "tomorrow": 1, "today": 0}
    return (today + dt.timedelta(days=offsets[kind])).isoformat(), False, False


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - 120) : start]
    pieces = _CLAUSE_BREAK.split(window)
    return pieces[-1] if pieces else window


def _clause_after(text: str, end: int) -> str:
    if text[end - 1 : end] == ".":
        return ""  # "29 August. It arrived...": the full stop the month name took ends the sentence
    window = text[end : end + 60].lstrip(" ,")  # "On 3 March, I had my interview"
    return _CLAUSE_BREAK.split(window)[0]


def _last(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of pattern ends in text, or -1."""
    ends = [m.end() for m in pattern.finditer(text)]
    return ends[-1] if ends else -1


def date_role(text: str, start: int, end: int) -> str:
    before = _clause_before(text, start)
    if _DATED.search(before):
        return NOTICE
    for clause in (before, _clause_after(text, end)):
        verb_cues = [(_last(_RECEIVED, clause), RECEIVED), (_last(_SENT, clause), SENT)]
        position, role = max(verb_cues)
        if position >= 0:
            return role
        noun_cues = [
            (_last(_INTERVIEW, clause), INTERVIEW),
            (_last(_NOTICE, clause), NOTICE),
            (_last(_APPOINTMENT, clause), APPOINTMENT),
        ]
        position, role = max(noun_cues)
        if position >= 0:
            return role
    return OTHER


# A calendar date hedged ("around 3 March", "the letter is dated about March 3", "3 March or so",
# "alrededor del 3 de marzo") is an estimate as a hedged count is: "around 3 March" may be 1 March,
# and a deadline counted from 3 March would then be later than the real one. "about" hedges only
# where it cannot be the preposition ("what about 20 May?", "a question about 3 March"): at the
# start of a clause or after a verb of the case.
CALENDAR_KINDS = ("ymd", "numeric", "named", "named_es")
_HEDGE_BEFORE_DATE = re.compile(
    r"(?:\b(?:around|approximately|approx\.?|roughly|circa|maybe|probably|perhaps|possibly|"
    r"alrededor\s+d(?:el|e)|cerca\s+d(?:el|e)|aproximadamente|m[aá]s\s+o\s+menos|como|tal\s+vez|quiz[aá]s?)"
    r"|(?:^|[,.;:!?]\s*|\b(?:was|were|is|it's|dated|from|since|sent|received|got|had|issued|happened|"
    r"interviewed|refused)\s+)about|[~≈])\s*(?:(?:on|the|el|de)\s+){0,2}$",
    re.I,
)
_HEDGE_AFTER_DATE = re.compile(
    r"^\s*,?\s*(?:or\s+so|or\s+thereabouts|give\s+or\s+take|more\s+or\s+less|-?\s*ish|\(?approx(?:imately)?\b"
    r"|roughly|m[aá]s\s+o\s+menos|o\s+as[ií]|aproximadamente|aprox\b|o\s+por\s+ah[ií]|por\s+ah[ií])",
    re.I,
)


def hedged(text: str, start: int, end: int) -> bool:
    """Whether the calendar date at text[start:end] is said to be approximate."""
    return bool(_HEDGE_BEFORE_DATE.search(text[max(0, start - 40) : start])) or bool(
        _HEDGE_AFTER_DATE.match(text[end : end + 30])
    )


def find_dates(text: str, today: dt.date) -> list[DateMention]:
    """Every date in the text, in order, with its role. A self-correction ("… sorry, I meant
    3 February") replaces the date it corrects."""
    taken: list[tuple[int, int]] = []
    mentions: list[DateMention] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if kind == "compound_ago":
                match = _first_part_a_wait(pattern, match, text)
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            resolved = _resolve(kind, match, text, today)
            if resolved is None:
                continue
            value, ambiguous, range_start = resolved
            if kind in CALENDAR_KINDS and not ambiguous and hedged(text, match.start(), match.end()):
                value = APPROXIMATE + value
            role = date_role(text, match.start(), match.end())
            if kind == "today" and role == OTHER:
                continue  # "call me today" is not a date of the case
            taken.append((match.start(), match.end()))
            mentions.append(DateMention(match.start(), match.end(), value, role, ambiguous, range_start))
    mentions.sort(key=lambda m: m.start)
    corrected: list[DateMention] = []
    for mention in mentions:
        gap = text[corrected[-1].end : mention.start] if corrected else ""
        if corrected and _CORRECTION.search(gap[-60:]):
            replaced = corrected.pop()
            role = mention.role if mention.role != OTHER else replaced.role
            mention = DateMention(
                mention.start, mention.end, mention.value, role, mention.ambiguous, mention.range_start
            )
        corrected.append(mention)
    return [
        DateMention(m.start, m.end, m.value, ESTIMATE, m.ambiguous, m.range_start)
        if m.value.startswith(APPROXIMATE)
        else m
        for m in corrected
    ]
