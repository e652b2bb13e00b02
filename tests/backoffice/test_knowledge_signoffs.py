"""Attorneys' sign-offs of knowledge entries against real databases (a SQLite file and the local
PostgreSQL server), and the content hash a sign-off is tied to."""

import dataclasses
import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import text

from bot.backoffice.intake import IntakeStore
from bot.backoffice.signoffs import history, latest_signoffs, record_signoff, signed_off, signed_text
from bot.rules.knowledge import Entry, KnowledgeBase, Source
from tests.common import fresh_database

FAM = Source("fam_9_306_2", "9 FAM 306.2", "https://fam.state.gov/fam/09FAM/09FAM030602.html", "official")
FORUM = Source("forum_trackitt", "Trackitt forum", "https://www.trackitt.com/usa-discussion-forums/221g", "forum")
# Entries of their own: the shipped files change while attorneys edit them.
ENTRY = Entry(
    "refusal_often_temporary",
    "A 221(g) refusal is often temporary. Respond fully to any request from the post.",
    (FAM, FORUM),
    dt.date(2026, 6, 1),
    "general.yml",
    "A 221(g) refusal is often temporary.",
)
OTHER = Entry("tip_keep_copies", "Keep a copy of everything you send.", (FAM,), dt.date(2026, 6, 1), "general.yml")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    with fresh_database(request.param, tmp_path) as engine:
        yield IntakeStore(engine)


def test_a_sign_off_records_exactly_what_was_read_and_is_audited(store):
    recorded = record_signoff(store, ENTRY, "ana@firm.example")
    assert signed_off(store, [ENTRY, OTHER]) == {ENTRY.id}
    assert history(store, ENTRY.id) == [recorded]
    assert (recorded.entry_id, recorded.content_hash, recorded.signed_by) == (
        ENTRY.id,
        ENTRY.content_hash,
        "ana@firm.example",
    )
    assert json.loads(recorded.signed_text) == {
        "id": ENTRY.id,
        "text": ENTRY.text,
        "short": ENTRY.short,
        "sources": ["fam_9_306_2", "forum_trackitt"],
    }
    assert recorded.signed_at.tzinfo is not None  # UTC, also from SQLite
    with store.session() as session:
        audit = session.execute(text("select actor, action, lead_id, detail from audit_events")).all()
    assert audit == [
        ("ana@firm.example", "signed off knowledge entry", None, f"{ENTRY.id} ({ENTRY.content_hash[:12]})")
    ]


def test_an_entry_changed_since_its_sign_off_is_no_longer_signed_off(store):
    record_signoff(store, ENTRY, "ana@firm.example")
    for changed in [
        dataclasses.replace(ENTRY, text=ENTRY.text + " It can take months."),
        dataclasses.replace(ENTRY, short="A 221(g) refusal is usually temporary."),
        dataclasses.replace(ENTRY, short=None),
        dataclasses.replace(ENTRY, sources=(FAM,)),
    ]:
        assert signed_off(store, [changed]) == set(), changed
    assert signed_off(store, [ENTRY]) == {ENTRY.id}


def test_the_latest_sign_off_of_an_entry_wins(store):
    earlier_text = dataclasses.replace(ENTRY, text="An earlier wording.")
    record_signoff(store, ENTRY, "ana@firm.example")
    record_signoff(store, OTHER, "ana@firm.example")
    # Signed on a dashboard that still showed the earlier text: the current one is not covered.
    record_signoff(store, earlier_text, "bo@firm.example")
    assert signed_off(store, [ENTRY, OTHER]) == {OTHER.id}
    assert signed_off(store, [earlier_text]) == {ENTRY.id}
    record_signoff(store, ENTRY, "cy@firm.example")
    assert signed_off(store, [ENTRY, OTHER]) == {ENTRY.id, OTHER.id}
    assert [found.signed_by for found in history(store, ENTRY.id)] == [
        "cy@firm.example",
        "bo@firm.example",
        "ana@firm.example",
    ]
    latest = latest_signoffs(store)
    assert {entry_id: found.signed_by for entry_id, found in latest.items()} == {
        ENTRY.id: "cy@firm.example",
        OTHER.id: "ana@firm.example",
    }
    assert list(latest_signoffs(store, [OTHER.id])) == [OTHER.id]


def test_a_fresh_database_has_no_entry_signed_off(store):
    """The demo's database included: the README says none of the entries is signed off."""
    knowledge = KnowledgeBase.load()
    assert signed_off(store, knowledge.entries.values()) == set()
    assert latest_signoffs(store) == {}


def test_the_signed_text_is_what_the_content_hash_is_of_for_every_shipped_entry():
    for entry in KnowledgeBase.load().entries.values():
        assert hashlib.sha256(signed_text(entry).encode("utf-8")).hexdigest() == entry.content_hash, entry.id


def test_the_content_hash_covers_the_words_and_sources_not_the_file_or_the_check_date():
    assert len(ENTRY.content_hash) == 64 and ENTRY.content_hash != OTHER.content_hash
    moved = dataclasses.replace(ENTRY, file="statuses.yml", sources_checked=dt.date(2026, 6, 10))
    assert moved.content_hash == ENTRY.content_hash
    for changed in [
        dataclasses.replace(ENTRY, id="refusal_temporary"),
        dataclasses.replace(ENTRY, text=ENTRY.text.replace("often", "usually")),
        dataclasses.replace(ENTRY, short=None),
        dataclasses.replace(ENTRY, sources=(FORUM, FAM)),  # the order is the entry's own
    ]:
        assert changed.content_hash != ENTRY.content_hash, changed
