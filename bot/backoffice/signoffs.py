"""Attorneys' sign-offs of knowledge-base entries, in the firm's database.

A sign-off is of one version of an entry in one language: its content hash in that language
(bot.rules.knowledge.Entry.content_hash_in) and the exact text that hash is of. English is
the entry's own text, short version and sources; another language is its translation of them
together with the English version it was translated from (`translated_from`). An entry counts
as signed off in a language only while its latest sign-off in that language is for its
current hash there: change its text, short version or sources (or, for a translation, the
translation or the English it was made from) and it is not reviewed again until an attorney
signs the new version. A translation out of date (the English changed since it was written)
counts as not reviewed whatever was signed. Sign-offs are kept for good, as the firm's record
of what its attorneys stood behind and when.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import AuditEvent, KnowledgeSignoff, as_utc, utcnow
from bot.language import DEFAULT_LANGUAGE, LANGUAGES, english_name
from bot.rules.knowledge import Entry


@dataclass(frozen=True)
class SignOff:
    entry_id: str
    content_hash: str
    signed_text: str
    signed_by: str
    signed_at: dt.datetime  # UTC
    language: str = DEFAULT_LANGUAGE  # the language of the text signed


def signed_text(entry: Entry, language: str = DEFAULT_LANGUAGE) -> str:
    """What an attorney signs in `language`: exactly the JSON that Entry.content_hash_in hashes (a
    test holds the two together), so a stored sign-off can be checked against its hash at any
    time. ValueError where the entry has no text in `language`."""
    return entry.signed_json(language)


def counts_as_current(entry: Entry, language: str) -> bool:
    """Whether the entry's text in `language` can count as reviewed at all: English always; a
    translation only while it is of the English the entry has now (not out of date)."""
    return language == DEFAULT_LANGUAGE or entry.translation_is_current(language)


def _sign_off(row: KnowledgeSignoff) -> SignOff:
    return SignOff(row.entry_id, row.content_hash, row.signed_text, row.signed_by, as_utc(row.signed_at), row.language)


def record_signoff(store: IntakeStore, entry: Entry, signed_by: str, language: str = DEFAULT_LANGUAGE) -> SignOff:
    """Records that `signed_by` signed off the entry's text in `language` as it reads now, with its
    audit line (ids, the language and the version only) in the same transaction. ValueError for a
    language the assistant does not speak or one the entry has no text in."""
    if language not in LANGUAGES:
        raise ValueError(f"the assistant does not speak '{language}'")
    content_hash = entry.content_hash_in(language)
    row = KnowledgeSignoff(
        entry_id=entry.id,
        language=language,
        content_hash=content_hash,
        signed_text=signed_text(entry, language),
        signed_by=signed_by,
        signed_at=utcnow(),
    )
    with store.session.begin() as session:
        session.add(row)
        detail = f"{entry.id} ({english_name(language)}, {content_hash[:12]})"
        session.add(AuditEvent(actor=signed_by, action="signed off knowledge entry", detail=detail))
    return _sign_off(row)


def latest_signoffs(
    store: IntakeStore, entry_ids: Iterable[str] | None = None, language: str = DEFAULT_LANGUAGE
) -> dict[str, SignOff]:
    """The latest sign-off in `language` of each entry (of those named, or of every entry), by entry id."""
    newest = (
        select(func.max(KnowledgeSignoff.id))
        .where(KnowledgeSignoff.language == language)
        .group_by(KnowledgeSignoff.entry_id)
    )
    if entry_ids is not None:
        newest = newest.where(KnowledgeSignoff.entry_id.in_(list(entry_ids)))
    with store.session() as session:
        rows = session.execute(select(KnowledgeSignoff).where(KnowledgeSignoff.id.in_(newest))).scalars().all()
    return {row.entry_id: _sign_off(row) for row in rows}


def history(store: IntakeStore, entry_id: str, language: str | None = DEFAULT_LANGUAGE) -> list[SignOff]:
    """Every sign-off of the entry in `language` (None: in every language), newest first."""
    query = select(KnowledgeSignoff).where(KnowledgeSignoff.entry_id == entry_id)
    if language is not None:
        query = query.where(KnowledgeSignoff.language == language)
    with store.session() as session:
        rows = session.execute(query.order_by(KnowledgeSignoff.id.desc())).scalars().all()
    return [_sign_off(row) for row in rows]


def signed_off(store: IntakeStore, entries: Iterable[Entry], language: str = DEFAULT_LANGUAGE) -> set[str]:
    """The ids of those entries whose text a conversation in `language` is shown was signed off as
    it reads now: the translation's sign-off in that language (while the translation is current),
    or the English one for an entry without a translation there (the English is what is shown)."""
    shown: dict[str, dict[str, str]] = {}  # language shown -> entry id -> current hash in it
    for entry in entries:
        in_language = entry.shown_language(language)
        if counts_as_current(entry, in_language):
            shown.setdefault(in_language, {})[entry.id] = entry.content_hash_in(in_language)
    found = set()
    for in_language, current in shown.items():
        latest = latest_signoffs(store, current, in_language)
        found |= {entry_id for entry_id, signoff in latest.items() if signoff.content_hash == current[entry_id]}
    return found
