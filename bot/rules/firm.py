"""The firm profile: firm.yml at the project root, overridden by FIRM_* environment variables."""

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.language.words import words
from bot.rules.names import WEEKDAY_NAMES
from bot.rules.yamlfile import DataFileError, load_yaml

DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "firm.yml"
FIELDS = (
    "name",
    "referral_text",
    "booking_url",
    "phone",
    "email",
    "office_hours",
    "disclaimer",
    "office_days",
    "office_open",
    "office_close",
    "office_timezone",
    "callback_within_hours",
    "retention_days",
)
# The fields an applicant reads as text, which firm.yml may give in other languages (`es:`).
TRANSLATED_FIELDS = ("referral_text", "office_hours", "disclaimer")
# The dashboard's roles (bot.backoffice.models.STAFF_ROLES takes them from here: the back office builds on the rules).
STAFF_ROLES = ("attorney", "staff")
WEEKDAYS = tuple(name[:3].lower() for name in WEEKDAY_NAMES)  # "mon" ... "sun", as firm.yml writes them


@dataclass(frozen=True)
class FirmProfile:
    name: str
    referral_text: str
    booking_url: str
    phone: str
    email: str
    office_hours: str
    disclaimer: str
    office_days: tuple[int, ...]  # 0 = Monday
    office_open: dt.time
    office_close: dt.time
    office_timezone: str
    callback_within_hours: int
    retention_days: int
    # Answers only from knowledge entries an attorney signed off (actions/attorney_review.py).
    require_attorney_review: bool = False
    # The language a conversation opens in when its channel gives no hint (firm.yml's `language`).
    language: str = DEFAULT_LANGUAGE
    # The texts applicants read in other languages: {"es": {"referral_text": ..., ...}} (firm.yml's `es:`).
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict)
    # Live chat (issue 26): how long a request for a person waits before the callback is offered
    # instead, how long a silent holder keeps a conversation, and which dashboard roles take over.
    handoff_wait_minutes: int = 3
    handoff_idle_minutes: int = 10
    handoff_roles: tuple[str, ...] = ("attorney", "staff")

    def text(self, name: str, language: str = DEFAULT_LANGUAGE) -> str:
        """One of TRANSLATED_FIELDS in `language`, or in English where the firm gave none."""
        return self.translations.get(language, {}).get(name) or str(getattr(self, name))

    @property
    def contact_line(self) -> str:
        return self.contact_line_in(DEFAULT_LANGUAGE)

    def contact_line_in(self, language: str) -> str:
        return words(language).contact_line.format(
            booking_url=self.booking_url,
            phone=self.phone,
            email=self.email,
            office_hours=self.text("office_hours", language),
        )

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """None while the office is open; otherwise when it next opens (in the office's time zone)."""
        local = now.astimezone(ZoneInfo(self.office_timezone))
        for days_ahead in range(0, 8):
            day = local.date() + dt.timedelta(days=days_ahead)
            if day.weekday() not in self.office_days:
                continue
            opens = dt.datetime.combine(day, self.office_open, tzinfo=local.tzinfo)
            closes = dt.datetime.combine(day, self.office_close, tzinfo=local.tzinfo)
            if days_ahead == 0 and opens <= local < closes:
                return None
            if opens > local:
                return opens
        raise ValueError("the firm profile has no office days")

    @staticmethod
    def describe_opening(opening: dt.datetime, language: str = DEFAULT_LANGUAGE) -> str:
        table = words(language)
        return table.opening.format(
            weekday=table.weekdays[opening.weekday()], time=f"{opening:%H:%M}", zone=opening.tzinfo
        )


def _parse_time(path: Path, field: str, value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise DataFileError(f"{path}: field '{field}' must be a time such as 09:00") from None


def _positive(path: Path, field: str, value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise DataFileError(f"{path}: field '{field}' must be a whole number greater than 0")
    return int(value)


def _yes_or_no(path: Path, field: str, value: object) -> bool:
    if isinstance(value, bool):  # YAML reads an unquoted yes/no/true/false as a boolean
        return value
    word = str(value).strip().lower()
    if word not in ("yes", "no", "true", "false"):
        raise DataFileError(f"{path}: field '{field}' must be yes or no (or true or false), not {value!r}")
    return word in ("yes", "true")


def load_firm(environ: Mapping[str, str] = os.environ) -> FirmProfile:
    path = Path(environ.get("FIRM_PROFILE") or DEFAULT_PROFILE)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected the fields {', '.join(FIELDS)}")
    values: dict[str, Any] = {}  # text at first; some fields are then converted to their types
    for field in FIELDS:
        value = environ.get(f"FIRM_{field.upper()}") or data.get(field)
        if not isinstance(value, (str, int)) or not str(value).strip():
            raise DataFileError(f"{path}: field '{field}' is missing or empty (or set FIRM_{field.upper()})")
        values[field] = " ".join(str(value).split())
    if not values["booking_url"].startswith(("https://", "http://")):
        raise DataFileError(f"{path}: field 'booking_url' must start with http:// or https://")
    if "@" not in values["email"]:
        raise DataFileError(f"{path}: field 'email' is not an email address")
    days = values["office_days"].lower().split()
    if not days or any(day not in WEEKDAYS for day in days):
        raise DataFileError(f"{path}: field 'office_days' must list days among {' '.join(WEEKDAYS)}")
    try:
        ZoneInfo(values["office_timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise DataFileError(f"{path}: field 'office_timezone' is not a time zone such as America/New_York") from None
    values["office_days"] = tuple(WEEKDAYS.index(day) for day in days)
    values["office_open"] = _parse_time(path, "office_open", values["office_open"])
    values["office_close"] = _parse_time(path, "office_close", values["office_close"])
    if values["office_open"] >= values["office_close"]:
        raise DataFileError(f"{path}: 'office_open' must be before 'office_close'")
    values["callback_within_hours"] = _positive(path, "callback_within_hours", values["callback_within_hours"])
    values["retention_days"] = _positive(path, "retention_days", values["retention_days"])
    # Optional, off unless the firm turns it on.
    review = environ.get("FIRM_REQUIRE_ATTORNEY_REVIEW") or data.get("require_attorney_review")
    values["require_attorney_review"] = review is not None and _yes_or_no(path, "require_attorney_review", review)
    values["translations"] = _translations(path, data, environ)
    language = str(environ.get("FIRM_LANGUAGE") or data.get("language") or DEFAULT_LANGUAGE).strip().lower()
    if language not in LANGUAGES:
        raise DataFileError(f"{path}: field 'language' must be one of {', '.join(LANGUAGES)} (or set FIRM_LANGUAGE)")
    values["language"] = language
    for field, default in (("handoff_wait_minutes", 3), ("handoff_idle_minutes", 10)):
        given = environ.get(f"FIRM_{field.upper()}") or data.get(field)
        values[field] = default if given is None else _positive(path, field, " ".join(str(given).split()))
    roles = str(environ.get("FIRM_HANDOFF_ROLES") or data.get("handoff_roles") or "attorney staff").lower().split()
    if not roles or set(roles) - set(STAFF_ROLES):
        raise DataFileError(f"{path}: field 'handoff_roles' must list roles among {' '.join(STAFF_ROLES)}")
    values["handoff_roles"] = tuple(roles)
    return FirmProfile(**values)


def _translations(path: Path, data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """firm.yml's `es:` (and other languages'): the texts applicants read, each overridable by
    FIRM_ES_<FIELD>. A text the firm did not give is shown in English."""
    found: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        given = data.get(language) or {}
        if not isinstance(given, dict) or set(given) - set(TRANSLATED_FIELDS):
            raise DataFileError(f"{path}: '{language}:' may hold only {', '.join(TRANSLATED_FIELDS)}")
        texts = {}
        for name in TRANSLATED_FIELDS:
            value = environ.get(f"FIRM_{language.upper()}_{name.upper()}") or given.get(name)
            if value is not None and str(value).strip():
                texts[name] = " ".join(str(value).split())
        found[language] = texts
    return found
