"""One PostgreSQL role per service (bot/backoffice/db_roles.py), on a server of the test's own
(roles belong to the whole server, so the machine's is never touched): db-init as the owner,
then each service's real code as its role, and what each role must not do. (That server
trusts local connections: the passwords themselves are not checked here, the privileges are.)"""

import re

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet as RasaSlotSet
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions import storage
from actions.answers import ActionContinue
from actions.forms import ActionSubmitIntake, ActionSubmitReminder
from actions.resources import ADVICE, FIRM
from bot.backoffice.db import make_engine
from bot.backoffice.db_roles import SERVICES, role_name
from bot.backoffice.intake import IntakeStore
from bot.backoffice.notify import MailSettings, deliver_notifications, send_confirmations
from bot.backoffice.signoffs import signed_off
from bot.backoffice.summary import case_summary
from bot.backoffice.transcripts import erase_transcript
from components.tracker_store import ErasableSQLTrackerStore, prepare_tracker_database
from scripts.serve import running_dashboard
from tests.actions.test_forms import INTAKE
from tests.backoffice.test_cli import cli as run_cli
from tests.common import add_staff_account, lead, responses, run, throwaway_postgres, tracker, unused_port
from tests.staff.test_dashboard_http import PASSWORD, Browser
from tests.staff.test_knowledge_signoff_http import FIRST, form_field, sign_off_form

PASSWORDS = {service: f"{service}-password-0123456789" for service in SERVICES}


def cli(env, *args):
    """The command line with these settings (DATABASE_URL among them)."""
    settings = dict(env)
    return run_cli(settings.pop("DATABASE_URL"), *args, **settings)


@pytest.fixture(scope="module")
def server():
    """A migrated database whose services have their roles: (owner URL, URL of a service's role)."""
    with throwaway_postgres() as postgres:
        owner = postgres.create_database()
        prepare_tracker_database(owner, None)  # Rasa's tables: db-init's first step
        passwords = {f"DB_PASSWORD_{service.upper()}": value for service, value in PASSWORDS.items()}
        done = cli({"DATABASE_URL": owner, "TRACKER_DATABASE_URL": owner, **passwords}, "db-init")
        assert done.returncode == 0, done.stderr
        host, database = owner.split("@", 1)[1].split("/")

        def as_role(service):
            return f"postgresql+psycopg2://{role_name(service)}:{PASSWORDS[service]}@{host}/{database}"

        yield owner, as_role


def env_of(as_role, service):
    url = as_role(service)
    return {"DATABASE_URL": url, "TRACKER_DATABASE_URL": url, "BOT_TODAY": "2026-06-15"}


def test_db_init_says_which_passwords_are_missing(server):
    owner, _ = server
    done = cli({"DATABASE_URL": owner, "TRACKER_DATABASE_URL": owner, "DB_PASSWORD_RASA": "short"}, "db-init")
    assert done.returncode == 2
    assert "DB_PASSWORD_RASA must be set to at least 16 characters" in done.stderr
    assert "DB_PASSWORD_STAFF" in done.stderr


def test_db_init_again_keeps_every_service_working(server):
    owner, as_role = server
    passwords = {f"DB_PASSWORD_{service.upper()}": value for service, value in PASSWORDS.items()}
    assert cli({"DATABASE_URL": owner, "TRACKER_DATABASE_URL": owner, **passwords}, "db-init").returncode == 0
    with make_engine(as_role("staff")).connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM staff_users").scalar() >= 0


async def test_the_action_servers_role_takes_an_intake_a_reminder_and_an_erasure(server, monkeypatch):
    owner, as_role = server
    for name, value in env_of(as_role, "actions").items():
        monkeypatch.setenv(name, value)
    storage.transcripts.cache_clear()
    try:
        events, messages = await run(ActionSubmitIntake(), tracker("affirm", **INTAKE))
        assert responses(messages)[0] == "utter_intake_received", messages
        _, messages = await run(
            ActionSubmitReminder(),
            tracker(
                "affirm",
                reminder_consent="yes",
                email="a@example.com",
                notice_date="2026-03-01",
                refusal_section="221g",
                language="es",  # stored with the reminders and their link (issue 25)
                disclaimer_language="es",
            ),
        )
        assert responses(messages) == ["utter_reminder_confirm"], messages
        # The link and the lawyer's notification are sent from the action server at once; nothing
        # listens on the mail port, so each is claimed, tried and marked for a retry, as this role.
        storage.wait_for_background_work()
        store = storage.intake_store()
        settings = MailSettings.from_env(FIRM)
        send_confirmations(store, settings, FIRM)
        deliver_notifications(store, settings)
        with make_engine(owner).connect() as connection:
            tried = connection.exec_driver_sql(
                "SELECT attempts FROM address_confirmations WHERE email = 'a@example.com'"
            ).scalar()
        assert tried >= 1
        with make_engine(owner).connect() as connection:
            languages = connection.exec_driver_sql(
                "SELECT DISTINCT language FROM reminders WHERE email = 'a@example.com' UNION ALL "
                "SELECT language FROM address_confirmations WHERE email = 'a@example.com'"
            ).scalars()
            assert sorted(languages) == ["es", "es"]
        # require_attorney_review reads the sign-offs of the answer's language (issue 25) as this role.
        assert signed_off(store, ADVICE.kb.entries.values(), "es") == set()
        events, messages = await run(ActionContinue(), tracker("affirm", pending_topic="delete_data"))
        assert responses(messages) == ["utter_deleted", None], messages
        assert storage.intake_store().pending_erasures() == []
    finally:
        storage.wait_for_background_work()
        storage.transcripts.cache_clear()


async def test_the_rasa_role_keeps_transcripts_and_confirms_an_address(server):
    owner, as_role = server
    rasa = make_engine(as_role("rasa")).url
    transcripts = ErasableSQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=rasa.host,
        port=rasa.port,
        db=rasa.database,
        username=rasa.username,
        password=rasa.password,
    )
    await transcripts.save(DialogueStateTracker.from_events("rasa-role", [UserUttered("hello")]))
    assert len((await transcripts.retrieve("rasa-role")).events) == 1
    erased = DialogueStateTracker.from_events(
        "rasa-role", [UserUttered("hello"), RasaSlotSet("erase_conversation", True)]
    )
    await transcripts.save(erased)
    assert await transcripts.retrieve("rasa-role") is None
    # A confirmation link asked for by the action servers, opened on the Rasa server's page, which
    # reads the link's language (issue 25) and never its address.
    actions = IntakeStore(make_engine(as_role("actions")))
    actions.request_confirmation("rasa-role", "b@example.com", "es")
    confirmation = actions.claim_confirmation()
    token = actions.new_confirmation_token(confirmation.id)
    page = IntakeStore(make_engine(as_role("rasa")))
    assert page.confirmation_link(token).language == "es"
    assert page.confirm_address(token)
    assert page.confirmation_link(token).confirmed


def test_the_jobs_role_sends_what_is_due_and_purges(server):
    owner, as_role = server
    actions = IntakeStore(make_engine(as_role("actions")))
    old = lead(conversation_id="jobs-old")
    actions.save_lead(old, case_summary(old), ["email"])
    actions.request_erasure("jobs-erasure")
    with make_engine(owner).begin() as connection:
        connection.execute(
            sa.text("UPDATE leads SET created_at = created_at - interval '400 days' WHERE conversation_id = 'jobs-old'")
        )
    sent = cli(env_of(as_role, "jobs"), "send-due")
    # 3: mail waits for a server (none listens); every erasure done, none left for a database error.
    assert sent.returncode in (0, 3) and re.search(r"Erasures: [1-9]\d* completed, 0 to retry", sent.stdout), sent
    purged = cli(env_of(as_role, "jobs"), "purge", "--older-than-days", "365")
    assert purged.returncode == 0 and "Deleted 1 leads" in purged.stdout, purged.stderr


def test_the_staff_role_runs_the_dashboard_and_the_command_line(server, tmp_path):
    owner, as_role = server
    env = env_of(as_role, "staff")
    add_staff_account(env, "attorney@firm.example", "attorney", PASSWORD)
    actions = IntakeStore(make_engine(as_role("actions")))
    answers = lead(conversation_id="staff-role", person_name="Mei Chen")
    lead_id = actions.save_lead(answers, case_summary(answers), [])
    port = unused_port()
    with open(tmp_path / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log):
        browser = Browser(f"http://127.0.0.1:{port}")
        assert browser.sign_in("attorney@firm.example")[0] in (302, 303)
        for path in (
            "/leads",
            f"/leads/{lead_id}",
            "/leads/export.csv",
            "/follow-ups",
            "/unanswered",
            "/knowledge",
            "/analytics",
            "/audit",
            f"/leads/{lead_id}/erase",
        ):
            assert browser.request(path)[0] == 200, path
        token = browser.csrf()
        assert browser.request(f"/leads/{lead_id}/status", {"status": "closed", "expected": "new", "csrf": token})[
            0
        ] in (302, 303)
        assert browser.request(f"/leads/{lead_id}/notes", {"note": "Called back.", "csrf": token})[0] in (302, 303)
        page = browser.request(f"/knowledge/{FIRST}")[2]
        form = {"csrf": form_field(page, "csrf"), "content_hash": form_field(page, "content_hash")}
        assert browser.request(f"/knowledge/{FIRST}/sign-off", form)[0] == 302
        spanish = sign_off_form(page, "es")  # each language's text on its own (issue 25)
        assert browser.request(f"/knowledge/{FIRST}/sign-off", spanish)[0] == 302
        with make_engine(owner).connect() as connection:
            query = "SELECT language FROM knowledge_signoffs WHERE entry_id = %(entry)s ORDER BY id"
            assert connection.exec_driver_sql(query, {"entry": FIRST}).scalars().all() == ["en", "es"]
        erased = browser.request(f"/leads/{lead_id}/erase", {"csrf": token, "confirm": "yes"})
        assert erased[0] == 200 and "everything of its conversation are erased" in erased[2]
        assert browser.request("/logout", {"csrf": token})[0] in (302, 303)
    assert "Traceback" not in (tmp_path / "dashboard.log").read_text()
    for args in (("leads", "list"), ("leads", "export"), ("users", "list")):
        done = cli(env, *args)
        assert done.returncode == 0, (args, done.stderr)


def test_the_actions_role_requests_a_handoff_and_the_staff_role_takes_it(server):
    """Live handoff (issue 26): the action servers see whether someone is available and ask; the
    dashboard marks availability, takes, speaks and ends. The action servers cannot take one."""
    import datetime as dt

    from bot.backoffice import handoffs

    owner, as_role = server
    now = dt.datetime.now(dt.timezone.utc)
    staff = IntakeStore(make_engine(as_role("staff")))
    actions = IntakeStore(make_engine(as_role("actions")))
    with make_engine(owner).begin() as connection:
        user_id = connection.exec_driver_sql(
            "INSERT INTO staff_users (email, role, password_hash, created_at) "
            "VALUES ('handoff@firm.example', 'staff', 'x', now()) RETURNING id"
        ).scalar()
    assert handoffs.set_available(staff, user_id, True, now)
    assert handoffs.staff_available(actions, now)
    asked = handoffs.request_handoff(actions, "handoff-role", "widget", "es", now)
    assert handoffs.request_handoff(actions, "handoff-role", "widget", "es", now) == asked
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        handoffs.take(actions, asked.id, user_id, now)
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        handoffs.expire_waiting(actions, now + dt.timedelta(hours=1), dt.timedelta(minutes=3))
    held = handoffs.take(staff, asked.id, user_id, now)
    assert held is not None and held.taken_by == user_id
    assert handoffs.staff_message_sent(staff, held.id, user_id, now)
    assert handoffs.end(staff, held.id, user_id, "returned", now).state == "returned"
    assert handoffs.expire_waiting(staff, now, dt.timedelta(minutes=3)) == []
    assert handoffs.abandoned(staff, now, dt.timedelta(minutes=10), set()) == []


@pytest.mark.parametrize(
    "service, statement",
    [
        ("actions", "SELECT password_hash FROM staff_users"),
        ("actions", "SELECT email FROM staff_users"),
        ("actions", "UPDATE handoffs SET state = 'held'"),
        ("actions", "UPDATE staff_users SET available = true"),
        ("rasa", "SELECT * FROM handoffs"),
        ("actions", "SELECT * FROM audit_events"),
        ("rasa", "SELECT person_name FROM leads"),
        ("rasa", "SELECT email FROM address_confirmations"),
        ("rasa", "SELECT * FROM staff_users"),
        ("jobs", "SELECT password_hash FROM staff_users"),
        ("staff", "DELETE FROM audit_events"),
        ("staff", "UPDATE audit_events SET actor = 'someone else'"),
        ("staff", "DROP TABLE leads"),
        ("actions", "CREATE TABLE mine (id int)"),
        ("jobs", "ALTER TABLE leads ADD COLUMN x int"),
    ],
)
def test_each_role_is_refused_what_is_not_its_own(server, service, statement):
    _, as_role = server
    engine = make_engine(as_role(service))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    engine.dispose()


def test_a_tracker_in_its_own_schema_gets_the_same_roles_there(server):
    """The Kubernetes shape: the transcripts in the schema rasa_tracker of the firm's database."""
    owner, _ = server
    base, _ = owner.rsplit("/", 1)
    admin = sa.create_engine(f"{base}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql('CREATE DATABASE "schema_test"')
    admin.dispose()
    separate = f"{base}/schema_test"
    prepare_tracker_database(separate, "rasa_tracker")
    passwords = {f"DB_PASSWORD_{service.upper()}": value for service, value in PASSWORDS.items()}
    env = {"DATABASE_URL": separate, "TRACKER_DATABASE_URL": separate, "POSTGRESQL_SCHEMA": "rasa_tracker"}
    done = cli({**env, **passwords}, "db-init")
    assert done.returncode == 0, done.stderr
    host = owner.split("@", 1)[1].split("/")[0]
    rasa = make_engine(f"postgresql+psycopg2://{role_name('rasa')}:{PASSWORDS['rasa']}@{host}/schema_test")
    with rasa.begin() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM rasa_tracker.events")
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            connection.exec_driver_sql("SELECT * FROM public.leads")
    actions = make_engine(f"postgresql+psycopg2://{role_name('actions')}:{PASSWORDS['actions']}@{host}/schema_test")
    assert erase_transcript(actions, "nobody", "rasa_tracker") == 0
