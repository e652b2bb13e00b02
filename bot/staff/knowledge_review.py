"""Each knowledge-base entry's attorney sign-off in each language, and when its sources are next
due for a check.

An entry is signed off in a language while its latest sign-off in that language
(bot/backoffice/signoffs.py) is for its current content hash there; one changed since counts
as not reviewed, and so does a translation out of date (the English changed since it was
written). An entry without a translation in a language is shown in English there, so its
English sign-off is what counts for that language's conversations. Its sources are due for a
check `review_every_days` after its `sources_checked` date. Entries overdue or due within
DUE_SOON_DAYS come first (most overdue first), then the rest by due date.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.backoffice.signoffs import SignOff, counts_as_current
from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.rules.knowledge import Entry, KnowledgeBase, Source

REVIEW_EVERY_DAYS = 180
DUE_SOON_DAYS = 30
OVERDUE, DUE_SOON, OK = "overdue", "due soon", "ok"
SIGNED_OFF, NOT_REVIEWED, CHANGED = "signed off", "not reviewed", "changed since sign-off"
# Only for a language other than English:
OUT_OF_DATE = "translation out of date"  # the English changed since the translation was written
NO_TRANSLATION = "no translation"  # the English is shown in that language's conversations


@dataclass(frozen=True)
class LanguageSignoff:
    language: str
    state: str  # SIGNED_OFF, NOT_REVIEWED, CHANGED, OUT_OF_DATE or NO_TRANSLATION
    last: SignOff | None  # who signed which version of this language's text when


@dataclass(frozen=True)
class ReviewRow:
    entry_id: str
    text: str
    sources: tuple[Source, ...]  # each with its title, url and reliability
    file: str  # the knowledge file the entry is in
    sources_checked: dt.date
    due: dt.date
    days_left: int  # negative once overdue
    state: str  # OVERDUE, DUE_SOON or OK
    signoffs: tuple[LanguageSignoff, ...]  # one per language the assistant speaks, English first

    def signoff_in(self, language: str) -> LanguageSignoff:
        return next(found for found in self.signoffs if found.language == language)

    @property
    def signoff_state(self) -> str:
        """The English text's sign-off state."""
        return self.signoff_in(DEFAULT_LANGUAGE).state

    @property
    def last_signoff(self) -> SignOff | None:
        """The English text's latest sign-off."""
        return self.signoff_in(DEFAULT_LANGUAGE).last


def state_for(days_left: int) -> str:
    if days_left < 0:
        return OVERDUE
    return DUE_SOON if days_left <= DUE_SOON_DAYS else OK


def signoff_state(entry: Entry, last_signoff: SignOff | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The state of the entry's text in `language`, given its latest sign-off in that language."""
    if language != DEFAULT_LANGUAGE and entry.translation(language) is None:
        return NO_TRANSLATION
    if not counts_as_current(entry, language):
        return OUT_OF_DATE
    if last_signoff is None:
        return NOT_REVIEWED
    return SIGNED_OFF if last_signoff.content_hash == entry.content_hash_in(language) else CHANGED


def review_rows(
    today: dt.date,
    review_every_days: int = REVIEW_EVERY_DAYS,
    knowledge: KnowledgeBase | None = None,
    signoffs: Mapping[str, Mapping[str, SignOff]] | None = None,
) -> list[ReviewRow]:
    """Every entry with its due date and state and its sign-off state in each language (from
    `signoffs`: by language, the latest sign-off of each entry by entry id), soonest due (most
    overdue) first. Reads the knowledge base from bot/rules/knowledge/ unless one is given."""
    if knowledge is None:
        knowledge = KnowledgeBase.load()  # as the assistant loads it
    signoffs = signoffs or {}
    rows = []
    for entry in knowledge.entries.values():
        due = entry.sources_checked + dt.timedelta(days=review_every_days)
        days_left = (due - today).days
        states = []
        for language in LANGUAGES:
            last = signoffs.get(language, {}).get(entry.id)
            states.append(LanguageSignoff(language, signoff_state(entry, last, language), last))
        rows.append(
            ReviewRow(
                entry.id,
                entry.text,
                entry.sources,
                entry.file,
                entry.sources_checked,
                due,
                days_left,
                state_for(days_left),
                tuple(states),
            )
        )
    # Due date order puts overdue entries first (most overdue first), then those due soon, then the rest.
    return sorted(rows, key=lambda row: (row.due, row.entry_id))


def signed_counts(rows: list[ReviewRow]) -> dict[str, tuple[int, int]]:
    """By language: how many entries' texts in it are signed off for the text they have now, and
    of how many entries with a text of their own in it (every entry in English; its translations)."""
    counts = {}
    for language in LANGUAGES:
        states = [row.signoff_in(language).state for row in rows]
        counts[language] = (states.count(SIGNED_OFF), len(states) - states.count(NO_TRANSLATION))
    return counts


@dataclass(frozen=True)
class EntryText:
    """An entry's text in one language as its page shows it, with what an attorney would sign."""

    language: str
    text: str | None  # None: no text of its own in this language (its conversations read the English)
    short: str | None
    translated_from: str | None  # a translation's: the English version it was made from
    content_hash: str | None  # the version a sign-off in this language is of (None without a text)
    state: str  # as signoff_state
    last: SignOff | None  # the latest sign-off in this language


def entry_texts(entry: Entry, signoffs: Iterable[SignOff]) -> list[EntryText]:
    """The entry's text in each language the assistant speaks, English first, each with its
    sign-off state from `signoffs` (the entry's, newest first, in any language)."""
    signoffs = list(signoffs)
    texts = []
    for language in LANGUAGES:
        last = next((found for found in signoffs if found.language == language), None)
        state = signoff_state(entry, last, language)
        text: str | None
        if language == DEFAULT_LANGUAGE:
            text, short, translated_from = entry.text, entry.short, None
        else:
            found = entry.translation(language)
            text, short, translated_from = (
                (found.text, found.short, found.translated_from) if found else (None, None, None)
            )
        content_hash = entry.content_hash_in(language) if text is not None else None
        texts.append(EntryText(language, text, short, translated_from, content_hash, state, last))
    return texts
