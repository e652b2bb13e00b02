"""Unanswered messages: which they are, how they are grouped, and the review file for training."""

import datetime as dt
import hashlib
import random

import pytest
import yaml

from bot.staff.conversations import APPLICANT, ASSISTANT, Message
from bot.staff.unanswered import (
    MAX_GROUPED,
    REVIEW_BELOW,
    FiledMessage,
    group_messages,
    is_unanswered,
    message_key,
    needs_review,
    review_file,
    to_review,
)

START = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.timezone.utc)
WHEN = dt.datetime(2026, 6, 15, 14, 30, tzinfo=dt.timezone.utc)


def asked(text, minutes=0, best_guess=None, intent="nlu_fallback", confidence=0.5, conversation="widget-1"):
    return Message(
        conversation,
        START + dt.timedelta(minutes=minutes),
        APPLICANT,
        text,
        intent,
        confidence,
        best_guess,
        0.4 if best_guess else None,
    )


# --- which messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "confidence", "unanswered"),
    [
        ("nlu_fallback", 0.5, True),
        ("nlu_fallback", 0.9, True),  # the classifier stepped in, whatever the number
        ("ask_deadline", 0.59, True),
        ("ask_deadline", REVIEW_BELOW, False),  # below the threshold, not at it
        ("ask_deadline", 0.97, False),
        (None, None, True),  # no intent at all
        ("ask_deadline", None, False),
    ],
)
def test_a_message_is_unanswered_when_it_fell_back_or_was_not_confident(intent, confidence, unanswered):
    assert is_unanswered(asked("some question", intent=intent, confidence=confidence), REVIEW_BELOW) is unanswered


def test_the_threshold_is_the_callers_and_assistant_messages_are_never_unanswered():
    doubtful = asked("is it the notice date or the interview", intent="ask_deadline", confidence=0.65)
    assert not is_unanswered(doubtful, 0.6)
    assert is_unanswered(doubtful, 0.7)
    reply = Message("widget-1", START, ASSISTANT, "Sorry, could you rephrase?")
    assert not is_unanswered(reply, 0.6)


def test_out_of_scope_messages_need_review_but_are_not_fallbacks():
    """The assistant understood them and could only decline: the firm may want to cover some."""
    declined = asked("can you do my taxes", intent="out_of_scope", confidence=0.99)
    assert needs_review(declined) and not is_unanswered(declined)
    assert needs_review(asked("hmm", intent="nlu_fallback", confidence=0.5))
    assert not needs_review(asked("when is my deadline", intent="ask_deadline", confidence=0.97))
    assert not needs_review(Message("widget-1", START, ASSISTANT, "Out of scope", intent="out_of_scope"))


def test_the_message_key_ignores_case_and_spacing_only():
    assert message_key("  What is   a 221(g)?\n") == message_key("what is a 221(G)?")
    assert message_key("what is a 221(g)?") == hashlib.sha256(b"what is a 221(g)?").hexdigest()
    assert message_key("what is a 221(g)?") != message_key("what is a 221(g)")


# --- grouping --------------------------------------------------------------------------------------

PROCESSING = [
    asked("How long does administrative processing take?", 0, "ask_processing_time"),
    asked("how long will administrative processing take", 5, "ask_processing_time"),
    asked("Administrative processing: how long does it usually take??", 9, "ask_status_meaning"),
    asked("how long does administrative processing take?", 12, "ask_processing_time", conversation="rest-9"),
]
TRAVEL = [
    asked("Can I travel to Canada while I wait?", 3, "out_of_scope"),
    asked("can i travel to canada while i am waiting", 20, None),
]
PASSPORT = [asked("My passport expired, do I need a new one", 7, "ask_documents")]


def test_similar_phrasings_are_one_group_and_unrelated_questions_are_apart():
    groups = group_messages(PROCESSING + TRAVEL + PASSPORT)
    assert [sorted(message.text for message in group.messages) for group in groups] == [
        sorted(message.text for message in PROCESSING),
        sorted(message.text for message in TRAVEL),
        sorted(message.text for message in PASSPORT),
    ]
    assert [group.count for group in groups] == [4, 2, 1]


def test_a_group_is_named_after_its_commonest_phrasing_and_the_commonest_guess():
    processing = group_messages(PROCESSING + TRAVEL)[0]
    assert processing.representative == "How long does administrative processing take?"  # twice, as first written
    assert processing.best_guess == "ask_processing_time"
    assert processing.texts == [
        "How long does administrative processing take?",
        "how long will administrative processing take",
        "Administrative processing: how long does it usually take??",
    ]
    assert processing.keys == [message_key(text) for text in processing.texts]
    assert [message.at for message in processing.messages] == sorted(message.at for message in PROCESSING)
    assert processing.latest == START + dt.timedelta(minutes=12)
    assert group_messages([asked("what now?")])[0].best_guess is None


def test_identical_texts_are_always_one_group_even_without_meaningful_words():
    groups = group_messages([asked("Hi", 0), asked("hi", 1), asked("  HI ", 2), asked("hello", 3), asked("123", 4)])
    assert [(group.representative, group.count) for group in groups] == [("Hi", 3), ("123", 1), ("hello", 1)]
    assert groups[0].keys == [message_key("hi")]


def test_equal_sized_groups_come_most_recent_first():
    older = asked("is the embassy open on saturday", 1)
    newer = asked("what documents does the consulate want", 30)
    middle = asked("my passport expired", 10)
    assert [group.representative for group in group_messages([older, newer, middle])] == [
        newer.text,
        middle.text,
        older.text,
    ]


def test_how_similar_phrasings_must_be_is_the_callers():
    close = [asked("how long does administrative processing take", 0), asked("administrative processing take", 1)]
    assert len(group_messages(close, similarity=0.5)) == 1  # 3 of 4 words shared
    assert len(group_messages(close, similarity=0.8)) == 2


def test_grouping_does_not_depend_on_the_order_of_the_messages():
    messages = PROCESSING + TRAVEL + PASSPORT
    expected = group_messages(messages)
    for seed in range(5):
        shuffled = messages[:]
        random.Random(seed).shuffle(shuffled)
        assert group_messages(shuffled) == expected
    assert group_messages([]) == []


# --- the review file ---------------------------------------------------------------------------

AWKWARD = [
    'He said "come back in 90 days": is that the deadline?',
    "line one\nline two\n\nline four",
    "- I have a 221(g)",
    "# not a comment",
    "key: value",
    "it's the 'blue' form",
    "trailing spaces   ",
    "   leading spaces",
    "null",
    "yes",
    "1.5",
    "2026-06-01",
    "---",
    "...",
    "tab\there & back\\slash, {braces} [brackets] *star !bang |pipe >gt %percent @at `tick`",
    "ümlaut, 中文, emoji 😀, a line\u2028separator",
    "control \x07 bell and \x7f delete",
]


def test_awkward_texts_read_back_exactly_from_the_review_file():
    entries = [
        FiledMessage("ask_deadline", message, f"maria{number}@firm.example: paralegal", WHEN)
        for number, message in enumerate(AWKWARD)
    ]
    content = review_file(entries)
    assert content.startswith("# ") and "Not training data" in content
    items = yaml.safe_load(content)
    assert [item["text"] for item in items] == AWKWARD
    assert items[0] == {
        "intent": "ask_deadline",
        "text": AWKWARD[0],
        "reviewed_by": "maria0@firm.example: paralegal",
        "reviewed_at": "2026-06-15T14:30:00+00:00",
    }
    assert yaml.safe_load(review_file([])) == []


def test_only_the_newest_messages_waiting_for_a_decision_are_grouped():
    messages = [asked(f"question {n}", minutes=n) for n in range(5)]
    decided = {message_key("question 4")}
    waiting = to_review(messages + [asked("fine", intent="ask_deadline", confidence=0.99)], decided)
    assert [m.text for m in waiting] == ["question 3", "question 2", "question 1", "question 0"]
    many = [asked(f"q{n}", minutes=n, intent="out_of_scope", confidence=1.0) for n in range(MAX_GROUPED + 5)]
    assert len(to_review(many, set())) == MAX_GROUPED and to_review(many, set())[0].text == f"q{MAX_GROUPED + 4}"


def test_messages_waiting_for_review_can_be_taken_in_one_language_and_each_group_names_its_languages():
    from dataclasses import replace

    messages = [
        replace(asked("no entiendo la carta", minutes=1, conversation="rest-es"), language="es"),
        replace(asked("no entiendo la carta", minutes=2, conversation="rest-es2"), language="es"),
        replace(asked("my letter is weird", minutes=3), language="en"),
        replace(asked("no entiendo la carta", minutes=4, conversation="rest-mixed"), language="en"),
    ]
    assert [m.text for m in to_review(messages, set(), language="es")] == ["no entiendo la carta"] * 2
    assert len(to_review(messages, set())) == 4  # no language: every one
    groups = {g.representative: g for g in group_messages(to_review(messages, set()))}
    assert groups["no entiendo la carta"].languages == ["en", "es"]
    assert groups["my letter is weird"].languages == ["en"]
    assert group_messages([asked("no language read")])[0].languages == []
