"""How long the assistant's answers are as a reader on a phone meets them: words in text
bubbles and bubbles per answer, and the first bubble's words and reading grade (Flesch-Kincaid,
textstat), over a fixed list of first questions (tests/data/answer_length_questions.yml).

`make bench` prints the report; tests/system/test_answer_lengths.py holds the answers to
LIMITS. Custom payloads (the deadline card, the details, the sources) are not text bubbles:
the reader opens the details only if they want them.
"""

import statistics
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import textstat
import yaml

from scripts.serve import ROOT

QUESTIONS_FILE = ROOT / "tests" / "data" / "answer_length_questions.yml"
LIMITS = {
    "first bubble words, max": 50,
    "words per answer, median": 80,
    "words per answer, 90th percentile": 150,
    "first bubble reading grade, max": 8.0,
}
Say = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class AnswerShape:
    question: str
    words: int  # in all text bubbles of the answer
    text_bubbles: int
    messages: int  # text bubbles, cards and other payloads
    first_words: int
    first_grade: float
    first_text: str


def questions() -> list[str]:
    return list(yaml.safe_load(QUESTIONS_FILE.read_text())["questions"])


def shape(question: str, replies: list[dict[str, Any]]) -> AnswerShape:
    texts = [reply["text"] for reply in replies if reply.get("text")]
    if not texts:
        raise AssertionError(f"no text in the answer to {question!r}: {replies}")
    return AnswerShape(
        question,
        words=sum(len(text.split()) for text in texts),
        text_bubbles=len(texts),
        messages=len(replies),
        first_words=len(texts[0].split()),
        first_grade=textstat.flesch_kincaid_grade(texts[0]),
        first_text=texts[0],
    )


def measure(say: Say) -> list[AnswerShape]:
    """Each question as the first of a new conversation, after a greeting (so the welcome
    message of a new conversation is not counted)."""
    run = uuid.uuid4().hex[:8]
    shapes = []
    for number, question in enumerate(questions()):
        sender = f"lengths-{run}-{number}"
        say(sender, "hi")
        shapes.append(shape(question, say(sender, question)))
    return shapes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(shapes: list[AnswerShape]) -> dict[str, float]:
    words = [float(s.words) for s in shapes]
    return {
        "first bubble words, max": max(s.first_words for s in shapes),
        "words per answer, median": statistics.median(words),
        "words per answer, 90th percentile": percentile(words, 0.9),
        "first bubble reading grade, max": max(s.first_grade for s in shapes),
    }


def report(shapes: list[AnswerShape]) -> str:
    words = [s.words for s in shapes]
    bubbles = [s.text_bubbles for s in shapes]
    messages = [s.messages for s in shapes]
    grades = [s.first_grade for s in shapes]
    lines = [
        f"Answer lengths over {len(shapes)} first questions:",
        f"  words in text bubbles per answer: median {statistics.median(words):.0f}, "
        f"90th percentile {percentile(words, 0.9):.0f}, max {max(words)}",
        f"  text bubbles per answer: median {statistics.median(bubbles):.0f}, max {max(bubbles)}; "
        f"all messages (cards and payloads too): median {statistics.median(messages):.0f}, max {max(messages)}",
        f"  first bubble: words median {statistics.median(s.first_words for s in shapes):.0f}, "
        f"max {max(s.first_words for s in shapes)}; reading grade median {statistics.median(grades):.1f}, "
        f"max {max(grades):.1f}",
    ]
    over = [s for s in shapes if s.first_words > LIMITS["first bubble words, max"]]
    hard = [s for s in shapes if s.first_grade > LIMITS["first bubble reading grade, max"]]
    lines += [f"  first bubble over the word limit: {s.question!r} ({s.first_words} words)" for s in over]
    lines += [f"  first bubble above grade 8: {s.question!r} ({s.first_grade:.1f}): {s.first_text}" for s in hard]
    return "\n".join(lines)
