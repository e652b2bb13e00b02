"""The legal knowledge base: YAML files in bot/rules/knowledge/ that attorneys edit.

sources.yml names every source once; each other file holds `entries:`, each with
`id`, `text`, `sources` (ids from sources.yml) and `sources_checked` (the date
someone last checked the text against its sources: not an attorney's sign-off, which
lives in the firm's database), and, for an entry that can open an answer, `short`: the same
point in at most SHORT_MAX_WORDS plain words, shown first while `text` waits one tap
away. Loading validates everything and stops with an
error naming the file, the entry and the field, so a broken file never reaches
an applicant.

Each entry may carry its text in another language beside the English, under the
language's code (`es:` with `text`, `short` where the English has one, and
`translated_from`: the English text's `english_hash` when the translation was written).
When the English changes, the hash no longer matches and the translation is out of date
(tests/rules/test_knowledge_translations.py fails until a translator renews it).
"""

import datetime as dt
import hashlib
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.language import LANGUAGES
from bot.rules.yamlfile import DataFileError, load_mapping, load_yaml

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
ENTRY_FIELDS = ("id", "text", "sources", "sources_checked")
OPTIONAL_ENTRY_FIELDS = ("short",)
# Languages an entry may be translated into (English is the entries' own text).
TRANSLATION_LANGUAGES = ("es",)
TRANSLATION_FIELDS = ("text", "short", "translated_from")
# The first bubble of an answer is read on a phone, often in a second language.
SHORT_MAX_WORDS = 50
SOURCE_FIELDS = ("title", "url", "reliability")
RELIABILITIES = ("official", "regulation", "law_firm", "news", "forum", "data")
# The only values the engine fills into an entry's text.
PLACEHOLDERS = {
    "deadline",
    "days_left",
    "days_overdue",
    "notice_date",
    "days",
    "waited",  # "about 8 weeks": the days as the applicant would say them (advice.format_wait)
    "consulate",
    "inquiry_days",
    "dv_year",
    "dv_prior_year",
}
ENTRY_ID = re.compile(r"^[a-z0-9_]+$")
ENGLISH_HASH = re.compile(r"^[0-9a-f]{12}$")


class KnowledgeBaseError(DataFileError):
    pass


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    reliability: str
    language: str = "en"  # the page's own language (`language:` in sources.yml; English unless it says)


@dataclass(frozen=True)
class Translation:
    text: str
    short: str | None
    translated_from: str  # the English's english_hash when this was written


@dataclass(frozen=True)
class Entry:
    id: str
    text: str
    sources: tuple[Source, ...]
    sources_checked: dt.date
    file: str
    short: str | None = None
    translations: tuple[tuple[str, Translation], ...] = ()

    def translation(self, language: str) -> Translation | None:
        return dict(self.translations).get(language)

    def _texts(self, language: str) -> tuple[str, str | None]:
        found = self.translation(language) if language != "en" else None
        return (found.text, found.short) if found else (self.text, self.short)

    def render(self, language: str = "en", /, **values: object) -> str:
        """The text in `language`, or in English where there is no translation."""
        text, _ = self._texts(language)
        return text.format_map(values) if values else text

    def render_short(self, language: str = "en", /, **values: object) -> str:
        """The short version where there is one, else the whole text (in `language`, as render)."""
        text, short = self._texts(language)
        text = short or text
        return text.format_map(values) if values else text

    @property
    def english_hash(self) -> str:
        """What a translation was made from: the English text and short version (12 hex digits).
        Sources and line wrapping do not count; a changed word does."""
        canonical = json.dumps({"text": self.text, "short": self.short}, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    def translation_is_current(self, language: str) -> bool:
        found = self.translation(language)
        return found is not None and found.translated_from == self.english_hash

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of what an attorney signs off: the id, text, short version and source ids,
        as canonical JSON (the same serialisation as bot.backoffice.signoffs.signed_text). Any change
        to them changes the hash, so an old sign-off no longer covers the entry; re-wrapping lines
        in the YAML does not (the text is stored with its spaces normalised)."""
        return self.content_hash_in("en")

    def shown_language(self, language: str) -> str:
        """The language of the text a conversation in `language` is shown: the translation's where
        the entry has one, else English (as render does)."""
        return language if language != "en" and self.translation(language) else "en"

    def signed_json(self, language: str = "en") -> str:
        """What an attorney signs off in `language`, as canonical JSON (what the hash is of, and what
        bot.backoffice.signoffs stores with a sign-off). English: the id, text, short version and
        source ids. Another language: the id, the language, its text and short version, the source
        ids and `translated_from`, so a sign-off is of that translation of that English version: a
        changed translation, or one renewed from a changed English, needs a new sign-off.
        ValueError where the entry has no text in `language`."""
        sources = [s.id for s in self.sources]
        content: dict[str, object]
        if language == "en":
            content = {"id": self.id, "text": self.text, "short": self.short, "sources": sources}
        else:
            found = self.translation(language)
            if found is None:
                raise ValueError(f"knowledge entry '{self.id}' has no text in '{language}'")
            content = {
                "id": self.id,
                "language": language,
                "text": found.text,
                "short": found.short,
                "sources": sources,
                "translated_from": found.translated_from,
            }
        return json.dumps(content, ensure_ascii=False, sort_keys=True, indent=2)

    def content_hash_in(self, language: str) -> str:
        """SHA-256 (hex) of signed_json(language)."""
        return hashlib.sha256(self.signed_json(language).encode("utf-8")).hexdigest()


def _fail(path: Path, where: str, message: str) -> None:
    raise KnowledgeBaseError(f"{path.name}: {where}: {message}")


def _load_sources(path: Path) -> dict[str, Source]:
    sources = {}
    for source_id, spec in load_mapping(path, "sources").items():
        where = f"source '{source_id}'"
        if not isinstance(spec, dict):
            _fail(path, where, "expected title, url and reliability")
        for field in SOURCE_FIELDS:
            if not isinstance(spec.get(field), str) or not spec[field].strip():
                _fail(path, where, f"field '{field}' is missing or empty")
        if not spec["url"].startswith(("https://", "http://")):
            _fail(path, where, "field 'url' must start with http:// or https://")
        if spec["reliability"] not in RELIABILITIES:
            _fail(path, where, f"field 'reliability' must be one of {', '.join(RELIABILITIES)}")
        language = spec.get("language", "en")
        if language not in LANGUAGES:
            _fail(path, where, f"field 'language' must be one of {', '.join(LANGUAGES)}")
        sources[source_id] = Source(
            source_id, spec["title"].strip(), spec["url"].strip(), spec["reliability"], language
        )
    return sources


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _load_entry(path: Path, index: int, raw: Any, sources: dict[str, Source], today: dt.date) -> Entry:
    if not isinstance(raw, dict):
        _fail(path, f"entry #{index + 1}", "expected a mapping with id, text, sources and sources_checked")
    where = f"entry '{raw.get('id', f'#{index + 1}')}'"
    for field in ENTRY_FIELDS:
        if raw.get(field) in (None, "", []):
            _fail(path, where, f"field '{field}' is missing or empty")
    unknown = sorted(set(raw) - set(ENTRY_FIELDS) - set(OPTIONAL_ENTRY_FIELDS) - set(TRANSLATION_LANGUAGES))
    if unknown:
        allowed = ", ".join(ENTRY_FIELDS + OPTIONAL_ENTRY_FIELDS + TRANSLATION_LANGUAGES)
        _fail(path, where, f"unknown field '{unknown[0]}' (allowed: {allowed})")
    if not isinstance(raw["id"], str) or not ENTRY_ID.match(raw["id"]):
        _fail(path, where, "field 'id' must be lowercase letters, digits and underscores")
    if not isinstance(raw["text"], str):
        _fail(path, where, "field 'text' must be text")
    try:
        bad = _placeholders(raw["text"]) - PLACEHOLDERS
    except ValueError as error:
        _fail(path, where, f"field 'text' has a broken {{placeholder}}: {error}")
    if bad:
        _fail(path, where, f"field 'text' uses unknown placeholder {{{sorted(bad)[0]}}}")
    short = raw.get("short")
    if short is not None:
        if not isinstance(short, str) or not short.strip():
            _fail(path, where, "field 'short' must be text")
        try:
            extra = _placeholders(short) - _placeholders(raw["text"])
        except ValueError as error:
            _fail(path, where, f"field 'short' has a broken {{placeholder}}: {error}")
        if extra:
            _fail(path, where, f"field 'short' uses {{{sorted(extra)[0]}}}, which field 'text' does not")
        if len(short.split()) > SHORT_MAX_WORDS:
            _fail(path, where, f"field 'short' has {len(short.split())} words (at most {SHORT_MAX_WORDS})")
    if not isinstance(raw["sources"], list):
        _fail(path, where, "field 'sources' must be a list of source ids")
    for source_id in raw["sources"]:
        if source_id not in sources:
            _fail(path, where, f"field 'sources' names unknown source '{source_id}' (not in sources.yml)")
    checked = raw["sources_checked"]
    if not isinstance(checked, dt.date) or isinstance(checked, dt.datetime):
        _fail(path, where, "field 'sources_checked' must be a date (YYYY-MM-DD)")
    if checked > today:
        _fail(path, where, f"field 'sources_checked' is in the future ({checked.isoformat()})")
    translations = tuple(
        (language, _load_translation(path, f"{where}: '{language}'", raw[language], raw["text"], short))
        for language in TRANSLATION_LANGUAGES
        if language in raw
    )
    return Entry(
        raw["id"],
        " ".join(raw["text"].split()),
        tuple(sources[s] for s in raw["sources"]),
        checked,
        path.name,
        " ".join(short.split()) if short else None,
        translations,
    )


def _load_translation(path: Path, where: str, raw: Any, english_text: str, english_short: str | None) -> Translation:
    """A translation fills the same placeholders as the English (a dropped {deadline} would
    drop the date), and has a short version exactly where the English has one."""
    if not isinstance(raw, dict):
        _fail(path, where, "expected text, short (where the English has one) and translated_from")
    unknown = sorted(set(raw) - set(TRANSLATION_FIELDS))
    if unknown:
        _fail(path, where, f"unknown field '{unknown[0]}' (allowed: {', '.join(TRANSLATION_FIELDS)})")
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        _fail(path, where, "field 'text' is missing or empty")
    if raw.get("translated_from") in (None, ""):
        _fail(path, where, "field 'translated_from' is missing or empty")
    # Quoted: YAML reads an unquoted 864255516202 as a number (and 1234e56... as a float).
    if not isinstance(raw["translated_from"], str) or not ENGLISH_HASH.match(raw["translated_from"]):
        _fail(path, where, "field 'translated_from' must be the English's english_hash in quotes (12 hex digits)")
    if (english_short is None) != (raw.get("short") is None):
        _fail(path, where, "field 'short' must be given exactly where the English has one")
    for field, english in (("text", english_text), ("short", english_short)):
        if english is None:
            continue
        if not isinstance(raw.get(field), str):
            _fail(path, where, f"field '{field}' must be text")
        try:
            translated = _placeholders(raw[field])
        except ValueError as error:
            _fail(path, where, f"field '{field}' has a broken {{placeholder}}: {error}")
        if translated != _placeholders(english):
            missing = sorted(_placeholders(english) ^ translated)
            _fail(path, where, f"field '{field}' must use the English's placeholders (differs in {{{missing[0]}}})")
    short = raw.get("short")
    if short is not None and len(short.split()) > SHORT_MAX_WORDS:
        _fail(path, where, f"field 'short' has {len(short.split())} words (at most {SHORT_MAX_WORDS})")
    return Translation(
        " ".join(raw["text"].split()),
        " ".join(short.split()) if short else None,
        raw["translated_from"],
    )


class KnowledgeBase:
    def __init__(self, entries: dict[str, Entry], sources: dict[str, Source]) -> None:
        self.entries = entries
        self.sources = sources

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR, today: dt.date | None = None) -> "KnowledgeBase":
        today = today or dt.date.today()
        sources = _load_sources(directory / "sources.yml")
        entries: dict[str, Entry] = {}
        files = sorted(p for p in directory.glob("*.yml") if p.name != "sources.yml")
        if not files:
            raise KnowledgeBaseError(f"{directory}: no knowledge files (*.yml) found")
        for path in files:
            data = load_yaml(path)
            if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
                _fail(path, "top level", "expected 'entries:' followed by a list")
            for index, raw in enumerate(data["entries"]):
                entry = _load_entry(path, index, raw, sources, today)
                if entry.id in entries:
                    _fail(path, f"entry '{entry.id}'", f"field 'id' is also used in {entries[entry.id].file}")
                entries[entry.id] = entry
        return cls(entries, sources)

    def entry(self, entry_id: str) -> Entry:
        try:
            return self.entries[entry_id]
        except KeyError:
            raise KnowledgeBaseError(f"knowledge base has no entry '{entry_id}'") from None

    def source(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            raise KnowledgeBaseError(f"sources.yml has no source '{source_id}'") from None
