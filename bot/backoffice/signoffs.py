"""Attorneys' sign-offs of knowledge-base entries, in the firm's database.

A sign-off is of one version of an entry: its content hash (bot.rules.knowledge.Entry.content_hash)
and the exact text that hash is of. An entry counts as signed off only while its latest sign-off
is for its current hash: change its text, short version or sources and it is not reviewed again
until an attorney signs the new version. Sign-offs are kept for good, as the firm's record of
what its attorneys stood behind and when.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import AuditEvent, KnowledgeSignoff, as_utc, utcnow
from bot.rules.knowledge import Entry


@dataclass(frozen=True)
class SignOff:
    entry_id: str
    content_hash: str
    signed_text: str
    signed_by: str
    signed_at: dt.datetime  # UTC


def signed_text(entry: Entry) -> str:
    """What an attorney signs: exactly the JSON that Entry.content_hash hashes (a test holds
    the two together), so a stored sign-off can be checked against its hash at any time."""
    content = {"id": entry.id, "text": entry.text, "short": entry.short, "sources": [s.id for s in entry.sources]}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, indent=2)


def _sign_off(row: KnowledgeSignoff) -> SignOff:
    return SignOff(row.entry_id, row.content_hash, row.signed_text, row.signed_by, as_utc(row.signed_at))


def record_signoff(store: IntakeStore, entry: Entry, signed_by: str) -> SignOff:
    """Records that `signed_by` signed off the entry as it reads now, with its audit line in the
    same transaction (ids and actions only)."""
    row = KnowledgeSignoff(
        entry_id=entry.id,
        content_hash=entry.content_hash,
        signed_text=signed_text(entry),
        signed_by=signed_by,
        signed_at=utcnow(),
    )
    with store.session.begin() as session:
        session.add(row)
        detail = f"{entry.id} ({entry.content_hash[:12]})"
        session.add(AuditEvent(actor=signed_by, action="signed off knowledge entry", detail=detail))
    return _sign_off(row)


def latest_signoffs(store: IntakeStore, entry_ids: Iterable[str] | None = None) -> dict[str, SignOff]:
    """The latest sign-off of each entry (of those named, or of every entry), by entry id."""
    newest = select(func.max(KnowledgeSignoff.id)).group_by(KnowledgeSignoff.entry_id)
    if entry_ids is not None:
        newest = newest.where(KnowledgeSignoff.entry_id.in_(list(entry_ids)))
    with store.session() as session:
        rows = session.execute(select(KnowledgeSignoff).where(KnowledgeSignoff.id.in_(newest))).scalars().all()
    return {row.entry_id: _sign_off(row) for row in rows}


def history(store: IntakeStore, entry_id: str) -> list[SignOff]:
    """Every sign-off of the entry, newest first."""
    with store.session() as session:
        query = select(KnowledgeSignoff).where(KnowledgeSignoff.entry_id == entry_id)
        rows = session.execute(query.order_by(KnowledgeSignoff.id.desc())).scalars().all()
    return [_sign_off(row) for row in rows]


def signed_off(store: IntakeStore, entries: Iterable[Entry]) -> set[str]:
    """The ids of those entries whose latest sign-off is for the text they have now."""
    current = {entry.id: entry.content_hash for entry in entries}
    latest = latest_signoffs(store, current)
    return {entry_id for entry_id, found in latest.items() if found.content_hash == current[entry_id]}
