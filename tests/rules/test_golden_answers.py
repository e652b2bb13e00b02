"""Golden file of the engine's answers over a grid of cases: topic, deadline, referral level
and the knowledge entries used. A change to the rules or the knowledge base that changes an
answer shows up as a diff of tests/golden/engine_answers.txt, to be reviewed like code.

After a deliberate change: `make golden` rewrites the file; read its diff before committing.
"""

import datetime as dt
import itertools
import os
from dataclasses import asdict

from bot.rules.advice import AdviceEngine, CaseFacts
from bot.rules.countdown import KINDS_221G
from bot.rules.knowledge import KnowledgeBase
from bot.rules.reference import ceac_statuses, consulates
from tests.common import ROOT

GOLDEN = ROOT / "tests" / "golden" / "engine_answers.txt"
TODAY = dt.date(2026, 6, 15)


def grid():
    posts = [None] + sorted(name for name, post in consulates().items() if post.inquiry_wait_days)[:2]
    notices = [None, dt.date(2026, 5, 1), dt.date(2025, 7, 1), dt.date(2025, 5, 1)]
    for status, visa in itertools.product([None, *sorted(ceac_statuses())], [None, "H-1B", "DV", "CR-1"]):
        yield CaseFacts(ceac_status=status, visa_type=visa)
    for section, visa, notice in itertools.product(
        [None, "221g", "214b", "212a6Ci"], [None, "F-1", "F1", "K-1"], notices
    ):
        yield CaseFacts(ceac_status="refused", refusal_section=section, visa_type=visa, notice_date=notice)
    for kind, visa in itertools.product([None, *KINDS_221G], [None, "H-1B", "IR-5"]):
        yield CaseFacts(kind_221g=kind, visa_type=visa, interview_date=dt.date(2026, 2, 1))
    for days, post in itertools.product([None, 10, 100, 400], posts):
        yield CaseFacts(days_since_interview=days, consulate=post)
    # DV years before, at and after the cutoff; a presidential proclamation.
    for dv_year, kind in itertools.product([None, 2025, 2026, 2027], [None, *KINDS_221G]):
        yield CaseFacts(visa_type="DV", dv_year=dv_year, kind_221g=kind, notice_date=dt.date(2025, 11, 1))
    yield CaseFacts(ceac_status="refused", refusal_section="212f", notice_date=dt.date(2026, 5, 1))


def describe(facts: CaseFacts) -> str:
    return ", ".join(f"{k}={v}" for k, v in asdict(facts).items() if v is not None) or "nothing known"


def answer_lines():
    engine = AdviceEngine(KnowledgeBase.load(), today=lambda: TODAY)
    for facts, topic in itertools.product(grid(), sorted(engine.topics)):
        answer = engine.answer(topic, facts)
        if answer.needs:
            outcome = f"asks for {answer.needs}"
        else:
            found = answer.deadline
            deadline = (
                f"deadline {found.deadline} from {found.counted_from} ({found.urgency})" if found else "no deadline"
            )
            outcome = f"{deadline} | referral {answer.referral} | {', '.join(answer.entries)}"
        yield f"{topic} | {describe(facts)} | {outcome}"


def test_engine_answers_match_the_reviewed_golden_file():
    current = "\n".join(answer_lines()) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(current)
    assert GOLDEN.exists(), "no golden file yet: run `make golden` and review it"
    expected = GOLDEN.read_text()
    changed = [(old, new) for old, new in zip(expected.splitlines(), current.splitlines(), strict=False) if old != new]
    assert current == expected, (
        f"{len(changed)} answers differ from tests/golden/engine_answers.txt; first: {changed[:3]}. "
        "If the change is intended, run `make golden` and review the diff."
    )


def test_no_214b_or_212a_case_gets_a_221g_countdown():
    # Read from the golden lines, so the rule is checked over the whole grid.
    for line in answer_lines():
        if "refusal_section=214b" in line or "refusal_section=212a" in line:
            assert "no deadline" in line or "asks for" in line, line
