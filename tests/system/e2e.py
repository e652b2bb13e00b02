"""What the end-to-end tests share: the ports of the servers tests/system/conftest.py starts
(once for the whole run), sending a message over REST, and reading what the servers stored."""

import sqlite3

import yaml

from bot.rules.knowledge import KnowledgeBase
from scripts.serve import rest_reply
from tests.common import ROOT

RASA_PORT, ACTIONS_PORT = 5105, 5155
TODAY = "2026-06-15"
KNOWLEDGE = KnowledgeBase.load()
# SafeAction turns any exception in an action into this apology: in a test, it is a failure.
APOLOGY = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_something_went_wrong"][0]["text"]


def say(sender, message):
    replies = rest_reply(RASA_PORT, sender, message)
    crashed = [r["text"] for r in replies if r.get("text", "").startswith(APOLOGY.split("{")[0])]
    assert not crashed, f"an action failed on {message!r}: see the servers' log"
    return replies


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def customs(replies, kind):
    return [r["custom"] for r in replies if r.get("custom", {}).get("type") == kind]


def says(replies, entry_id):
    """The answer gives that knowledge entry: in a text bubble (its short version where it opens
    the answer) or in full among the details one tap away."""
    entry = KNOWLEDGE.entry(entry_id)
    details = [item["text"] for found in customs(replies, "details") for item in found["items"]]
    return any(entry.render_short() in t or entry.text in t for t in texts(replies)) or entry.text in details


def stored(workdir, query, *parameters):
    with sqlite3.connect(workdir / "intake.db") as connection:
        return connection.execute(query, parameters).fetchall()


def tracker_events(workdir, sender):
    with sqlite3.connect(workdir / "conversations.db") as connection:
        return connection.execute("select count(*) from events where sender_id = ?", (f"rest-{sender}",)).fetchone()[0]
