"""The knowledge base's review list: what is overdue, what is due soon, in which order, and
which entries an attorney signed off as they read now, in each language."""

import dataclasses
import datetime as dt

from bot.backoffice.signoffs import SignOff, signed_text
from bot.rules.knowledge import KnowledgeBase, Translation
from bot.staff.knowledge_review import (
    CHANGED,
    DUE_SOON,
    NO_TRANSLATION,
    NOT_REVIEWED,
    OK,
    OUT_OF_DATE,
    OVERDUE,
    REVIEW_EVERY_DAYS,
    SIGNED_OFF,
    review_rows,
    signed_counts,
)

TODAY = dt.date(2026, 6, 15)

SOURCES = """\
sources:
  fam_9_306_2:
    title: "9 FAM 306.2 (306.2-2(A)): overcoming a 221(g) refusal"
    url: https://fam.state.gov/fam/09FAM/09FAM030602.html
    reliability: official
  forum_trackitt:
    title: "Trackitt forum: 221(g) timelines reported by applicants"
    url: https://www.trackitt.com/usa-discussion-forums/221g
    reliability: forum
"""


def entry(entry_id: str, reviewed: dt.date, sources: str = "[fam_9_306_2]") -> str:
    return f"""\
  - id: {entry_id}
    text: >-
      A 221(g) refusal is often temporary. Respond fully and quickly to any
      request from the post.
    sources: {sources}
    sources_checked: {reviewed.isoformat()}
"""


def reviewed_days_before_due(days_left: int) -> dt.date:
    """The `reviewed` date that makes an entry due `days_left` days from TODAY."""
    return TODAY + dt.timedelta(days=days_left - REVIEW_EVERY_DAYS)


def knowledge_base(tmp_path) -> KnowledgeBase:
    """A knowledge base in the real files' format, its entries in no particular order."""
    (tmp_path / "sources.yml").write_text(SOURCES)
    (tmp_path / "general.yml").write_text(
        "# General tips.\nentries:\n"
        + entry("fresh", TODAY)
        + entry("due_in_30_days", reviewed_days_before_due(30), "[fam_9_306_2, forum_trackitt]")
        + entry("overdue_by_1_day", reviewed_days_before_due(-1))
    )
    (tmp_path / "deadlines.yml").write_text(
        "entries:\n"
        + entry("due_in_31_days", reviewed_days_before_due(31))
        + entry("overdue_by_40_days", reviewed_days_before_due(-40), "[forum_trackitt]")
        + entry("due_today", reviewed_days_before_due(0))
    )
    return KnowledgeBase.load(tmp_path, TODAY)


def test_overdue_entries_come_first_most_overdue_first_then_due_soon_then_the_rest(tmp_path):
    rows = review_rows(TODAY, REVIEW_EVERY_DAYS, knowledge_base(tmp_path))
    assert [(row.entry_id, row.state, row.days_left) for row in rows] == [
        ("overdue_by_40_days", OVERDUE, -40),
        ("overdue_by_1_day", OVERDUE, -1),
        ("due_today", DUE_SOON, 0),
        ("due_in_30_days", DUE_SOON, 30),  # exactly 30 days before it is due
        ("due_in_31_days", OK, 31),
        ("fresh", OK, 180),
    ]
    assert [row.state for row in rows] == ["overdue", "overdue", "due soon", "due soon", "ok", "ok"]


def test_a_row_has_the_entrys_sources_with_their_reliability_and_its_dates(tmp_path):
    rows = {row.entry_id: row for row in review_rows(TODAY, REVIEW_EVERY_DAYS, knowledge_base(tmp_path))}
    due_soon = rows["due_in_30_days"]
    assert [(source.id, source.reliability) for source in due_soon.sources] == [
        ("fam_9_306_2", "official"),
        ("forum_trackitt", "forum"),
    ]
    assert due_soon.sources_checked == dt.date(2026, 1, 16)  # 180 days before it is due
    assert due_soon.due == dt.date(2026, 7, 15)
    assert due_soon.file == "general.yml"
    assert due_soon.text.startswith("A 221(g) refusal is often temporary.")


def test_the_review_interval_is_the_callers(tmp_path):
    knowledge = knowledge_base(tmp_path)
    yearly = {row.entry_id: row.state for row in review_rows(TODAY, 365, knowledge)}
    assert yearly == {
        "overdue_by_40_days": OK,  # reviewed 220 days ago: 145 days left
        "overdue_by_1_day": OK,
        "due_today": OK,
        "due_in_30_days": OK,
        "due_in_31_days": OK,
        "fresh": OK,
    }
    monthly = review_rows(TODAY, 30, knowledge)
    assert [row.entry_id for row in monthly if row.state != OVERDUE] == ["fresh"]


def test_without_a_knowledge_base_given_the_assistants_own_is_listed():
    rows = review_rows(TODAY)
    assert {row.entry_id for row in rows} == set(KnowledgeBase.load().entries)
    assert [row.due for row in rows] == sorted(row.due for row in rows)
    assert all(row.sources for row in rows)


def test_an_entry_is_signed_off_only_while_its_latest_sign_off_is_for_its_current_text(tmp_path):
    knowledge = knowledge_base(tmp_path)
    at = dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.timezone.utc)

    def sign_off(entry_id, entry=None):
        entry = entry or knowledge.entry(entry_id)
        return SignOff(entry_id, entry.content_hash, signed_text(entry), "ana@firm.example", at)

    earlier = dataclasses.replace(knowledge.entry("due_today"), text="An earlier wording.")
    signoffs = {"fresh": sign_off("fresh"), "due_today": sign_off("due_today", earlier)}
    rows = {row.entry_id: row for row in review_rows(TODAY, REVIEW_EVERY_DAYS, knowledge, {"en": signoffs})}
    assert {entry_id: row.signoff_state for entry_id, row in rows.items()} == {
        "fresh": SIGNED_OFF,
        "due_today": CHANGED,
        "overdue_by_40_days": NOT_REVIEWED,
        "overdue_by_1_day": NOT_REVIEWED,
        "due_in_30_days": NOT_REVIEWED,
        "due_in_31_days": NOT_REVIEWED,
    }
    assert rows["due_today"].last_signoff == signoffs["due_today"]  # who signed which version, for the page
    assert rows["overdue_by_1_day"].last_signoff is None
    assert {row.signoff_state for row in review_rows(TODAY, REVIEW_EVERY_DAYS, knowledge)} == {NOT_REVIEWED}


def test_each_language_has_its_own_sign_off_state_and_count(tmp_path):
    knowledge = knowledge_base(tmp_path)
    at = dt.datetime(2026, 6, 1, 14, 0, tzinfo=dt.timezone.utc)

    def translated(entry_id, text="Una negativa 221(g) suele ser temporal.", translated_from=None):
        entry = knowledge.entry(entry_id)
        spanish = Translation(text, None, translated_from or entry.english_hash)
        knowledge.entries[entry_id] = dataclasses.replace(entry, translations=(("es", spanish),))
        return knowledge.entries[entry_id]

    def sign_off(entry, language):
        return SignOff(
            entry.id, entry.content_hash_in(language), signed_text(entry, language), "ana@firm.example", at, language
        )

    both = translated("fresh")
    spanish_changed = translated("due_today")
    out_of_date = translated("due_in_30_days", translated_from="0" * 12)  # the English changed since
    translated("due_in_31_days")
    signoffs = {
        "en": {"fresh": sign_off(both, "en"), "overdue_by_1_day": sign_off(knowledge.entry("overdue_by_1_day"), "en")},
        "es": {
            "fresh": sign_off(both, "es"),
            "due_today": sign_off(translated("due_today", "Una redacción anterior."), "es"),
            "due_in_30_days": sign_off(out_of_date, "es"),  # of the very text shown, but out of date
        },
    }
    knowledge.entries["due_today"] = spanish_changed  # what the files say now
    rows = review_rows(TODAY, REVIEW_EVERY_DAYS, knowledge, signoffs)
    states = {row.entry_id: (row.signoff_in("en").state, row.signoff_in("es").state) for row in rows}
    assert states == {
        "fresh": (SIGNED_OFF, SIGNED_OFF),
        "due_today": (NOT_REVIEWED, CHANGED),
        "due_in_30_days": (NOT_REVIEWED, OUT_OF_DATE),
        "due_in_31_days": (NOT_REVIEWED, NOT_REVIEWED),
        "overdue_by_1_day": (SIGNED_OFF, NO_TRANSLATION),  # its English is what Spanish conversations read
        "overdue_by_40_days": (NOT_REVIEWED, NO_TRANSLATION),
    }
    fresh = next(row for row in rows if row.entry_id == "fresh")
    assert [found.language for found in fresh.signoffs] == ["en", "es"]
    assert fresh.signoff_in("es").last == signoffs["es"]["fresh"] and fresh.last_signoff == signoffs["en"]["fresh"]
    # English: 2 of the 6 entries; Spanish: 1 of the 4 translations.
    assert signed_counts(rows) == {"en": (2, 6), "es": (1, 4)}
