"""Finds and normalises the NLU contract's entities in a message, without Rasa.

Built on spaCy without a downloaded model: `spacy.blank("en")` tokenises, an
EntityRuler matches the vocabularies in bot/rules/data (visa classes, CEAC statuses,
consulates), regular expressions find refusal sections, emails, phones and
names, bot.rules.durations finds the durations (in days), and bot.rules.dates
finds the dates, resolves them against the engine's clock and gives each a role
(notice, interview, received, sent, appointment, other). An all-numeric date
whose day and month could be swapped (4/6/2026) becomes an `ambiguous_date`
whose value lists both readings, US order first, so the assistant can ask which
one is meant.
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import spacy

from bot.rules import dates, durations, reference
from bot.rules.patterns import EMAIL

SECTION_221G = re.compile(r"\b(?:221|211)\s*(?:\(\s*g\s*\)|-?\s*g)(?![a-z])", re.I)
SECTION_214B = re.compile(r"\b214\s*(?:\(\s*b\s*\)|-?\s*b)(?![a-z])", re.I)
# INA 212(f), named as a section only: "does the travel ban affect my 221g?" must not turn a
# 221(g) case into one without a countdown.
SECTION_212F = re.compile(r"\b212\s*(?:\(\s*f\s*\)|-?\s*f)(?![a-z0-9])", re.I)
# The DV program year: "DV-2027", "DV2027", "DV 2027", "2027 lottery", "the 2027 green card lottery".
DV_YEAR = re.compile(
    r"\bdv\s*-?\s*(20\d\d)\b|\b(20\d\d)\s+(?:dv\s+|diversity\s+(?:visa\s+)?|green\s*card\s+)?lottery\b", re.I
)
SECTION_212A = re.compile(
    r"\b212\s*(?:\(\s*a\s*\)|-?\s*a)(?:\s*\(?\s*(\d{1,2})\s*\)?(?:\s*\(?\s*([a-h])\s*\)?(?![a-z]{2}))?"
    r"(?:\s*\(\s*(i{1,3}|iv|v)\s*\)|(?<=[a-h])(i{1,3}|iv|v)\b)?)?(?![a-z0-9])",
    re.I,
)
PHONE = re.compile(r"(?<![\w/.-])\+?\d[\d\s().-]{5,}\d(?![\w/])")
PERSON_NAME = re.compile(
    r"\b(?:my name is|my name's|name is|i am called|me llamo|mi nombre es)\s+"
    r"([^\W\d_](?:[^\W\d_]|['-])+(?:\s+(?!and\b|my\b|i\b|y\b|mi\b|soy\b|tengo\b)[^\W\d_](?:[^\W\d_]|['-])+){0,2})",
    re.I,
)


# Status words that describe something other than the visa case: "my passport expired",
# "petition approved", "I am ready". The word just before (or after) tells.
NOT_THE_CASE = {
    "expired": re.compile(
        r"\b(?:passport|petition|i-?\d{3}\w*|visa stamp|stamp|medical|police|certificate|ead|opt|card|"
        r"licen[cs]e|i-?94|fee|mrv|appointment)\W+(?:\w+\W+)?$",
        re.I,
    ),
    "expiring_soon": re.compile(
        r"\b(?:passport|petition|i-?\d{3}\w*|medical|card|licen[cs]e|ead|opt)\W+(?:\w+\W+)?$", re.I
    ),
    "approved": re.compile(
        r"\b(?:petition|i-?\d{3}\w*|uscis|ead|leave|loan|offer|waiver|pd|priority date)\W+(?:\w+\W+)?$", re.I
    ),
    # "my 221g was issued on 19 January", "a 221(g) issued at Nairobi": the paper, not the visa.
    "issued": re.compile(
        r"\b(?:221\s*\(?\s*g\s*\)?|letter|notice|slip|paper|form|sheet|worksheet|refusal|passport|"
        r"i-?20|ds-?2019)\W+(?:(?:was|were|got|been|is)\W+)?$",
        re.I,
    ),
    "ready": re.compile(r"\b(?:i am|i'm|im|we are|we're|are you|get|getting|documents?|docs|papers|all)\W+$", re.I),
}
READY_FOR = re.compile(r"^\W*(?:to|for)\b", re.I)


# "not refused but not approved either", "documents still not ready".
NEGATED = re.compile(r"\b(?:not|never|isn't|wasn't|didn't|no)\W+(?:\w+\W+)?$", re.I)
# "the approved I-129F", "approved petition": the petition, not the visa.
APPROVED_SOMETHING = re.compile(r"^\W*(?:i-?\d{3}\w*|petition|uscis|by uscis)\b", re.I)
# "was issued a 221(g)", "issued me a white slip": the verb, not the status.
ISSUED_SOMETHING = re.compile(r"^\W*(?:a|an|the|me|him|her|us|them|with|my|his|our|their)\b", re.I)
# "what is administrative processing?", "is AP the same as 221g", "how long does AP take":
# the process in general, not the status of their case.
THE_PROCESS_IN_GENERAL = re.compile(
    r"(?:^\W*(?:is|does|do)\W+|\b(?:what(?:'s| is| does)?|whats|wat(?: is)?|how long(?: does| do| will| is)?|hw long|"
    r"between|meaning of|about)\W+)(?:the\W+)?$",
    re.I,
)


def describes_the_case(text: str, status: str, start: int, end: int) -> bool:
    before = text[max(0, start - 40) : start]
    not_the_case = NOT_THE_CASE.get(status)
    if not_the_case and not_the_case.search(before):
        return False
    if NEGATED.search(before):
        return False
    if status == "issued" and ISSUED_SOMETHING.search(text[end : end + 8]):
        return False
    if status == "approved" and APPROVED_SOMETHING.search(text[end : end + 12]):
        return False
    if status == "administrative_processing" and THE_PROCESS_IN_GENERAL.search(text[max(0, start - 40) : start]):
        return False
    return not (status == "ready" and READY_FOR.search(text[end : end + 8]))


# "F1" is the student visa or the family first preference. Family words without student
# words make it the immigrant category, whose missed-deadline rules differ.
FAMILY_FIRST_PREFERENCE = re.compile(
    r"\b(?:i-?130|priority date|nvc|immigrant visa|immigration visa|green card|unmarried (?:son|daughter)s?|"
    r"first preference|family preference|(?:us|american|citizen) (?:father|mother|dad|mom|mum|parents?)|"
    r"(?:father|mother|dad|mom|mum|parents?) (?:is|are) (?:a )?(?:us |american )?citizens?|petitioned)\b",
    re.I,
)
STUDENT = re.compile(
    r"\b(?:student|i-?20|universit(?:y|ies)|college|sevis|admits?|admission|masters?|ms|mba|phd|"
    r"bachelors?|intake|semester|course|school|stem|opt)\b",
    re.I,
)


def visa_class(text: str, value: str, start: int, end: int) -> str:
    if value == "F-1" and re.fullmatch(r"f\W?1", text[start:end], re.I):
        if FAMILY_FIRST_PREFERENCE.search(text) and not STUDENT.search(text):
            return "F1"
    return value


@dataclass(frozen=True)
class Entity:
    entity: str
    value: object
    start: int
    end: int
    role: str | None = None


class EntityExtractor:
    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        # spaCy keeps the full stop on "H1B." (it looks like an abbreviation), so the visa
        # class at the end of a sentence was missed: split a final full stop off any word.
        suffixes = list(self.nlp.Defaults.suffixes) + [r"(?<=[0-9A-Za-z])\.$"]  # type: ignore[arg-type]
        self.nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search  # type: ignore[union-attr]
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = []
        for name, visa in reference.visa_types().items():
            patterns += [{"label": "visa_type", "pattern": n, "id": name} for n in visa.names]
        for status, names in reference.ceac_statuses().items():
            patterns += [{"label": "ceac_status", "pattern": n, "id": status} for n in names]
        for name, consulate in reference.consulates().items():
            patterns += [{"label": "consulate", "pattern": n, "id": name} for n in consulate.names]
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]

    def extract(self, text: str, today: dt.date) -> list[Entity]:
        found = list(self._regex_entities(text, today))
        taken = [(e.start, e.end) for e in found]
        for span in self.nlp(text).ents:
            if span.label_ == "ceac_status" and not describes_the_case(
                text, span.ent_id_, span.start_char, span.end_char
            ):
                continue
            if not any(span.start_char < end and start < span.end_char for start, end in taken):
                value = span.ent_id_
                if span.label_ == "visa_type":
                    value = visa_class(text, value, span.start_char, span.end_char)
                found.append(Entity(span.label_, value, span.start_char, span.end_char))
        return sorted(found, key=lambda e: e.start)

    def _regex_entities(self, text: str, today: dt.date) -> Iterator[Entity]:
        taken: list[tuple[int, int]] = []

        def free(match: re.Match[str]) -> bool:
            return not any(match.start() < end and start < match.end() for start, end in taken)

        def claim(match: re.Match[str], entity: str, value: object, role: str | None = None) -> Entity:
            taken.append((match.start(), match.end()))
            return Entity(entity, value, match.start(), match.end(), role)

        for match in EMAIL.finditer(text):
            yield claim(match, "email", match.group(0))
        for mention in dates.find_dates(text, today):
            taken.append((mention.start, mention.end))
            if mention.ambiguous:  # confirmed with the applicant before it is used
                yield Entity("ambiguous_date", mention.value, mention.start, mention.end)
            else:
                yield Entity("date", mention.value, mention.start, mention.end, mention.role)
        for duration in durations.find_durations(text, today, taken):
            taken.append((duration.start, duration.end))
            yield Entity("duration", duration.days, duration.start, duration.end)
        for match in SECTION_221G.finditer(text):
            yield claim(match, "refusal_section", "221g")
        for match in SECTION_214B.finditer(text):
            yield claim(match, "refusal_section", "214b")
        for match in SECTION_212A.finditer(text):
            paragraph, letter = match.group(1) or "", (match.group(2) or "").upper()
            roman = (match.group(3) or match.group(4) or "").lower()
            yield claim(match, "refusal_section", f"212a{paragraph}{letter}{roman}")
        for match in SECTION_212F.finditer(text):
            yield claim(match, "refusal_section", "212f")
        for match in DV_YEAR.finditer(text):
            if free(match):
                # The program's year and the visa class both: the span is claimed, so the ruler won't add "DV".
                yield claim(match, "dv_year", int(match.group(1) or match.group(2)))
                yield Entity("visa_type", "DV", match.start(), match.end())
        for match in PHONE.finditer(text):
            if free(match) and len(re.sub(r"\D", "", match.group(0))) >= 7:
                yield claim(match, "phone", match.group(0).strip())
        for match in PERSON_NAME.finditer(text):
            name = match.group(1)
            start = match.start(1)
            if not any(start < end and s < start + len(name) for s, end in taken):
                taken.append((start, start + len(name)))
                yield Entity("person_name", name.title(), start, start + len(name))
