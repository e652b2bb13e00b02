"""Which language an applicant writes in, and which one the conversation continues in.

The detector (py3langid, whose model ships inside its package) is asked about English and
Spanish only. A message decides the language only when it says so outright ("en español",
"English please": detect.yml) or when it has enough words of its own to tell: "ok",
"gracias", "221g", an email address or a date keep the conversation's language, and so does
a message the detector is unsure of (Spanglish often is). The thresholds were chosen on the
dev sets (scripts/measure_language.py prints the figures).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.language import FOLDER, LANGUAGES
from bot.rules.yamlfile import load_mapping

# Enough to tell any language, and a bound on the work: the detector's time grows faster than
# a word's length (a 100,000-character word took 80 s), and a channel asks it about messages
# too long for the assistant, to refuse them in the right language.
READ_CHARS = 2000
# Fewer words of letters than this, and the message keeps the conversation's language.
MIN_WORDS = 2
# The detector's probability (over English and Spanish) a message needs to change it.
MIN_CONFIDENCE = 0.9

# Tokens that belong to no language: codes, numbers, dates, addresses, form names, visa classes.
NEUTRAL = re.compile(r"\S*\d\S*|\S+@\S+|https?://\S+|www\.\S+", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")
NEUTRAL_WORDS = {"ok", "okay", "ceac", "nvc", "uscis", "ap", "dhl", "visa", "ds", "ir", "cr", "dv", "ead"}


@dataclass(frozen=True)
class Detection:
    language: str | None  # None: the message does not tell
    confidence: float
    explicit: bool = False


def plain(text: str) -> str:
    """Lower case, without accents or punctuation: how switches are matched."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z]+", letters))


@lru_cache(maxsize=2)
def _phrases(kind: str) -> dict[str, str]:
    """detect.yml's `switches` (a request for a language) or `words` (a greeting that tells it)."""
    table = load_mapping(FOLDER / "detect.yml", kind)
    return {plain(phrase): language for language, phrases in table.items() for phrase in phrases}


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


# A request for a language is a short message: in a longer one, "in Spanish" is about something
# else ("do I need my birth certificate in Spanish or translated?").
SWITCH_MAX_WORDS = 8


def _switch(words: str) -> str | None:
    """The language a message asks for: a switch phrase as the whole message, or a phrase of
    two or more words inside a short one."""
    switches = _phrases("switches")
    if words in switches:
        return switches[words]
    if len(words.split()) > SWITCH_MAX_WORDS:
        return None
    padded = f" {words} "
    for phrase, language in switches.items():
        if " " in phrase and f" {phrase} " in padded:
            return language
    return None


def content_words(text: str) -> list[str]:
    return [word for word in WORD.findall(NEUTRAL.sub(" ", text)) if word.lower() not in NEUTRAL_WORDS]


def detect(text: str, identifier: Any = None) -> Detection:
    """What this one message says about its language (`identifier`: another detector with
    py3langid's classify(), for scripts/measure_language.py). Only its first READ_CHARS
    characters are read."""
    text = text[:READ_CHARS]
    switch = _switch(plain(text))
    if switch:
        return Detection(switch, 1.0, explicit=True)
    greeting = _phrases("words").get(plain(text))
    if greeting:
        return Detection(greeting, 1.0)
    words = content_words(text)
    if len(words) < MIN_WORDS:
        return Detection(None, 0.0)
    language, confidence = (identifier or _identifier()).classify(" ".join(words))
    # Function words are counted over every word, one-letter ones too ("a", "y", "i", "q").
    every_word = re.findall(r"[^\W\d_]+", text)
    if (
        confidence < MIN_CONFIDENCE
        or _function_words_disagree(every_word, str(language))
        or not _has_function_word(every_word, str(language))
    ):
        return Detection(None, float(confidence))
    return Detection(str(language), float(confidence))


@lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    table = load_mapping(FOLDER / "detect.yml", "function_words")
    return {language: frozenset(plain(words).split()) for language, words in table.items()}


def _has_function_word(words: list[str], language: str) -> bool:
    """Whether one of the message's words is a function word or greeting of `language`. Without
    one, the detector's guess rests on names and codes ("hello bot" came out Spanish, and so did
    Nepali and Vietnamese written in Latin letters): the conversation keeps its language."""
    table = _function_words().get(language, frozenset())
    return any(plain(word) in table for word in words)


def _function_words_disagree(words: list[str], language: str) -> bool:
    """Whether the message's function words clearly belong to another language than `language`."""
    counts = {name: sum(plain(word) in table for word in words) for name, table in _function_words().items()}
    others = max((count for name, count in counts.items() if name != language), default=0)
    return others >= 2 and others > 2 * counts.get(language, 0)
