"""The words the engine puts into answers, per language: dates ("10 March 2027", "10 de
marzo de 2027"), how long someone has waited ("about 8 weeks", "unas 8 semanas"), lists
("A and B", "A y B"). Each language's table is bot/language/<code>/words.yml."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.language import DEFAULT_LANGUAGE, FOLDER, LANGUAGES
from bot.rules.yamlfile import DataFileError, load_yaml

FIELDS = ("months", "weekdays", "date", "and", "wait", "contact_line", "opening")
WAIT_FIELDS = (
    "less_than_a_day", "day", "days", "weeks", "about_weeks", "about_months", "about_years", "about_years_and_a_half",
)  # fmt: skip


@dataclass(frozen=True)
class Words:
    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    date_format: str
    and_word: str
    wait_phrases: dict[str, str]
    contact_line: str  # {booking_url}, {phone}, {email}, {office_hours}
    opening: str  # {weekday}, {time}, {zone}

    def date(self, value: dt.date) -> str:
        """Day, month name, year: unambiguous in every country."""
        return self.date_format.format(day=value.day, month=self.months[value.month - 1], year=value.year)

    def wait(self, days: int) -> str:
        """How long someone has waited, as they would say it: days under two weeks, weeks under
        60 days (the figure the answers compare with), then months, then years ("about" where rounded)."""
        phrases = self.wait_phrases
        if days < 1:
            return phrases["less_than_a_day"]
        if days < 14:
            return phrases["day" if days == 1 else "days"].format(n=days)
        if days < 60:
            return phrases["weeks" if days % 7 == 0 else "about_weeks"].format(n=round(days / 7))
        if days < 730:
            return phrases["about_months"].format(n=round(days / 30.44))
        halves = round(days / 182.62)  # years to the nearest half
        return phrases["about_years_and_a_half" if halves % 2 else "about_years"].format(n=halves // 2)

    def join(self, items: Sequence[str]) -> str:
        """ "A and B", "A, B and C"."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.and_word} {items[-1]}"


@lru_cache(maxsize=len(LANGUAGES))
def words(language: str = DEFAULT_LANGUAGE) -> Words:
    """The language's table; an unknown language is English's."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    path = FOLDER / language / "words.yml"
    data: Any = load_yaml(path)
    if not isinstance(data, dict) or any(field not in data for field in FIELDS):
        raise DataFileError(f"{path}: expected {', '.join(FIELDS)}")
    if len(data["months"]) != 12 or len(data["weekdays"]) != 7:
        raise DataFileError(f"{path}: expected 12 months and 7 weekdays")
    missing = [field for field in WAIT_FIELDS if field not in data["wait"]]
    if missing:
        raise DataFileError(f"{path}: wait: missing {', '.join(missing)}")
    return Words(
        tuple(data["months"]),
        tuple(data["weekdays"]),
        data["date"],
        data["and"],
        dict(data["wait"]),
        data["contact_line"],
        data["opening"],
    )
