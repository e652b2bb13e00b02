import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from bot.rules.advice import AdviceEngine
from bot.rules.knowledge import KNOWLEDGE_DIR, SHORT_MAX_WORDS, KnowledgeBase, KnowledgeBaseError
from bot.rules.reference import consulates

# The tips the firm asked for must all be in the knowledge base.
SEED_TIPS = [
    "status_refused_often_temporary",
    "status_refused_extended_ap",
    "221g_notice_delivery",
    "deadline_one_year_rule",
    "missed_final_refusal",
    "petition_return_possible",
    "final_refusal_notified",
    "tip_dont_panic",
    "tip_consult_attorney",
]


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def edit_entry(directory: Path, filename: str, index: int, **changes) -> None:
    path = directory / filename
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            del data["entries"][index][key]
        else:
            data["entries"][index][key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_shipped_knowledge_base_is_valid_and_complete():
    kb = KnowledgeBase.load()
    assert len(kb.entries) >= 60
    AdviceEngine(kb, today=lambda: dt.date(2026, 6, 15)).check_complete()
    for entry_id in SEED_TIPS:
        assert kb.entry(entry_id).sources, entry_id


def test_every_entry_has_sources_and_a_review_date_not_in_the_future():
    for entry in KnowledgeBase.load().entries.values():
        assert entry.sources and all(s.url.startswith("http") for s in entry.sources)
        assert entry.sources_checked <= dt.date.today()


def test_consulate_waiting_times_cite_known_sources():
    kb = KnowledgeBase.load()
    posts = [post for post in consulates().values() if post.inquiry_wait_days]
    assert posts
    for post in posts:
        assert kb.source(post.source).url.startswith("http")


def test_missing_field_names_file_entry_and_field(kb_copy):
    edit_entry(kb_copy, "deadlines.yml", 0, sources=None)
    first_id = yaml.safe_load((kb_copy / "deadlines.yml").read_text())["entries"][0]["id"]
    with pytest.raises(KnowledgeBaseError, match=rf"deadlines.yml: entry '{first_id}': field 'sources' is missing"):
        KnowledgeBase.load(kb_copy)


def test_unknown_source_is_caught(kb_copy):
    edit_entry(kb_copy, "statuses.yml", 0, sources=["no_such_source"])
    with pytest.raises(KnowledgeBaseError, match=r"statuses.yml: .*unknown source 'no_such_source'"):
        KnowledgeBase.load(kb_copy)


def test_future_review_date_is_caught(kb_copy):
    edit_entry(kb_copy, "options.yml", 0, sources_checked=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(KnowledgeBaseError, match=r"options.yml: .*field 'sources_checked' is in the future"):
        KnowledgeBase.load(kb_copy)


def test_unknown_placeholder_is_caught(kb_copy):
    edit_entry(kb_copy, "general.yml", 0, text="Call {lawyer_name} now.")
    with pytest.raises(KnowledgeBaseError, match=r"general.yml: .*unknown placeholder \{lawyer_name\}"):
        KnowledgeBase.load(kb_copy)


def test_a_short_version_over_the_word_limit_is_caught(kb_copy):
    edit_entry(kb_copy, "general.yml", 0, short=" ".join(["word"] * (SHORT_MAX_WORDS + 1)))
    with pytest.raises(KnowledgeBaseError, match=f"field 'short' has {SHORT_MAX_WORDS + 1} words"):
        KnowledgeBase.load(kb_copy)


def test_a_short_version_may_not_use_a_value_its_text_does_not(kb_copy):
    edit_entry(kb_copy, "general.yml", 0, short="Your deadline is {deadline}.")
    with pytest.raises(KnowledgeBaseError, match="field 'short' uses {deadline}, which field 'text' does not"):
        KnowledgeBase.load(kb_copy)


def test_duplicate_id_across_files_is_caught(kb_copy):
    other = yaml.safe_load((kb_copy / "general.yml").read_text())["entries"][0]["id"]
    edit_entry(kb_copy, "options.yml", 0, id=other)
    with pytest.raises(
        KnowledgeBaseError, match=rf"options.yml: entry '{other}': field 'id' is also used in general.yml"
    ):
        KnowledgeBase.load(kb_copy)


def test_broken_yaml_is_caught(kb_copy):
    (kb_copy / "petition.yml").write_text("entries:\n  - id: [unclosed\n")
    with pytest.raises(Exception, match=r"petition.yml: not valid YAML"):
        KnowledgeBase.load(kb_copy)


def test_entry_the_rules_need_but_the_file_lacks_stops_startup(kb_copy):
    path = kb_copy / "general.yml"
    data = yaml.safe_load(path.read_text())
    data["entries"] = [e for e in data["entries"] if e["id"] != "tip_consult_attorney"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    engine = AdviceEngine(KnowledgeBase.load(kb_copy), today=lambda: dt.date(2026, 6, 15))
    with pytest.raises(KnowledgeBaseError, match="no entry 'tip_consult_attorney'"):
        engine.check_complete()
