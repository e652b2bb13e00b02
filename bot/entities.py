"""Finds and normalises the NLU contract's entities in a message, without Rasa.

Built on spaCy without a downloaded model: `spacy.blank("en")` tokenises, an
EntityRuler matches the vocabularies in bot/data (visa classes, CEAC statuses,
consulates), and regular expressions aligned to spaCy's tokens find dates,
durations, refusal sections, emails, phones and names. Dates are resolved
against the engine's clock. An all-numeric date whose day and month could be
swapped (4/6/2026) becomes an `ambiguous_date` whose value lists both readings,
US order first, so the assistant can ask which one is meant.
"""
import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterator, List, Optional

import spacy
from dateutil.relativedelta import relativedelta

from bot import reference
from bot.patterns import EMAIL

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "a couple of": 2,
    "few": 3, "a few": 3,
}
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_NUMBER = r"(\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(\d{4}|'\d{2}))?"
_UNIT = r"(day|week|month|year)s?"

DATE_PATTERNS = [
    ("iso", re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")),
    ("numeric", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")),
    ("day_month", re.compile(r"\b" + _DAY + r"\s*(?:of\s+)?" + _MONTH + r"(?![a-z])" + _YEAR, re.I)),
    ("month_day", re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"(?![\d:])(?!\s*(?:days?|weeks?|months?|years?)\b)" + _YEAR, re.I)),
    ("ago", re.compile(r"\b" + _NUMBER + r"\s+" + _UNIT + r"\s+ago\b", re.I)),
    ("last_weekday", re.compile(r"\blast\s+(" + "|".join(WEEKDAYS) + r")\b", re.I)),
    ("day_before_yesterday", re.compile(r"\bday before yesterday\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("last_week", re.compile(r"\blast week\b", re.I)),
    ("today", re.compile(r"\btoday\b", re.I)),
]
# How long the applicant has waited ("47 days", "5 months"); not the name of the
# rule ("1 year deadline", "the one year", "after one year": see _names_the_rule).
DURATION = re.compile(
    r"\b" + _NUMBER + r"\+?\s*" + _UNIT
    + r"\b(?!\s+(?:ago|deadline|rule|window|limit|mark|period|count|counts|passed|is up|has passed)\b)",
    re.I,
)
RULE_BEFORE = re.compile(r"\b(?:the|after|within)\s+$", re.I)
SINCE_MONTH = re.compile(r"\bsince\s+" + _MONTH + r"(?![a-z])(?!\s*\d)", re.I)
SECTION_221G = re.compile(r"\b(?:221|211)\s*(?:\(\s*g\s*\)|-?\s*g)(?![a-z])", re.I)
SECTION_214B = re.compile(r"\b214\s*(?:\(\s*b\s*\)|-?\s*b)(?![a-z])", re.I)
SECTION_212A = re.compile(
    r"\b212\s*(?:\(\s*a\s*\)|-?\s*a)(?:\s*\(?\s*(\d{1,2})\s*\)?(?:\s*\(?\s*([a-h])\s*\)?(?![a-z]{2}))?"
    r"(?:\s*\(\s*(i{1,3}|iv|v)\s*\)|(?<=[a-h])(i{1,3}|iv|v)\b)?)?(?![a-z0-9])",
    re.I,
)
PHONE = re.compile(r"(?<![\w/.-])\+?\d[\d\s().-]{5,}\d(?![\w/])")
PERSON_NAME = re.compile(
    r"\b(?:my name is|my name's|name is|i am called)\s+([a-z][a-z'-]+(?:\s+(?!and\b|my\b|i\b)[a-z][a-z'-]+){0,2})",
    re.I,
)
INTERVIEW_WORDS = ("interview",)
NOTICE_WORDS = ("letter", "notice", "dated", "221", "211g", "slip", "refus", "email", "worksheet", "paper")


@dataclass(frozen=True)
class Entity:
    entity: str
    value: object
    start: int
    end: int
    role: Optional[str] = None


def _iso(year: int, month: int, day: int) -> str:
    # Deliberately not validated here: the engine refuses "2026-02-30" with a reason.
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year(text: Optional[str]) -> Optional[int]:
    if not text:
        return None
    digits = text.lstrip("'")
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _most_recent(month: int, day: int, today: dt.date) -> str:
    """A date given without a year is the latest such date not after today (it is about the past)."""
    for year in range(today.year, today.year - 8, -1):
        try:
            if dt.date(year, month, day) <= today:
                return _iso(year, month, day)
        except ValueError:
            continue
    return _iso(today.year, month, day)  # impossible (30 February): let the engine refuse it


def _number(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _shift(today: dt.date, amount: int, unit: str) -> dt.date:
    unit = unit.lower()
    return today - relativedelta(**{unit + "s": amount})


class EntityExtractor:
    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = []
        for name, visa in reference.visa_types().items():
            patterns += [{"label": "visa_type", "pattern": n, "id": name} for n in visa.names]
        for status, names in reference.ceac_statuses().items():
            patterns += [{"label": "ceac_status", "pattern": n, "id": status} for n in names]
        for name, consulate in reference.consulates().items():
            patterns += [{"label": "consulate", "pattern": n, "id": name} for n in consulate.names]
        ruler.add_patterns(patterns)

    def extract(self, text: str, today: dt.date) -> List[Entity]:
        found = list(self._regex_entities(text, today))
        taken = [(e.start, e.end) for e in found]
        for span in self.nlp(text).ents:
            if not any(span.start_char < end and start < span.end_char for start, end in taken):
                found.append(Entity(span.label_, span.ent_id_, span.start_char, span.end_char))
        return sorted(found, key=lambda e: e.start)

    def _regex_entities(self, text: str, today: dt.date) -> Iterator[Entity]:
        taken: List[tuple] = []

        def free(match) -> bool:
            return not any(match.start() < end and start < match.end() for start, end in taken)

        def claim(match, entity: str, value, role=None) -> Entity:
            taken.append((match.start(), match.end()))
            return Entity(entity, value, match.start(), match.end(), role)

        for match in EMAIL.finditer(text):
            yield claim(match, "email", match.group(0))
        for kind, pattern in DATE_PATTERNS:
            for match in pattern.finditer(text):
                if free(match):
                    resolved = self._resolve_date(kind, match, today)
                    if resolved is None:
                        continue
                    entity, value = resolved
                    # Only a usable date gets a role; an ambiguous one is confirmed first.
                    role = self._date_role(text, match.start()) if entity == "date" else None
                    if kind == "today" and role is None:
                        continue  # "call me today" is not a date of the case
                    yield claim(match, entity, value, role)
        for match in SINCE_MONTH.finditer(text):
            if free(match):
                month = MONTHS[match.group(1)[:3].lower()]
                start = dt.date.fromisoformat(_most_recent(month, 1, today))
                yield claim(match, "duration", (today - start).days)
        for match in DURATION.finditer(text):
            names_the_rule = match.group(2).lower() == "year" and RULE_BEFORE.search(text[:match.start()])
            if free(match) and not names_the_rule:
                days = (today - _shift(today, _number(match.group(1)), match.group(2))).days
                yield claim(match, "duration", days)
        for match in SECTION_221G.finditer(text):
            yield claim(match, "refusal_section", "221g")
        for match in SECTION_214B.finditer(text):
            yield claim(match, "refusal_section", "214b")
        for match in SECTION_212A.finditer(text):
            paragraph, letter = match.group(1) or "", (match.group(2) or "").upper()
            roman = (match.group(3) or match.group(4) or "").lower()
            yield claim(match, "refusal_section", f"212a{paragraph}{letter}{roman}")
        for match in PHONE.finditer(text):
            if free(match) and len(re.sub(r"\D", "", match.group(0))) >= 7:
                yield claim(match, "phone", match.group(0).strip())
        for match in PERSON_NAME.finditer(text):
            name = match.group(1)
            start = match.start(1)
            if not any(start < end and s < start + len(name) for s, end in taken):
                taken.append((start, start + len(name)))
                yield Entity("person_name", name.title(), start, start + len(name))

    @staticmethod
    def _resolve_date(kind: str, match, today: dt.date):
        groups = match.groups()
        if kind == "iso":
            return "date", _iso(int(groups[0]), int(groups[1]), int(groups[2]))
        if kind == "numeric":
            first, second, year = int(groups[0]), int(groups[1]), _year(groups[2])
            if first > 12 and second <= 12:
                return "date", _iso(year, second, first)  # day first
            if first <= 12 and (second > 12 or first == second):
                return "date", _iso(year, first, second)  # month first (US)
            if first <= 12 and second <= 12:
                return "ambiguous_date", f"{_iso(year, first, second)}|{_iso(year, second, first)}"
            return "date", _iso(year, first, second)  # neither reading exists: the engine refuses it
        if kind == "day_month":
            day, month, year = int(groups[0]), MONTHS[groups[1][:3].lower()], _year(groups[2])
        elif kind == "month_day":
            month, day, year = MONTHS[groups[0][:3].lower()], int(groups[1]), _year(groups[2])
        elif kind == "ago":
            return "date", _shift(today, _number(groups[0]), groups[1]).isoformat()
        elif kind == "last_weekday":
            back = (today.weekday() - WEEKDAYS.index(groups[0].lower())) % 7 or 7
            return "date", (today - dt.timedelta(days=back)).isoformat()
        elif kind == "day_before_yesterday":
            return "date", (today - dt.timedelta(days=2)).isoformat()
        elif kind == "yesterday":
            return "date", (today - dt.timedelta(days=1)).isoformat()
        elif kind == "tomorrow":
            return "date", (today + dt.timedelta(days=1)).isoformat()
        elif kind == "last_week":
            return "date", (today - dt.timedelta(days=7)).isoformat()
        else:
            return "date", today.isoformat()
        if day == 0:
            return None
        return "date", _iso(year, month, day) if year else _most_recent(month, day, today)

    @staticmethod
    def _date_role(text: str, start: int) -> Optional[str]:
        """'interview' or 'notice' from the nearest telling word before the date in its sentence."""
        before = re.split(r"[.!?;]\s", text[max(0, start - 80):start].lower())[-1]
        best_role, best_position = None, -1
        for role, words in (("interview", INTERVIEW_WORDS), ("notice", NOTICE_WORDS)):
            for word in words:
                position = before.rfind(word)
                if position > best_position:
                    best_role, best_position = role, position
        return best_role
