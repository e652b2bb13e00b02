"""Dialogue fuzzing: conversations that leave the script, played against the real Rasa server
and action server over REST, with invariants checked on every turn (issue 22).

Each conversation starts one form (intake, reminder or callback) and answers whatever it is
asked; at one position it interrupts with a message of another intent (drawn from the dev sets,
never the NLU test set), a control ("stop", "delete my data"), a repeat, a correction, an empty or
a very long message, then goes on answering. Invariants (README "How a conversation flows"):

  crash          no apology for a failed action
  not_followed   never "couldn't follow" for an in-scope message the NLU understood (above config.yml's fallback threshold)
  question_back  after a question, small talk or "finish first", the form's question comes back, once
  answered       a question or small talk understood in a form gets its own reply, not only the form's question
  consent        no lead, reminder or address confirmation without an explicit consent answer
  erasure        a confirmed erasure is carried out, and nothing of the conversation remains
  slow           every reply within SLOW_REPLY_SECONDS

    python -m scripts.fuzz [--conversations 500] [--seed 1] [--replay results/fuzz-.../3.json]

It starts its own servers on a throwaway database (the trained model must exist), prints the
conversations, turns and violations by invariant, and writes each failing conversation to
results/ as JSON that --replay plays again.
"""

import argparse
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
import urllib.error
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actions.questions import QUESTIONS
from bot.language import LANGUAGES, translated_responses
from scripts.serve import rest_reply, running_servers

ROOT = Path(__file__).resolve().parent.parent
DEV_SETS = sorted((ROOT / "tests" / "nlu").glob("dev_set*.yml"))  # never the test set
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
FALLBACK_THRESHOLD = next(
    c["threshold"]
    for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    if c["name"] == "FallbackClassifier"
)
SLOW_REPLY_SECONDS = 10.0
TODAY = "2026-06-15"

QUESTION_INTENTS = list(QUESTIONS)
FLOW_INTENTS = {"request_consultation": "intake", "set_reminder": "reminder", "request_human": "callback"}
# What starts each form (the reminder needs a 221(g) date first).
OPENINGS = {
    "intake": ["i want to book a consultation with a lawyer"],
    "reminder": ["got a 221g letter dated 3 March 2026, when is my deadline?", "please remind me before my deadline"],
    "callback": ["can I talk to a real person please"],
}
# The answer to each question a form asks.
ANSWERS = {
    "intake_consent": ["yes", "/affirm"],
    "callback_consent": ["yes", "/affirm"],
    "reminder_consent": ["yes", "/affirm"],
    "person_name": ["Ravi Kumar", "Maria Lopez"],
    "email": ["ravi.kumar@example.com"],
    "phone": ["skip", "+1 415 555 0100"],
    "visa_type": ["H-1B", "f1"],
    "consulate": ["Chennai", "ciudad juarez"],
    "interview_date": ["1 March 2026"],
    "notice_date": ["3 March 2026"],
    "notice_request": ['/inform{"notice_request":"documents"}', "they want documents"],
    "has_petition": ["no", "/deny"],
    "petitioner_name": ["Acme Corp"],
    "case_description": ["They asked for a client letter and my employer is slow to send it."],
    "contact": ["+1 415 555 0100"],
}
CONTROLS = {
    "stop": ["stop", "cancel this"],
    "goodbye": ["bye"],
    "repeat": ["what was the question?"],
    "delete_yes": ["please delete my data"],
    "delete_no": ["delete everything you have about me"],
    "empty": [""],
    "long": ["my case " * 400 + "what does it mean?"],
    "emoji": ["🙂🙂"],
    "correction": ["sorry, I meant 2 March 2026"],
}
# Every intent of the dev sets (answers too: a "yes" or a stray fact where another answer is due).
INTERRUPTIONS = QUESTION_INTENTS + [
    "bot_challenge",
    "out_of_scope",
    "greet",
    "thank",
    "affirm",
    "deny",
    "inform",
    *FLOW_INTENTS,
    *CONTROLS,
    "again",
]
# Interruptions after which the form's question must come back (when the NLU understood them so).
BRINGS_THE_QUESTION_BACK = set(QUESTION_INTENTS) | {"bot_challenge", "out_of_scope", "greet", "thank", "repeat"}
RETURN_INTENTS = {"repeat_question", "continue_form"}


def plain(example: str) -> str:
    """An annotated training example as the applicant typed it."""
    return re.sub(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))", r"\1", example).strip()


def dev_messages() -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    for path in DEV_SETS:
        if not path.exists():
            continue
        for block in yaml.safe_load(path.read_text())["nlu"]:
            lines = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
            pools.setdefault(block["intent"], []).extend(plain(line) for line in lines)
    return pools


def _pattern(text: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", text)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.S)


# Each form question as the bot words it: slot -> patterns (the full question and the "again" one).
# In every language: a message in another language may change the conversation's (bot/language).
FORM_QUESTIONS: dict[str, list[re.Pattern[str]]] = {}
for _responses in [DOMAIN["responses"], *(translated_responses(code) for code in LANGUAGES)]:
    for _name, _variants in _responses.items():
        _match = re.fullmatch(r"utter_ask_([a-z_]+?)(_again)?", _name)
        if _match and _match.group(1) in ANSWERS:
            FORM_QUESTIONS.setdefault(_match.group(1), []).extend(_pattern(v["text"]) for v in _variants)


def first_text(name: str) -> str:
    return str(DOMAIN["responses"][name][0]["text"])


APOLOGY = first_text("utter_something_went_wrong").split("{")[0]
NOT_FOLLOWED = first_text("utter_default").split("{")[0]


@dataclass
class Conversation:
    number: int
    form: str
    interruption: str
    position: int
    seed: int
    messages: list[str] = field(default_factory=list)  # filled while it is played (for --replay)


@dataclass
class Violation:
    invariant: str
    turn: int
    message: str
    replies: list[str]


def form_questions(replies: list[dict[str, Any]]) -> int:
    """How many of the reply's messages are a form's question."""
    return sum(
        any(p.fullmatch(reply.get("text") or "") for patterns in FORM_QUESTIONS.values() for p in patterns)
        for reply in replies
    )


def asked_slot(replies: list[dict[str, Any]]) -> str | None:
    """The form question the reply ends with, if any."""
    found = None
    for reply in replies:
        for slot, patterns in FORM_QUESTIONS.items():
            if any(p.fullmatch(reply.get("text") or "") for p in patterns):
                found = slot
    return found


class Store:
    """What the servers stored about a conversation (the intake and the tracker databases)."""

    def __init__(self, intake_db: Path, tracker_db: Path) -> None:
        self.intake_db, self.tracker_db = intake_db, tracker_db

    def count(self, table: str, sender: str) -> int:
        if not self.intake_db.exists():
            return 0  # the actions create it when they first store something
        with sqlite3.connect(self.intake_db) as db:
            return int(db.execute(f"select count(*) from {table} where conversation_id = ?", (sender,)).fetchone()[0])

    def kinds(self, sender: str) -> list[str]:
        if not self.intake_db.exists():
            return []
        with sqlite3.connect(self.intake_db) as db:
            return [row[0] for row in db.execute("select kind from leads where conversation_id = ?", (sender,))]

    def events(self, sender: str) -> int:
        with sqlite3.connect(self.tracker_db) as db:
            return int(db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0])

    def form_running(self, sender: str) -> bool:
        """A form is still running (the latest form event starts one)."""
        with sqlite3.connect(self.tracker_db) as db:
            row = db.execute(
                "select data from events where sender_id = ? and type_name = 'active_loop' order by id desc limit 1",
                (sender,),
            ).fetchone()
        return bool(row and json.loads(row[0]).get("name"))

    def last_parse(self, sender: str) -> dict[str, Any]:
        with sqlite3.connect(self.tracker_db) as db:
            row = db.execute(
                "select data from events where sender_id = ? and type_name = 'user' order by id desc limit 1",
                (sender,),
            ).fetchone()
        return json.loads(row[0]).get("parse_data", {}) if row else {}


def generate(count: int, seed: int) -> list[Conversation]:
    rng = random.Random(seed)
    forms = sorted(OPENINGS)
    return [
        Conversation(
            number=n,
            form=forms[n % len(forms)],
            interruption=INTERRUPTIONS[n % len(INTERRUPTIONS)],  # 29 kinds, 3 forms: every pair in 87
            position=rng.randrange(0, 8),
            seed=rng.randrange(1 << 30),
        )
        for n in range(count)
    ]


def play(
    conversation: Conversation,
    send: Callable[[str, str], list[dict[str, Any]]],
    store: Store,
    pools: dict[str, list[str]],
    sender: str,
) -> list[Violation]:
    """Plays one conversation (or replays its messages) and returns the invariants it broke."""
    rng = random.Random(conversation.seed)
    replay = list(conversation.messages)
    conversation.messages = []
    violations: list[Violation] = []
    consented: set[str] = set()  # consent slots answered "yes" right after their question
    pending: str | None = None  # the form question the last reply ended with
    last_answer = ""
    turn = 0

    def say(message: str, kind: str) -> list[dict[str, Any]]:
        nonlocal turn, pending
        message = replay.pop(0) if replay else message
        conversation.messages.append(message)
        started = time.monotonic()
        try:
            replies = send(sender, message)
        except urllib.error.HTTPError as error:  # the server failed on this message
            replies = [{"text": f"{APOLOGY} (HTTP {error.code})"}]
        took = time.monotonic() - started
        texts = [r.get("text") or "" for r in replies]

        def broke(invariant: str) -> None:
            violations.append(Violation(invariant, turn, message[:200], texts))

        if any(t.startswith(APOLOGY) for t in texts):
            broke("crash")
        if took > SLOW_REPLY_SECONDS:
            broke("slow")
        parse = store.last_parse(f"rest-{sender}") if message else {}
        intent = (parse.get("intent") or {}).get("name")
        understood = (parse.get("intent") or {}).get("confidence", 0) >= FALLBACK_THRESHOLD
        if any(t.startswith(NOT_FOLLOWED) for t in texts) and understood and intent not in (None, "out_of_scope"):
            broke("not_followed")
        if pending and kind in BRINGS_THE_QUESTION_BACK and intent in BRINGS_THE_QUESTION_BACK | RETURN_INTENTS:
            # Once, and only while a form runs (a new fact may settle it: "my petition went back to
            # USCIS" ends a reminder form).
            if form_questions(replies) != 1 and store.form_running(f"rest-{sender}"):
                broke("question_back")
            # Something besides the form's question: the answer, the reply to the small talk.
            if understood and len(replies) <= form_questions(replies):
                broke("answered")
        if kind == "confirm_erasure" and not any("I deleted" in t or "request to delete" in t for t in texts):
            broke("erasure")  # a confirmed erasure is done (or recorded), never taken for anything else
        if pending and pending.endswith("_consent") and intent == "affirm":
            consented.add(pending)  # a yes, as the NLU read it, right after the consent question
        if any("I deleted" in t for t in texts):
            remaining = sum(
                store.count(table, f"rest-{sender}")
                for table in ("leads", "reminders", "address_confirmations", "unanswered_reviews")
            ) + store.events(f"rest-{sender}")
            if remaining:
                broke("erasure")
        pending = asked_slot(replies)
        turn += 1
        return replies

    for opening in OPENINGS[conversation.form]:
        say(opening, "opening")
    interrupted = False
    for step in range(14):
        if step == conversation.position and not interrupted:
            interrupted = True
            if not interrupt(conversation.interruption, say, rng, pools, last_answer):
                break
            continue
        if pending is None:
            break
        last_answer = rng.choice(ANSWERS[pending])
        say(last_answer, "answer")
    if not interrupted and pending is None:
        # The form ended before the chosen position: interrupt afterwards, off any form.
        interrupt(conversation.interruption, say, rng, pools, last_answer)

    leads = store.kinds(f"rest-{sender}")
    if ("consultation" in leads and "intake_consent" not in consented) or (
        "callback" in leads and "callback_consent" not in consented
    ):
        violations.append(Violation("consent", turn, "a lead stored without consent", leads))
    reminders = store.count("reminders", f"rest-{sender}") + store.count("address_confirmations", f"rest-{sender}")
    if reminders and "reminder_consent" not in consented:
        violations.append(Violation("consent", turn, "a reminder stored without consent", []))
    return violations


def interrupt(
    kind: str,
    say: Callable[[str, str], list[dict[str, Any]]],
    rng: random.Random,
    pools: dict[str, list[str]],
    last_answer: str,
) -> bool:
    """Sends the interruption; False when the conversation is over after it."""
    if kind == "again":
        say(last_answer or "yes", "again")
        return True
    if kind in CONTROLS:
        say(rng.choice(CONTROLS[kind]), kind)
        if kind == "delete_yes":
            say("yes", "confirm_erasure")
        if kind == "delete_no":
            say("no", "confirm")
        return kind not in ("stop", "goodbye", "delete_yes", "delete_no")
    replies = say(rng.choice(pools.get(kind) or ["hello"]), kind)
    buttons = [b["payload"] for r in replies for b in r.get("buttons") or []]
    if "/continue_form" in buttons:
        choice = rng.choice(["/continue_form", "/switch_flow"])
        say(choice, "repeat" if choice == "/continue_form" else "switch")
    return True


def run(conversations: list[Conversation], port: int, store: Store, label: str) -> tuple[int, list[tuple]]:
    pools = dev_messages()
    failing, turns = [], 0
    send = lambda sender, message: rest_reply(port, sender, message)  # noqa: E731
    for conversation in conversations:
        found = play(conversation, send, store, pools, f"fuzz-{label}-{conversation.number}")
        turns += len(conversation.messages)
        if found:
            failing.append((conversation, found))
    return turns, failing


def report(conversations: list[Conversation], turns: int, failing: list[tuple], results: Path | None) -> int:
    counts = Counter(v.invariant for _, found in failing for v in found)
    print(f"conversations: {len(conversations)}  turns: {turns}  violations: {sum(counts.values())}")
    for invariant in ("crash", "not_followed", "question_back", "answered", "consent", "erasure", "slow"):
        print(f"  {invariant:<14} {counts.get(invariant, 0)}")
    if failing and results:
        results.mkdir(parents=True, exist_ok=True)
        for conversation, found in failing:
            record = {"conversation": asdict(conversation), "violations": [asdict(v) for v in found]}
            (results / f"{conversation.number}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
        print(f"failing conversations written to {results} (replay: python -m scripts.fuzz --replay FILE)")
    return sum(counts.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", type=Path, help="a failing conversation's JSON file from results/")
    parser.add_argument("--port", type=int, default=5125)
    args = parser.parse_args()
    if args.replay:
        conversations = [Conversation(**json.loads(args.replay.read_text())["conversation"])]
    else:
        conversations = generate(args.conversations, args.seed)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as work:
        workdir = Path(work)
        env = {
            "BOT_TODAY": TODAY,
            "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "9",  # nothing listens: mail stays in the outbox
            "MESSAGES_PER_ADDRESS_PER_MINUTE": "0",  # one client sends everything
        }
        store = Store(workdir / "intake.db", workdir / "conversations.db")
        print(f"Starting the servers, then playing {len(conversations)} conversations...", flush=True)
        with open(workdir / "servers.log", "w") as log:
            with running_servers(args.port, args.port + 50, tracker_db=store.tracker_db, env=env, log=log):
                turns, failing = run(conversations, args.port, store, str(args.seed))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return 1 if report(conversations, turns, failing, ROOT / "results" / f"fuzz-{stamp}") else 0


if __name__ == "__main__":
    sys.exit(main())
