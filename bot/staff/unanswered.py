"""Applicant messages the assistant could not answer, grouped so that staff review each question once.

A message is unanswered when the FallbackClassifier stepped in or its intent was
not confident enough; one out of the assistant's scope needs review too. Similar
phrasings are grouped by the words they share. A staff member can file a message for
training: it goes to the review file, which Rasa never reads; an attorney or developer
moves it into the training data after checking it.
"""

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import yaml

from bot.staff.conversations import APPLICANT, FALLBACK_INTENT, Message

# Below this intent confidence the dashboard lists a message for review.
REVIEW_BELOW = 0.6
REVIEW_FILE_HEADER = """\
# Applicant messages that staff filed from the dashboard, each with the intent it should have had.
# Not training data: keep it out of data/. Before the next training an attorney or developer
# checks each item and copies the good ones into data/nlu/ as examples of their intent.
"""
# Words too common to tell two questions apart (and the ends of "don't", "I'm", "we've").
# One string: seventy quoted one-word strings would read worse.
STOP_WORDS = frozenset(
    """
    a about am an and any are as at be been but by can could did do does for from had has have hello hi
    how i if im in is it its just me my of on or our please so than that the their them then there these
    they this those to us was we were what when where which who why will with would you your s t m d ll re ve
    """.split()  # noqa: SIM905
)
WORD = re.compile(r"\w+")


def is_unanswered(message: Message, threshold: float = REVIEW_BELOW) -> bool:
    """An applicant message the assistant did not understand, or not confidently enough."""
    if message.sender != APPLICANT:
        return False
    if message.intent in (None, FALLBACK_INTENT):
        return True
    return message.confidence is not None and message.confidence < threshold


# The assistant understood these and could only say it does not cover them (domain.yml's intent):
# the firm may want to cover some of them, so they are listed for review too.
OUT_OF_SCOPE_INTENT = "out_of_scope"


def needs_review(message: Message, threshold: float = REVIEW_BELOW) -> bool:
    """A message the assistant could not answer: not understood (see is_unanswered) or out of its scope."""
    return is_unanswered(message, threshold) or (message.sender == APPLICANT and message.intent == OUT_OF_SCOPE_INTENT)


# Grouping compares each phrasing with every group so far: the page groups the newest this many.
MAX_GROUPED = 2000


def to_review(
    messages: Sequence[Message], decided: Collection[str], threshold: float = REVIEW_BELOW, language: str = ""
) -> list[Message]:
    """The newest messages (at most MAX_GROUPED) that need review and have no staff decision yet;
    with a `language`, only those said while their conversation was in it."""
    waiting = [
        m
        for m in messages
        if needs_review(m, threshold)
        and message_key(m.text) not in decided
        and (not language or m.language == language)
    ]
    return sorted(waiting, key=lambda m: m.at, reverse=True)[:MAX_GROUPED]


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def message_key(text: str) -> str:
    """The key a staff decision about a message is stored under: equal for the same words."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def tokens(text: str) -> frozenset[str]:
    """The words that carry a message's meaning: no numbers, no very common words."""
    words = WORD.findall(normalise(text))
    return frozenset(word for word in words if not word.isdigit() and word not in STOP_WORDS)


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard similarity: shared words over all words; 0 when there are none."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


@dataclass(frozen=True)
class Group:
    representative: str  # the group's most frequent phrasing, as first written
    messages: list[Message]  # oldest first
    count: int
    best_guess: str | None  # the intent the classifier most often thought likely
    texts: list[str]  # each distinct phrasing once (as first written), most frequent first
    keys: list[str]  # their message_key, in the same order
    latest: dt.datetime
    languages: list[str]  # the conversations' languages of its messages (bot.language codes), sorted


def _order(message: Message) -> tuple[dt.datetime, str, str]:
    return message.at, message.conversation_id, message.text


def _group(phrasings: list[list[Message]]) -> Group:
    """A group of phrasings (messages with the same normalised text), the first one its name."""
    messages = sorted((message for phrasing in phrasings for message in phrasing), key=_order)
    guesses = Counter(message.best_guess for message in messages if message.best_guess)
    texts = [phrasing[0].text for phrasing in phrasings]
    return Group(
        representative=texts[0],
        messages=messages,
        count=len(messages),
        best_guess=guesses.most_common(1)[0][0] if guesses else None,
        texts=texts,
        keys=[message_key(text) for text in texts],
        latest=messages[-1].at,
        languages=sorted({message.language for message in messages if message.language}),
    )


def group_messages(messages: list[Message], similarity: float = 0.5) -> list[Group]:
    """Groups messages with the same or similar words; largest groups first, then most recent.

    Identical texts (ignoring case and spacing) are one phrasing. Most frequent phrasing
    first, each joins the group whose first phrasing it is most similar to, if at least
    `similarity`, or starts a group of its own.
    """
    same_text: dict[str, list[Message]] = {}
    for message in sorted(messages, key=_order):
        same_text.setdefault(normalise(message.text), []).append(message)
    # Most frequent first, so that a group is named after its commonest phrasing; ties oldest first.
    phrasings = sorted(same_text.values(), key=lambda phrasing: -len(phrasing))

    seeds: list[tuple[frozenset[str], list[list[Message]]]] = []  # (first phrasing's words, phrasings)
    for phrasing in phrasings:
        words = tokens(phrasing[0].text)
        scores = [jaccard(words, seed_words) for seed_words, _ in seeds]
        best = max(range(len(scores)), key=lambda i: scores[i], default=None)
        if best is not None and scores[best] >= similarity:
            seeds[best][1].append(phrasing)
        else:
            seeds.append((words, [phrasing]))

    groups = [_group(members) for _, members in seeds]
    return sorted(groups, key=lambda group: (-group.count, -group.latest.timestamp(), group.representative))


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly `value`."""
    return str(yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1_000_000)).rstrip("\n")


@dataclass(frozen=True)
class FiledMessage:
    """One entry of the review file."""

    intent: str
    text: str
    reviewed_by: str
    reviewed_at: dt.datetime


def review_file(entries: Sequence[FiledMessage]) -> str:
    """The review file: the messages staff filed, each with the intent it should have had. It is
    made from the database on each download (so erasure and retention reach the applicants'
    words) and is not a training file: a person moves the good entries into data/nlu/."""
    return (
        REVIEW_FILE_HEADER
        + "".join(
            f"- intent: {_yaml_string(entry.intent)}\n"
            f"  text: {_yaml_string(entry.text)}\n"
            f"  reviewed_by: {_yaml_string(entry.reviewed_by)}\n"
            f"  reviewed_at: {_yaml_string(entry.reviewed_at.isoformat(timespec='seconds'))}\n"
            for entry in entries
        )
        + ("" if entries else "[]\n")
    )
