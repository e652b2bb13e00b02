"""The firm profile: firm.yml at the project root, overridden by FIRM_* environment variables."""
import os
from dataclasses import dataclass
from pathlib import Path

from bot.yamlfile import DataFileError, load_yaml

DEFAULT_PROFILE = Path(__file__).resolve().parent.parent / "firm.yml"
FIELDS = ("name", "referral_text", "booking_url", "phone", "email", "office_hours", "disclaimer")


@dataclass(frozen=True)
class FirmProfile:
    name: str
    referral_text: str
    booking_url: str
    phone: str
    email: str
    office_hours: str
    disclaimer: str

    @property
    def contact_line(self) -> str:
        return f"Book a consultation: {self.booking_url} · Phone: {self.phone} · Email: {self.email} ({self.office_hours})"


def load_firm(environ=os.environ) -> FirmProfile:
    path = Path(environ.get("FIRM_PROFILE") or DEFAULT_PROFILE)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected the fields {', '.join(FIELDS)}")
    values = {}
    for field in FIELDS:
        value = environ.get(f"FIRM_{field.upper()}") or data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise DataFileError(f"{path}: field '{field}' is missing or empty (or set FIRM_{field.upper()})")
        values[field] = " ".join(value.split())
    if not values["booking_url"].startswith(("https://", "http://")):
        raise DataFileError(f"{path}: field 'booking_url' must start with http:// or https://")
    if "@" not in values["email"]:
        raise DataFileError(f"{path}: field 'email' is not an email address")
    return FirmProfile(**values)
