"""What counts as an answer to each intake question: each function takes the applicant's
text (and what the NLU already extracted from it) and returns the clean value to store,
or None when the question should be asked again. No Rasa here: actions/forms.py asks.
"""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from bot.rules.deadline import DateError, check_not_future, parse_iso
from bot.rules.patterns import EMAIL
from bot.rules.reference import consulates, visa_types

# Answers that mean "I'd rather not" or "I don't know": accepted for optional questions,
# for dates, and for any question after two failed tries.
SKIP_WORDS = {
    "skip",
    "skip it",
    "skip this",
    "pass",
    "next",
    "n/a",
    "na",
    "none",
    "no phone",
    "dont know",
    "don't know",
    "i don't know",
    "i dont know",
    "not sure",
    "no idea",
    "unknown",
    "no notice",
    "no",
    "no thanks",
    "nope",
    # Spanish
    "omitir",
    "saltar",
    "paso",
    "siguiente",
    "no se",
    "no sé",
    "no lo se",
    "no lo sé",
    "no estoy seguro",
    "no estoy segura",
    "ni idea",
    "desconocido",
    "ninguno",
    "ninguna",
    "no aplica",
    "no tengo",
    "no tengo telefono",
    "no tengo teléfono",
    "no gracias",
    "no, gracias",
    "prefiero no decir",
    "prefiero no decirlo",
}
# What the notice asks for, by the words applicants use for it.
NOTICE_REQUESTS = {
    "documents": (
        *("document", "paper", "certificate", "letter", "evidence", "i-864", "sponsor", "tax"),
        *("documento", "papel", "acta", "certificado", "carta", "evidencia", "patrocinador", "impuesto", "constancia"),
    ),
    "administrative_processing": (
        *("administrative", "admin", "processing", "ap", "clearance", "security"),
        *("administrativo", "procesamiento", "verificación", "verificacion", "seguridad"),
    ),
    "petition_returned": (
        *("petition", "uscis", "returned", "sent back", "revocation"),
        *("petición", "peticion", "devuelta", "devuelto", "regresada", "revocación", "revocacion"),
    ),
    "unknown": ("know", "not sure", "unsure", "no idea", "no sé", "no se", "no estoy seguro", "ni idea"),
}
PHONE_ALLOWED = re.compile(r"^\+?[\d\s().-]{7,25}$")
NAME_WORD = re.compile(r"^[^\W\d_][\w'.-]*$")
PLACE_NAME = re.compile(r"^[^\W\d_][\w .'-]{1,60}$")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_text(value: Any) -> str:
    """The answer with its whitespace collapsed."""
    return " ".join(str(value or "").split())


def wants_to_skip(text: str) -> bool:
    return text.lower().strip(" .!") in SKIP_WORDS


def person_name(text: str) -> str | None:
    words = text.split()
    return text if 1 <= len(words) <= 6 and all(NAME_WORD.match(word) for word in words) else None


def email(text: str) -> str | None:
    found = EMAIL.search(text)
    return found.group(0) if found else None


def phone(text: str) -> str | None:
    digits = re.sub(r"\D", "", text)
    return text if PHONE_ALLOWED.match(text) and 7 <= len(digits) <= 15 else None


def contact(text: str) -> str | None:
    """An email address, else a phone number."""
    return email(text) or phone(text)


def visa_type(text: str, extracted: Sequence[str] = ()) -> str | None:
    """A visa class by its name or a known spelling ("h1b"), "other", or what the NLU found."""
    lowered = text.lower()
    if lowered in ("other", "another", "something else", "otro", "otra", "otra visa", "otro tipo"):
        return "other"
    for name, visa in visa_types().items():
        if lowered == name.lower() or lowered in visa.names:
            return name
    return extracted[0] if extracted else None


def consulate(text: str, extracted: Sequence[str] = ()) -> str | None:
    """A known post (as the NLU normalised it: "bombay" is Mumbai), or a short place name as typed."""
    if extracted:
        return extracted[0]
    if text in consulates():
        return text
    return text if PLACE_NAME.match(text) and len(text.split()) <= 4 else None


def notice_request(text: str) -> str | None:
    lowered = text.lower()
    if lowered in NOTICE_REQUESTS:
        return lowered
    for request, words in NOTICE_REQUESTS.items():
        # Whole words (plurals allowed): "ap" must not match "apply" or "approved".
        if any(re.search(rf"\b{re.escape(word)}(?:s|es)?\b", lowered) for word in words):
            return request
    return None


def yes_or_no(text: str) -> str | None:
    lowered = text.lower().strip(" .!")
    if lowered in ("yes", "y", "yeah", "yep", "true", "sí", "si", "claro", "de acuerdo", "acepto"):
        return "yes"
    if lowered in ("no", "n", "nope", "false"):
        return "no"
    return None


def petitioner_name(text: str) -> str | None:
    """A person's or a company's name: anything with a letter in it."""
    return text if re.search(r"[^\W\d_]", text) else None


def case_description(text: str) -> str | None:
    return text or None


def past_date(text: str, extracted: Sequence[str], today: dt.date, kind: str) -> tuple[str | None, DateError | None]:
    """(the ISO date, None), or (None, why to ask again) for the `kind` ("interview", "notice")
    date: the DateError, which the form tells in the conversation's language (its `reason`).
    `extracted` holds the NLU's dates ("2026-04-06|2026-06-04" when a date can be read two
    ways, "~2026-06-12" for an estimate); an ISO text is already resolved (a button's payload)."""
    candidates = [text] if ISO_DATE.fullmatch(text) else list(extracted)
    if not candidates:
        return None, DateError("no_date")
    if "|" in str(candidates[0]):
        return None, DateError("ambiguous_date")
    try:
        check_not_future(parse_iso(candidates[0]), today, kind)
    except DateError as error:
        return None, error
    return candidates[0], None
