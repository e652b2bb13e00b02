"""Answers a person can read on a phone: over a fixed list of first questions, the first
bubble is short and plain, and the text bubbles of an answer stay few words (the details,
the deadline card and the sources are payloads, opened or glanced at by choice)."""

import pytest

from scripts.answer_lengths import LIMITS, figures, measure, report
from scripts.serve import rest_reply, running_servers

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5115, 5165


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lengths")

    def say(sender, message):
        return rest_reply(RASA_PORT, sender, message)

    env = {"BOT_TODAY": "2026-06-15", "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}"}
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            measured = measure(say)
    print(report(measured))
    return measured


@pytest.mark.parametrize("figure", LIMITS)
def test_answers_stay_within_the_limits_for_a_phone(shapes, figure):
    measured = figures(shapes)
    assert measured[figure] <= LIMITS[figure], report(shapes)
