"""The fixed-seed subset of the dialogue fuzzing (scripts/fuzz.py; `make fuzz` runs 500):
every interruption at a seeded position of every form, against the real servers."""

import pytest

from scripts import fuzz
from tests.system.e2e import RASA_PORT

pytestmark = pytest.mark.slow
SUBSET = 60


def test_conversations_off_the_script_break_no_invariant(servers, workdir, capsys):
    conversations = fuzz.generate(SUBSET, seed=7)
    assert {c.interruption for c in conversations} == set(fuzz.INTERRUPTIONS)
    store = fuzz.Store(workdir / "intake.db", workdir / "conversations.db")
    turns, failing = fuzz.run(conversations, RASA_PORT, store, "test")
    broken = fuzz.report(conversations, turns, failing, results=None)
    details = [
        (c.number, c.form, c.interruption, [(v.invariant, v.message, v.replies) for v in found]) for c, found in failing
    ]
    assert broken == 0, details
    assert turns > 5 * SUBSET  # the conversations did go on after their interruption
