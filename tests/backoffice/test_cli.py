"""The staff command line, run as a staff member would, against a SQLite file."""

import datetime as dt
import getpass
import os
import subprocess
import sys

import pytest

from bot.backoffice.db import make_engine
from bot.backoffice.intake import IntakeStore
from tests.common import CONSENT, ROOT, confirmed, lead, smtp_server


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'intake.db'}"


def cli(database, *args, typed=None, **env):
    """The command run as a staff member would; `typed` is its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "bot.backoffice.cli", *args],
        cwd=ROOT,
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database, **env},
    )


def test_list_on_a_fresh_database(database):
    result = cli(database, "leads", "list")
    assert (result.returncode, result.stdout.strip()) == (0, "No leads.")


def test_list_show_export_delete(database, tmp_path):
    assert cli(database, "leads", "list").returncode == 0  # migrates the fresh database
    store = IntakeStore(make_engine(database))
    calm = store.save_lead(lead(person_name="Calm Case", urgency="later"), "Summary of the calm case", [])
    urgent = store.save_lead(
        lead(person_name="Urgent Case", deadline=dt.date(2026, 6, 15), urgency="due_today"),
        "Summary of the urgent case",
        [],
    )

    listing = cli(database, "leads", "list").stdout.splitlines()
    assert listing[0].startswith(f"#{urgent}") and "URGENT" in listing[0] and "Urgent Case" in listing[0]
    assert listing[1].startswith(f"#{calm}") and "URGENT" not in listing[1]

    assert cli(database, "leads", "show", str(calm)).stdout.strip() == "Summary of the calm case"

    exported = tmp_path / "leads.csv"
    result = cli(database, "leads", "export", str(exported))
    assert result.stdout.strip() == f"Wrote 2 leads to {exported}"
    assert exported.read_text().splitlines()[0].startswith("id,kind,created_at,urgency,deadline")

    assert cli(database, "leads", "delete", str(calm)).stdout.strip() == f"Deleted lead #{calm}."
    missing = cli(database, "leads", "show", str(calm))
    assert (missing.returncode, missing.stderr.strip()) == (1, f"error: there is no lead #{calm}")


@pytest.mark.parametrize(
    "args, message",
    [
        (["leads", "show", "abc"], "'abc' is not a whole number"),
        (["leads", "show", "0"], "must be greater than 0"),
        (["purge", "--older-than-days", "-5"], "must be greater than 0"),
        (["leads"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_get_a_clear_error(database, args, message):
    result = cli(database, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_send_due_delivers_and_is_safe_to_repeat(database):
    cli(database, "leads", "list")
    store = IntakeStore(make_engine(database))
    store.save_lead(lead(), "Summary", ["email"])
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    store.request_confirmation("conv-1", "ravi@example.com")
    with smtp_server() as controller:
        env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "BOT_TODAY": "2026-06-15"}
        first = cli(database, "send-due", **env)
        assert first.stdout.strip() == (
            "Erasures: 0 completed, 0 to retry. Notifications: 1 sent, 0 to retry. "
            "Address confirmations: 1 sent, 0 to retry. Reminders: 0 sent, 0 to retry."
        )
        confirmed(store, "conv-1", "ravi@example.com")  # the applicant opens the link
        second = cli(database, "send-due", **env)
        assert second.stdout.strip() == (
            "Erasures: 0 completed, 0 to retry. Notifications: 0 sent, 0 to retry. "
            "Address confirmations: 0 sent, 0 to retry. Reminders: 1 sent, 0 to retry."
        )
        third = cli(database, "send-due", **env)
        assert third.stdout.strip() == (
            "Erasures: 0 completed, 0 to retry. Notifications: 0 sent, 0 to retry. "
            "Address confirmations: 0 sent, 0 to retry. Reminders: 0 sent, 0 to retry."
        )
    assert len(controller.handler.messages) == 3


def test_purge_and_an_unreachable_database(database, tmp_path):
    transcripts = f"sqlite:///{tmp_path / 'conversations.db'}"
    assert cli(database, "purge", TRACKER_DATABASE_URL=transcripts).stdout.strip() == (
        "Deleted 0 leads, 0 conversation transcripts older than 365 days "
        "and 0 reminders that were older, sent or past their deadline, and 0 ended live chats."
    )
    down = cli("postgresql+psycopg2://nobody@127.0.0.1:1/none", "leads", "list")
    assert down.returncode == 2
    assert "error: the database at DATABASE_URL is not reachable" in down.stderr


async def test_purge_keeps_one_retention_period_for_leads_and_transcripts_and_drops_spent_reminders(
    database, tmp_path, monkeypatch
):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from components.tracker_store import ErasableSQLTrackerStore

    transcripts = tmp_path / "conversations.db"
    tracker_store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(transcripts))
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    for sender, days_ago in [("silent-for-a-year", 400), ("active", 400), ("recent", 3)]:
        events = [UserUttered("my name is Ravi Kumar", timestamp=now - days_ago * 86400)]
        if sender == "active":
            events.append(UserUttered("still waiting", timestamp=now - 86400))
        await tracker_store.save(DialogueStateTracker.from_events(sender, events))
    assert cli(database, "leads", "list").returncode == 0  # migrates
    store = IntakeStore(make_engine(database))
    store.add_reminders("conv-1", "sent@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    store.add_reminders("conv-2", "passed@example.com", dt.date(2026, 6, 10), CONSENT, dt.date(2026, 5, 1))
    store.add_reminders("conv-3", "due@example.com", dt.date(2026, 9, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "sent@example.com")
    sent = store.claim_due_reminder(dt.date(2026, 6, 15))
    store.reminder_sent(sent.id)

    result = cli(database, "purge", TRACKER_DATABASE_URL=f"sqlite:///{transcripts}", FIRM_RETENTION_DAYS="365")
    assert result.returncode == 0, result.stderr
    assert "1 conversation transcripts older than 365 days" in result.stdout
    assert sorted(await tracker_store.keys()) == ["active", "recent"]
    assert {(r.email, r.days_before) for r in store.reminders()} == {
        ("sent@example.com", 7),
        ("due@example.com", 30),
        ("due@example.com", 7),
    }


def test_staff_accounts_are_made_listed_and_disabled(database):
    added = cli(database, "users", "add", "Ana@Firm.Example", "--role", "attorney", typed="a long enough password\n")
    assert (added.returncode, added.stdout.strip()) == (0, "Added attorney account ana@firm.example.")
    assert "a long enough password" not in added.stdout + added.stderr
    listed = cli(database, "users", "list")
    assert listed.stdout.split() == ["ana@firm.example", "attorney", "active"]
    again = cli(database, "users", "add", "ana@firm.example", "--role", "staff", typed="another long password\n")
    assert (again.returncode, again.stderr.strip()) == (2, "error: there is already an account for ana@firm.example")
    short = cli(database, "users", "add", "bo@firm.example", "--role", "staff", typed="short\n")
    assert (short.returncode, short.stderr.strip()) == (2, "error: the password must have at least 12 characters")
    assert cli(database, "users", "disable", "ana@firm.example").returncode == 0
    assert "disabled" in cli(database, "users", "list").stdout
    missing = cli(database, "users", "disable", "nobody@firm.example")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: there is no account nobody@firm.example")
    role = cli(database, "users", "add", "x@firm.example", "--role", "admin")
    assert role.returncode == 2 and "invalid choice: 'admin'" in role.stderr


def test_staff_set_the_name_and_title_applicants_are_told_in_a_live_chat(database):
    from sqlalchemy import text

    cli(database, "users", "add", "ana@firm.example", "--role", "staff", typed="a long enough password\n")
    named = cli(database, "users", "set-name", "Ana@firm.example", "--name", "Ana", "--title", "Paralegal")
    assert (named.returncode, named.stdout.strip()) == (
        0,
        "In a live chat, applicants are told they talk with Ana (Paralegal).",
    )
    assert cli(database, "users", "list").stdout.split() == [
        "ana@firm.example",
        "staff",
        "active",
        "Ana",
        "(Paralegal)",
    ]
    cleared = cli(database, "users", "set-name", "ana@firm.example", "--name", "")
    assert cleared.stdout.strip() == "In a live chat, applicants are told they talk with Ana (Paralegal)."
    cleared = cli(database, "users", "set-name", "ana@firm.example", "--title", "")
    assert cleared.stdout.strip() == "In a live chat, applicants are told they talk with Ana (Staff)."
    assert cli(database, "users", "list").stdout.split() == ["ana@firm.example", "staff", "active"]
    nothing = cli(database, "users", "set-name", "ana@firm.example")
    assert (nothing.returncode, nothing.stderr.strip()) == (2, "error: give --name, --title or both")
    missing = cli(database, "users", "set-name", "nobody@firm.example", "--name", "X")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: there is no account nobody@firm.example")
    long = cli(database, "users", "set-name", "ana@firm.example", "--name", "x" * 101)
    assert (long.returncode, long.stderr.strip()) == (2, "error: the name must have at most 100 characters")
    with make_engine(database).connect() as connection:
        rows = connection.execute(text("select action, detail from audit_events where action = 'named account'")).all()
    assert [tuple(row) for row in rows] == [("named account", "ana@firm.example")] * 3


def test_every_command_line_action_on_leads_and_accounts_is_audited(database, tmp_path):
    """Issue 23, finding 9: `leads show/export/delete` and `users add/disable` left no audit line."""
    from sqlalchemy import text

    assert cli(database, "leads", "list").returncode == 0  # migrates the fresh database
    lead_id = IntakeStore(make_engine(database)).save_lead(lead(), "Summary", [])
    for args in (
        ["leads", "list"],
        ["leads", "show", str(lead_id)],
        ["leads", "export", str(tmp_path / "leads.csv")],
        ["leads", "delete", str(lead_id)],
        ["users", "disable", "nobody@firm.example"],  # refused: nothing done, nothing audited
    ):
        cli(database, *args)
    assert cli(database, "users", "add", "ana@firm.example", "--role", "staff", typed="a long enough password\n")
    assert cli(database, "users", "disable", "ana@firm.example").returncode == 0
    with make_engine(database).connect() as connection:
        rows = connection.execute(text("select actor, action, lead_id, detail from audit_events order by id")).all()
    assert [(action, lead, detail) for _, action, lead, detail in rows] == [
        ("listed leads", None, "0 shown"),
        ("listed leads", None, "1 shown"),
        ("viewed", lead_id, None),
        ("exported", lead_id, None),
        ("deleted", lead_id, None),
        ("added account", None, "ana@firm.example (staff)"),
        ("disabled account", None, "ana@firm.example"),
    ]
    assert {actor for actor, *_ in rows} == {f"command line ({getpass.getuser()})"}
