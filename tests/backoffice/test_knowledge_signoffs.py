"""Attorneys' sign-offs of knowledge entries against real databases (a SQLite file and the local
PostgreSQL server), and the content hash a sign-off is tied to, in English and in Spanish."""

import dataclasses
import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import inspect, text

from bot.backoffice.db import migrate
from bot.backoffice.intake import IntakeStore
from bot.backoffice.signoffs import history, latest_signoffs, record_signoff, signed_off, signed_text
from bot.language import LANGUAGES
from bot.rules.knowledge import Entry, KnowledgeBase, Source, Translation
from tests.backoffice.test_intake_store import migrate_down
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
SPANISH = Translation(
    "Una negativa 221(g) suele ser temporal. Responda por completo a cualquier pedido del consulado.",
    "Una negativa 221(g) suele ser temporal.",
    ENTRY.english_hash,
)
ENTRY = dataclasses.replace(ENTRY, translations=(("es", SPANISH),))


def in_spanish(entry, **changes):
    """The entry with its Spanish translation changed."""
    return dataclasses.replace(entry, translations=(("es", dataclasses.replace(entry.translation("es"), **changes)),))


OTHER = Entry("tip_keep_copies", "Keep a copy of everything you send.", (FAM,), dt.date(2026, 6, 1), "general.yml")


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
        ("ana@firm.example", "signed off knowledge entry", None, f"{ENTRY.id} (English, {ENTRY.content_hash[:12]})")
    ]
    assert recorded.language == "en" and signed_off(store, [ENTRY], "es") == set()


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
        assert signed_text(entry, "en") == signed_text(entry) and entry.content_hash_in("en") == entry.content_hash


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_the_signed_text_is_what_the_content_hash_is_of_in_every_other_language(language):
    for entry in KnowledgeBase.load().entries.values():
        assert entry.translation(language), (entry.id, language)  # every shipped entry is translated
        digest = hashlib.sha256(signed_text(entry, language).encode("utf-8")).hexdigest()
        assert digest == entry.content_hash_in(language) != entry.content_hash, (entry.id, language)


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


# --- per language (issue 25) ------------------------------------------------------------------


def test_the_english_sign_off_does_not_cover_the_spanish_text_nor_the_spanish_the_english(store):
    english = record_signoff(store, ENTRY, "ana@firm.example")
    assert signed_off(store, [ENTRY]) == signed_off(store, [ENTRY], "en") == {ENTRY.id}
    assert signed_off(store, [ENTRY], "es") == set()
    assert latest_signoffs(store, language="es") == {} and history(store, ENTRY.id, "es") == []
    spanish = record_signoff(store, ENTRY, "bo@firm.example", "es")
    assert signed_off(store, [ENTRY], "es") == signed_off(store, [ENTRY], "en") == {ENTRY.id}
    # Each language's latest and history are its own; None gives the entry's whole history.
    assert latest_signoffs(store) == {ENTRY.id: english}
    assert latest_signoffs(store, language="es") == {ENTRY.id: spanish}
    assert history(store, ENTRY.id) == [english] and history(store, ENTRY.id, "es") == [spanish]
    assert history(store, ENTRY.id, None) == [spanish, english]
    other = record_signoff(store, OTHER, "bo@firm.example")
    assert signed_off(store, [OTHER], "es") == {OTHER.id}  # no Spanish text: the English is what is shown
    assert latest_signoffs(store, [ENTRY.id, OTHER.id], "es") == {ENTRY.id: spanish}
    assert latest_signoffs(store, [OTHER.id]) == {OTHER.id: other}


def test_the_spanish_alone_signed_off_leaves_the_english_not_reviewed(store):
    record_signoff(store, ENTRY, "ana@firm.example", "es")
    assert signed_off(store, [ENTRY], "es") == {ENTRY.id}
    assert signed_off(store, [ENTRY]) == set()


def test_a_spanish_sign_off_is_of_that_translation_of_that_english_version_and_is_audited(store):
    recorded = record_signoff(store, ENTRY, "ana@firm.example", "es")
    assert (recorded.language, recorded.content_hash) == ("es", ENTRY.content_hash_in("es"))
    assert recorded.content_hash != ENTRY.content_hash
    assert json.loads(recorded.signed_text) == {
        "id": ENTRY.id,
        "language": "es",
        "text": SPANISH.text,
        "short": SPANISH.short,
        "sources": ["fam_9_306_2", "forum_trackitt"],
        "translated_from": ENTRY.english_hash,
    }
    assert hashlib.sha256(recorded.signed_text.encode("utf-8")).hexdigest() == recorded.content_hash
    with store.session() as session:
        audit = session.execute(text("select actor, action, detail from audit_events")).all()
        stored = session.execute(text("select language from knowledge_signoffs")).scalars().all()
    detail = f"{ENTRY.id} (Spanish, {ENTRY.content_hash_in('es')[:12]})"
    assert audit == [("ana@firm.example", "signed off knowledge entry", detail)] and stored == ["es"]


def test_a_spanish_sign_off_no_longer_counts_once_the_spanish_changes(store):
    record_signoff(store, ENTRY, "ana@firm.example")
    record_signoff(store, ENTRY, "ana@firm.example", "es")
    for changed in [
        in_spanish(ENTRY, text=SPANISH.text + " Puede tardar meses."),
        in_spanish(ENTRY, short="Una negativa 221(g) casi siempre es temporal."),
        dataclasses.replace(ENTRY, sources=(FAM,)),  # the sources are the English's too
    ]:
        assert signed_off(store, [changed], "es") == set(), changed
    # The English text is the same: its own sign-off stands.
    assert signed_off(store, [in_spanish(ENTRY, text="Otra redacción.")]) == {ENTRY.id}
    assert signed_off(store, [ENTRY], "es") == {ENTRY.id}


def test_a_spanish_sign_off_no_longer_counts_once_the_english_it_was_translated_from_changes(store):
    record_signoff(store, ENTRY, "ana@firm.example", "es")
    english_changed = dataclasses.replace(ENTRY, text=ENTRY.text + " It can take months.")
    # The translator has not caught up: the Spanish reads the same, but is of an English that is gone.
    assert english_changed.content_hash_in("es") == ENTRY.content_hash_in("es")
    assert not english_changed.translation_is_current("es")
    assert signed_off(store, [english_changed], "es") == set()
    # Renewed from the new English (the same Spanish words): another version, to be signed again.
    renewed = in_spanish(english_changed, translated_from=english_changed.english_hash)
    assert renewed.content_hash_in("es") != ENTRY.content_hash_in("es")
    assert signed_off(store, [renewed], "es") == set()
    record_signoff(store, renewed, "bo@firm.example", "es")
    assert signed_off(store, [renewed], "es") == {ENTRY.id}
    assert signed_off(store, [ENTRY], "es") == set()  # the latest sign-off is of the renewed one


def test_only_a_language_the_entry_has_a_text_in_and_the_assistant_speaks_can_be_signed_off(store):
    with pytest.raises(ValueError, match="has no text in 'es'"):
        record_signoff(store, OTHER, "ana@firm.example", "es")
    with pytest.raises(ValueError, match="does not speak 'fr'"):
        record_signoff(store, ENTRY, "ana@firm.example", "fr")
    assert history(store, ENTRY.id, None) == history(store, OTHER.id, None) == []
    with store.session() as session:
        assert session.execute(text("select count(*) from audit_events")).scalar() == 0


def test_the_spanish_content_hash_covers_its_words_sources_and_english_version_not_the_file():
    spanish = ENTRY.content_hash_in("es")
    assert len(spanish) == 64
    moved = dataclasses.replace(ENTRY, file="statuses.yml", sources_checked=dt.date(2026, 6, 10))
    assert moved.content_hash_in("es") == spanish
    for changed in [
        dataclasses.replace(ENTRY, id="refusal_temporary"),
        in_spanish(ENTRY, text=SPANISH.text.replace("suele", "puede")),
        in_spanish(ENTRY, short=None),
        in_spanish(ENTRY, translated_from="0" * 12),
        dataclasses.replace(ENTRY, sources=(FORUM, FAM)),
    ]:
        assert changed.content_hash_in("es") != spanish, changed
    # The English text is not in the Spanish version (its hash is, through translated_from).
    assert dataclasses.replace(ENTRY, text="Other English.").content_hash_in("es") == spanish
    with pytest.raises(ValueError, match="has no text in 'es'"):
        OTHER.content_hash_in("es")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sign_offs_from_before_languages_are_english_and_still_count(kind, tmp_path):
    """Migration 0010: the column `language`, English on the rows already there (the English hash is
    unchanged, so their sign-offs stay valid); downgrading keeps every row."""
    with fresh_database(kind, tmp_path) as engine:
        store = IntakeStore(engine)
        migrate_down(engine, "0009")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "insert into knowledge_signoffs (entry_id, content_hash, signed_text, signed_by, signed_at) "
                    "values (:entry, :hash, :text, 'ana@firm.example', :now)"
                ),
                {
                    "entry": ENTRY.id,
                    "hash": ENTRY.content_hash,
                    "text": signed_text(ENTRY),
                    "now": dt.datetime.now(dt.timezone.utc),
                },
            )
        migrate(engine)
        [old] = history(store, ENTRY.id, None)
        assert (old.language, old.signed_by) == ("en", "ana@firm.example")
        assert signed_off(store, [ENTRY]) == {ENTRY.id} and signed_off(store, [ENTRY], "es") == set()
        record_signoff(store, ENTRY, "bo@firm.example", "es")
        assert signed_off(store, [ENTRY], "es") == {ENTRY.id}
        migrate_down(engine, "0009")
        with engine.connect() as connection:
            assert "language" not in {c["name"] for c in inspect(engine).get_columns("knowledge_signoffs")}
            assert connection.execute(text("select count(*) from knowledge_signoffs")).scalar() == 2
        migrate(engine)
