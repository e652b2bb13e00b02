"""The words the engine puts into answers, per language: dates ("10 March 2027", "10 de
marzo de 2027"), how long someone has waited ("about 8 weeks", "unas 8 semanas"), lists
("A and B", "A y B"), and why a date cannot be used ("el 31 de febrero de 2026 no existe").
Each language's table is bot/language/<code>/words.yml."""

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from bot.language import DEFAULT_LANGUAGE, FOLDER, LANGUAGES
from bot.rules.yamlfile import DataFileError, load_yaml

FIELDS = ("months", "weekdays", "date", "and", "wait", "contact_line", "opening", "date_problems")
WAIT_FIELDS = (
    "less_than_a_day", "day", "days", "weeks", "about_weeks", "about_months", "about_years", "about_years_and_a_half",
)  # fmt: skip


class DayMonthYear(Protocol):
    """A datetime.date, or a day as written that may not exist (bot.rules.deadline.WrittenDate)."""

    @property
    def day(self) -> int: ...
    @property
    def month(self) -> int: ...
    @property
    def year(self) -> int: ...


@dataclass(frozen=True)
class Words:
    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    date_format: str
    and_word: str
    wait_phrases: dict[str, str]
    contact_line: str  # {booking_url}, {phone}, {email}, {office_hours}
    opening: str  # {weekday}, {time}, {zone}
    # Why the engine refuses a date, by the code of its bot.rules.deadline.DateError.
    date_problems: dict[str, str]

    def date(self, value: DayMonthYear) -> str:
        """Day, month name, year: unambiguous in every country. Also a day that does not exist
        ("31 February 2026"), to tell the applicant so."""
        return self.date_format.format(day=value.day, month=self.months[value.month - 1], year=value.year)

    def date_problem(self, code: str, **values: object) -> str:
        """Why a date cannot be used, with its values filled in (dates already in this language's words)."""
        return self.date_problems[code].format(**values)

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
    # Every language gives each reason the English table gives, with the same placeholders.
    english = None if language == DEFAULT_LANGUAGE else words(DEFAULT_LANGUAGE).date_problems
    check_date_problems(path, data["date_problems"], english)
    return Words(
        tuple(data["months"]),
        tuple(data["weekdays"]),
        data["date"],
        data["and"],
        dict(data["wait"]),
        data["contact_line"],
        data["opening"],
        dict(data["date_problems"]),
    )


def placeholders(text: str) -> set[str]:
    """The {names} a text is filled with."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check_date_problems(path: Path, table: Any, english: Mapping[str, str] | None) -> None:
    """A `date_problems:` table is a text per reason code; a translation (`english` given) has
    every code of the English table and no other, each with the English text's placeholders."""
    if (
        not isinstance(table, dict)
        or not table
        or not all(isinstance(code, str) and isinstance(text, str) and text for code, text in table.items())
    ):
        raise DataFileError(f"{path}: date_problems: expected a text for each reason code")
    if english is None:
        return
    missing, extra = sorted(set(english) - set(table)), sorted(set(table) - set(english))
    if missing or extra:
        raise DataFileError(f"{path}: date_problems: missing {missing}, not in English {extra}")
    for code, text in table.items():
        if placeholders(text) != placeholders(english[code]):
            raise DataFileError(
                f"{path}: date_problems: {code}: placeholders {sorted(placeholders(text))}, "
                f"English has {sorted(placeholders(english[code]))}"
            )
