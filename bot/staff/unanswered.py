"""Applicant messages the assistant could not answer, grouped so that staff review each question once.

A message is unanswered when the FallbackClassifier stepped in or its intent was
not confident enough. Similar phrasings are grouped by the words they share. A staff
member can file a message for training: it goes to a review file that Rasa never
reads, and an attorney or developer moves it into the training data after checking it.
"""

import datetime as dt
import fcntl
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.backoffice.db import ROOT
from bot.staff.conversations import APPLICANT, FALLBACK_INTENT, Message

# Below this intent confidence the dashboard lists a message for review.
REVIEW_BELOW = 0.6
# Rasa trains on everything in data/: the review file must stay out of it.
TRAINING_DATA_DIR = ROOT / "data"
REVIEW_FILE = ROOT / "var" / "nlu_for_review.yml"
REVIEW_FILE_HEADER = """\
# Applicant messages that staff filed from the dashboard, each with the intent it should have had.
# Rasa does not read this file. Before the next training an attorney or developer checks each
# item and copies the good ones into data/nlu/ as examples of their intent.
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


def append_for_review(path: Path, text: str, intent: str, reviewer: str, when: dt.datetime) -> None:
    """Adds a message and the intent a staff member gave it to the review file (created with a
    header on first use). Appends by concurrent requests never interleave."""
    if not text.strip() or not intent.strip():
        raise ValueError("a message filed for review needs its text and an intent")
    if path.resolve().is_relative_to(TRAINING_DATA_DIR.resolve()):
        raise ValueError(f"the review file must not be in {TRAINING_DATA_DIR}: Rasa would train on it unchecked")
    item = (
        f"- intent: {_yaml_string(intent)}\n"
        f"  text: {_yaml_string(text)}\n"
        f"  reviewed_by: {_yaml_string(reviewer)}\n"
        f"  reviewed_at: {_yaml_string(when.isoformat(timespec='seconds'))}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        size = handle.seek(0, 2)
        if size == 0:
            item = REVIEW_FILE_HEADER + item
        else:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":  # someone edited it and left no final newline
                item = "\n" + item
        handle.write(item.encode("utf-8"))
