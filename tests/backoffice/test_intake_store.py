"""The intake store against real databases: a SQLite file and the local PostgreSQL server."""

import csv
import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from bot.backoffice.intake import (
    MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY,
    MAX_LEADS_PER_CLIENT_PER_DAY,
    AddressBusy,
    ClientBusy,
    IntakeStore,
    StatusChanged,
)
from bot.backoffice.models import AddressConfirmation, Lead, Notification, utcnow
from bot.backoffice.summary import case_summary
from bot.rules import clock
from tests.common import CONSENT, confirmed, fresh_database, lead, refusing_port, wait_until

TODAY = dt.date(2026, 6, 15)


def migrate_down(engine, revision):
    from alembic import command
    from alembic.config import Config

    from bot.backoffice.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_migrations_create_the_schema_from_empty(engine):
    tables = set(inspect(engine).get_table_names())
    assert {
        "leads",
        "notifications",
        "reminders",
        "erasure_requests",
        "address_confirmations",
        "lead_notes",
        "staff_users",
        "staff_sessions",
        "staff_devices",
        "login_attempts",
        "audit_events",
        "unanswered_reviews",
        "knowledge_signoffs",
        "handoffs",
        "alembic_version",
    } <= tables
    with engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == "0012"
    assert "claimed_at" in {column["name"] for column in inspect(engine).get_columns("notifications")}
    assert "client_key" in {column["name"] for column in inspect(engine).get_columns("leads")}
    for table in ("leads", "reminders", "address_confirmations", "knowledge_signoffs"):
        assert "language" in {column["name"] for column in inspect(engine).get_columns(table)}


def test_the_migrations_build_exactly_the_tables_the_models_describe(engine):
    """A model changed without a migration (or the reverse) fails here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.backoffice.models import Base

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Index names and server defaults are the migrations' own business.
    assert [d for d in differences if d[0] not in ("add_index", "remove_index")] == []


def audit_rows(store):
    with store.session() as session:
        return session.execute(text("select actor, action, lead_id, detail from audit_events order by id")).all()


def test_staff_status_and_notes_of_a_lead_are_audited_with_them_and_erased_with_it(store):
    lead_id = store.save_lead(lead(), case_summary(lead()), [])
    assert store.lead(lead_id).status == "new"
    assert store.set_status(lead_id, "contacted", "staff@firm.example", expected="new") == "new"
    assert store.add_note(lead_id, "staff@firm.example", "Called, no answer.")
    assert store.add_note(lead_id, "staff@firm.example", "Called again; booked.")
    found = store.lead(lead_id)
    assert found.status == "contacted"
    assert [note.text for note in found.notes] == ["Called, no answer.", "Called again; booked."]
    assert store.set_status(999, "closed", "x@y.z", expected="new") is None
    assert not store.add_note(999, "x@y.z", "no lead")
    assert audit_rows(store) == [
        ("staff@firm.example", "changed status", lead_id, "new -> contacted"),
        ("staff@firm.example", "added note", lead_id, None),
        ("staff@firm.example", "added note", lead_id, None),
    ]
    row = next(csv.DictReader(io.StringIO(store.export_csv([found]))))
    assert (row["id"], row["status"]) == (str(lead_id), "contacted")
    store.erase_conversation("conv-1")
    assert store.lead(lead_id) is None
    with store.session() as session:
        assert session.execute(text("select count(*) from lead_notes")).scalar() == 0


def test_a_status_changed_meanwhile_by_someone_else_is_not_overwritten(store):
    lead_id = store.save_lead(lead(), case_summary(lead()), [])
    assert store.set_status(lead_id, "contacted", "ana@firm.example", expected="new") == "new"
    with pytest.raises(StatusChanged) as changed:
        store.set_status(lead_id, "closed", "bo@firm.example", expected="new")
    assert changed.value.current == "contacted"
    assert store.lead(lead_id).status == "contacted"
    assert [row[0] for row in audit_rows(store)] == ["ana@firm.example"]


def test_an_export_is_audited_lead_by_lead(store):
    first = store.save_lead(lead(), "s", [])
    second = store.save_lead(lead(conversation_id="conv-2"), "s", [])
    store.record_export("ana@firm.example", [first, second])
    assert audit_rows(store) == [
        ("ana@firm.example", "exported", first, None),
        ("ana@firm.example", "exported", second, None),
    ]


def test_messages_filed_for_review_are_kept_once_and_erased_with_their_conversation(store):
    now = dt.datetime.now(dt.timezone.utc)
    filed = [
        ("k1", "conv-1", "my name is Jane Roe", now),
        ("k1", "conv-2", "my name is Jane Roe", now),
        ("k2", "conv-1", "hi", now),
    ]
    assert store.record_review(filed, "intent", "greet", "ana@firm.example") == 3
    assert store.record_review([*filed, ("k3", "conv-3", "x", now)], "out_of_scope", None, "bo@firm.example") == 1
    assert store.reviewed_message_keys() == {"k1", "k2", "k3"}
    assert [(r.text, r.intent) for r in store.messages_for_training()] == [
        ("my name is Jane Roe", "greet"),
        ("hi", "greet"),
    ]
    store.erase_conversation("conv-1")
    assert [r.text for r in store.messages_for_training()] == ["my name is Jane Roe"]  # conv-2 said it too
    store.erase_conversation("conv-2")
    assert store.messages_for_training() == [] and store.reviewed_message_keys() == {"k3"}
    assert store.purge(dt.timedelta(days=0)) and store.reviewed_message_keys() == set()


def test_words_filed_for_review_age_from_when_they_were_written_not_from_the_review(store):
    """Issue 23, finding 10: a review made on day 29 kept the applicant's words for 59 days."""
    now = dt.datetime.now(dt.timezone.utc)
    store.record_review([("old", "conv-1", "I am Jane Roe", now - dt.timedelta(days=40))], "out_of_scope", None, "a@x")
    store.record_review([("new", "conv-2", "hello", now - dt.timedelta(days=5))], "out_of_scope", None, "a@x")
    store.purge(dt.timedelta(days=30))
    assert store.reviewed_message_keys() == {"new"}


def test_filing_the_same_messages_at_once_stores_each_once(store):
    filed = [(f"k{n}", "conv-1", f"text {n}", dt.datetime.now(dt.timezone.utc)) for n in range(5)]
    start = threading.Barrier(8)

    def file(_):
        start.wait()
        return store.record_review(filed, "out_of_scope", None, "ana@firm.example")

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(file, range(8))) == 5
    assert store.reviewed_message_keys() == {f"k{n}" for n in range(5)}


def test_a_lead_is_stored_with_its_notifications(store, engine):
    answers = lead()
    lead_id = store.save_lead(answers, case_summary(answers), ["email", "slack"])
    stored = store.lead(lead_id)
    assert (stored.person_name, stored.petitioner_name, stored.deadline) == (
        "Ravi Kumar",
        "Acme Corp",
        dt.date(2027, 3, 1),
    )
    assert stored.consent_at.replace(tzinfo=dt.timezone.utc) == CONSENT
    assert "Acme Corp" in stored.summary and "22 CFR 42.83" in stored.summary
    assert [(n.channel, n.subject) for n in store.pending_notifications()] == [
        ("email", f"new consultation request #{lead_id}"),
        ("slack", f"new consultation request #{lead_id}"),
    ]


def test_sql_and_script_text_is_stored_as_text(store):
    hostile = "Robert'); DROP TABLE leads; -- <script>alert(1)</script>"
    lead_id = store.save_lead(lead(person_name=hostile, description=hostile), "summary", [])
    assert store.lead(lead_id).person_name == hostile
    assert len(store.leads()) == 1


def test_urgent_leads_come_first_then_newest(store):
    old_urgent = store.save_lead(lead(deadline=dt.date(2026, 7, 1), urgency="within_30_days"), "s", [])
    newer = store.save_lead(lead(deadline=dt.date(2027, 3, 1), urgency="later"), "s", [])
    newest_urgent = store.save_lead(lead(deadline=dt.date(2026, 6, 1), urgency="passed"), "s", [])
    assert [row.id for row in store.leads()] == [newest_urgent, old_urgent, newer]
    assert store.lead(newest_urgent).is_urgent


def test_urgency_is_today_s_not_the_one_stored_at_intake(store, monkeypatch):
    # Taken on 15 June with the deadline 60 days out: not urgent then, due within 30 days a month later.
    lead_id = store.save_lead(lead(deadline=dt.date(2026, 8, 14), urgency="within_90_days"), "s", [])
    assert not store.lead(lead_id).is_urgent
    monkeypatch.setenv("BOT_TODAY", "2026-07-20")
    assert store.lead(lead_id).current_urgency(clock.today()) == "within_30_days"
    assert store.lead(lead_id).is_urgent
    assert [row.id for row in store.leads()] == [lead_id]
    exported = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert exported[0]["urgency"] == "within_30_days"


def test_a_lead_without_deadline_is_never_urgent(store):
    lead_id = store.save_lead(lead(deadline=None, urgency=None), "s", [])
    assert store.lead(lead_id).current_urgency(clock.today()) is None
    assert not store.lead(lead_id).is_urgent


def test_export_is_csv_and_defuses_spreadsheet_formulas(store):
    store.save_lead(lead(person_name='=HYPERLINK("http://evil")'), "s", [])
    store.save_lead(
        lead(conversation_id="conv-2", person_name="\t=1+2", petitioner_name="\r=cmd|' /C calc'!A0"), "s", []
    )
    rows = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert rows[1]["person_name"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["email"] == "ravi@example.com"
    # A tab or carriage return first is read as a formula too.
    assert (rows[0]["person_name"], rows[0]["petitioner_name"]) == ("'\t=1+2", "'\r=cmd|' /C calc'!A0")


def test_the_dashboard_migrations_downgrade_without_losing_notifications(tmp_path):
    """SQLite rebuilds the leads table to drop a column; with foreign keys on, that must not
    cascade into the notifications of every lead. The sign-offs' table goes first, alone."""
    from bot.backoffice.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    migrate(engine)
    IntakeStore(engine).save_lead(lead(), "s", ["email"])
    migrate_down(engine, "0006")  # the leads' client keys go; the rest stays
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from notifications")).scalar() == 1
    migrate_down(engine, "0005")  # the knowledge sign-offs go; the rest stays
    assert "knowledge_signoffs" not in inspect(engine).get_table_names()
    assert "lead_notes" in inspect(engine).get_table_names()
    migrate_down(engine, "0004")
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from notifications")).scalar() == 1
        assert connection.execute(text("select count(*) from leads")).scalar() == 1


def test_delete_and_erase_a_conversation(store, engine):
    first = store.save_lead(lead(), "s", ["email"])
    second = store.save_lead(lead(conversation_id="conv-2"), "s", ["email"])
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2027, 3, 1), CONSENT, TODAY)
    assert store.erase_conversation("conv-1") == {"leads": 1, "reminders": 2}
    assert store.lead(first) is None
    assert [r.conversation_id for r in store.reminders()] == []
    with engine.connect() as connection:
        assert connection.execute(select(Notification.lead_id)).scalars().all() == [second]
    remaining = store.leads()[0].id
    assert store.delete_lead(remaining) and not store.delete_lead(remaining)


def test_purge_removes_only_old_data(store, engine):
    kept = store.save_lead(lead(), "s", [])
    old = store.save_lead(lead(), "s", [])
    with engine.begin() as connection:
        connection.execute(
            Lead.__table__.update()
            .where(Lead.id == old)
            .values(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
        )
    assert store.purge(dt.timedelta(days=365)) == {"leads": 1, "reminders": 0, "handoffs": 0}
    assert [row.id for row in store.leads()] == [kept]


def test_purge_removes_ended_live_chats_past_the_retention_period_and_keeps_open_ones(store, engine):
    # A live chat names its conversation (a Telegram chat, a Slack user): it was kept for ever.
    from bot.backoffice import handoffs
    from bot.backoffice.models import Handoff

    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    old = handoffs.request_handoff(store, "telegram-1", "telegram", "en", long_ago)
    handoffs.expire_waiting(store, long_ago + dt.timedelta(minutes=5), dt.timedelta(minutes=3))
    still_waiting = handoffs.request_handoff(store, "telegram-2", "telegram", "en", long_ago)
    recent = handoffs.request_handoff(store, "telegram-3", "telegram", "en", utcnow())
    handoffs.end(store, recent.id, None, "closed", utcnow())
    assert store.purge(dt.timedelta(days=365))["handoffs"] == 1
    with engine.connect() as connection:
        left = connection.execute(select(Handoff.id).order_by(Handoff.id)).scalars().all()
    assert old.id not in left and left == [still_waiting.id, recent.id]


def test_reminders_30_and_7_days_before_and_asking_twice_adds_nothing(store):
    deadline = dt.date(2026, 8, 1)
    assert store.add_reminders("conv-1", "a@example.com", deadline, CONSENT, TODAY) == [
        dt.date(2026, 7, 2),
        dt.date(2026, 7, 25),
    ]
    store.add_reminders("conv-1", "a@example.com", deadline, CONSENT, TODAY)
    assert len(store.reminders("conv-1")) == 2


def test_reminders_already_in_the_past_are_not_stored(store):
    assert store.add_reminders("conv-1", "a@example.com", dt.date(2026, 6, 30), CONSENT, TODAY) == [
        dt.date(2026, 6, 23)
    ]


def test_a_due_reminder_is_claimed_once(store):
    store.add_reminders("conv-1", "a@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "a@example.com")
    first = store.claim_due_reminder(TODAY)
    assert first is not None and first.days_before == 30
    assert store.claim_due_reminder(TODAY) is None  # the 7-day one is not due yet; the 30-day one is taken
    store.reminder_failed(first.id)
    assert store.claim_due_reminder(TODAY).id == first.id


def test_leads_are_capped_per_conversation_and_per_address(store):
    from bot.backoffice.intake import MAX_LEADS_PER_ADDRESS_PER_DAY, MAX_LEADS_PER_CONVERSATION, LimitReached

    for _ in range(MAX_LEADS_PER_CONVERSATION):
        store.save_lead(lead(conversation_id="flood-1", email="one@example.com"), "Summary", ["email"])
    with pytest.raises(LimitReached):
        store.save_lead(lead(conversation_id="flood-1", email="other@example.com"), "Summary", ["email"])
    # One address from many conversations (a script that opens a new one each time).
    for number in range(MAX_LEADS_PER_ADDRESS_PER_DAY):
        store.save_lead(lead(conversation_id=f"flood-{number + 10}", email="victim@example.com"), "S", ["email"])
    with pytest.raises(LimitReached):
        store.save_lead(lead(conversation_id="flood-99", email="victim@example.com"), "Summary", ["email"])
    assert len(store.leads()) == MAX_LEADS_PER_CONVERSATION + MAX_LEADS_PER_ADDRESS_PER_DAY
    assert len(store.pending_notifications()) == MAX_LEADS_PER_CONVERSATION + MAX_LEADS_PER_ADDRESS_PER_DAY


def test_the_case_summary_carries_a_short_reference_not_the_conversation_id():
    from bot.backoffice.summary import conversation_reference

    summary = case_summary(lead(conversation_id="widget-session-5f1c2a9e7b"))
    assert "widget-session-5f1c2a9e7b" not in summary
    assert f"Conversation reference {conversation_reference('widget-session-5f1c2a9e7b')} on rest" in summary
    assert conversation_reference("a") != conversation_reference("b")


def test_after_a_failed_connection_the_next_attempts_fail_at_once_for_a_while():
    """An unreachable database is not knocked on by every message; it is tried again soon after."""
    import time

    from bot.backoffice.db import BACKOFF_FIRST, DatabaseUnavailable, make_engine

    with refusing_port() as down:
        url = f"postgresql+psycopg2://nobody@127.0.0.1:{down}/down"
        with pytest.raises(OperationalError):
            make_engine(url).connect()
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            make_engine(url).connect()  # another engine on the same database: the same backoff

        def tried_for_real():  # again, once the backoff is over
            try:
                make_engine(url).connect()
            except DatabaseUnavailable:
                return False
            except OperationalError:
                return True

        wait_until(tried_for_real, timeout=BACKOFF_FIRST * 10, what="a real connection attempt")
    assert time.monotonic() - started >= BACKOFF_FIRST * 0.9


def test_fifty_conversations_asking_for_one_address_queue_one_confirmation_link(store):
    """Issue 23, finding 3: the limits counted per conversation, and a new conversation costs
    nothing, so 50 conversations queued 50 confirmation emails to one victim."""
    refused = 0
    for number in range(50):
        try:
            store.request_confirmation(f"conv-{number}", "victim@example.com")
        except AddressBusy:
            refused += 1
    with store.session() as session:
        links = session.execute(select(func.count(AddressConfirmation.id))).scalar()
    assert (links, refused) == (1, 49)


def test_an_address_gets_a_few_links_a_day_however_they_are_confirmed(store):
    for number in range(MAX_CONFIRMATIONS_PER_ADDRESS_PER_DAY):
        confirmed(store, f"conv-{number}", "owner@example.com")  # each opened: none waiting
    with pytest.raises(AddressBusy):
        store.request_confirmation("conv-next", "owner@example.com")
    with pytest.raises(AddressBusy):
        store.check_confirmation_allowed("conv-next", "owner@example.com")
    assert store.request_confirmation("conv-next", "someone.else@example.com")  # other addresses are not held up
    with store.session.begin() as session:  # a day later
        for row in session.execute(select(AddressConfirmation)).scalars():
            row.created_at = row.created_at - dt.timedelta(days=1, minutes=1)
    assert store.request_confirmation("conv-next", "owner@example.com")


def test_asking_again_in_the_same_conversation_is_not_a_new_link(store):
    assert store.request_confirmation("conv-1", "owner@example.com")
    store.check_confirmation_allowed("conv-1", "owner@example.com")  # its own link waits: fine
    for _ in range(5):
        assert store.request_confirmation("conv-1", "owner@example.com")
    with store.session() as session:
        assert session.execute(select(func.count(AddressConfirmation.id))).scalar() == 1


def test_leads_are_capped_per_client_whatever_the_conversation_or_email(store):
    """Issue 23, finding 3: the cap per day was keyed on the email the applicant types."""
    for number in range(MAX_LEADS_PER_CLIENT_PER_DAY):
        store.save_lead(
            lead(conversation_id=f"rest-{number}", email=f"a{number}@example.com", client_key="client-a"),
            "s",
            ["email"],
        )
    with pytest.raises(ClientBusy):
        store.save_lead(
            lead(conversation_id="rest-new", email="new@example.com", client_key="client-a"), "s", ["email"]
        )
    assert store.save_lead(lead(conversation_id="rest-other", client_key="client-b"), "s", ["email"])
    with store.session.begin() as session:  # a day later
        for row in session.execute(select(Lead)).scalars():
            row.created_at = row.created_at - dt.timedelta(days=1, minutes=1)
    assert store.save_lead(lead(conversation_id="rest-new", client_key="client-a"), "s", ["email"])


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_link_sent_before_the_tokens_were_hashed_still_confirms_after_the_upgrade(kind, tmp_path):
    from bot.backoffice.db import migrate

    with fresh_database(kind, tmp_path) as engine:
        migrate_down(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "insert into address_confirmations (conversation_id, email, token, created_at, attempts, sent_at) "
                    "values ('conv-1', 'owner@example.com', :token, :now, 0, :now)"
                ),
                {"token": "ab" * 32, "now": dt.datetime.now(dt.timezone.utc)},
            )
        migrate(engine)
        with engine.connect() as connection:
            assert "ab" * 32 not in str(connection.execute(text("select * from address_confirmations")).all())
        assert IntakeStore(engine).confirm_address("ab" * 32)
        migrate_down(engine, "0007")  # and back: the columns are as they were
        assert "token" in {c["name"] for c in inspect(engine).get_columns("address_confirmations")}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rows_from_before_the_conversation_language_are_english_and_it_downgrades_cleanly(kind, tmp_path):
    """Migration 0009 (issue 25): leads, reminders and address confirmations keep the conversation's
    language; those stored before it were English, the only language there was."""
    from bot.backoffice.db import migrate

    with fresh_database(kind, tmp_path) as engine:
        store = IntakeStore(engine)
        migrate_down(engine, "0008")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "insert into leads (kind, conversation_id, channel, consent_at, created_at, summary, status) "
                    "values ('callback', 'conv-old', 'rest', :now, :now, 's', 'new')"
                ),
                {"now": dt.datetime.now(dt.timezone.utc)},
            )
            lead_id = connection.execute(text("select id from leads")).scalar()
            connection.execute(
                text(
                    "insert into notifications (lead_id, channel, subject, body, created_at, attempts) "
                    "values (:lead, 'email', 'subject', 'body', :now, 0)"
                ),
                {"lead": lead_id, "now": dt.datetime.now(dt.timezone.utc)},
            )
        with store.session.begin() as session:  # as 0008 had them: no language column
            session.execute(
                text(
                    "insert into reminders (conversation_id, email, deadline, days_before, remind_on, consent_at, "
                    "created_at, attempts) values ('conv-old', 'a@example.com', '2026-07-10', 7, '2026-07-03', "
                    ":now, :now, 0)"
                ),
                {"now": dt.datetime.now(dt.timezone.utc)},
            )
            session.execute(
                text(
                    "insert into address_confirmations (conversation_id, email, created_at, attempts) "
                    "values ('conv-old', 'a@example.com', :now, 0)"
                ),
                {"now": dt.datetime.now(dt.timezone.utc)},
            )
        migrate(engine)
        assert store.lead(lead_id).language == "en"
        assert [reminder.language for reminder in store.reminders()] == ["en"]
        with engine.connect() as connection:
            assert connection.execute(text("select language from address_confirmations")).scalars().all() == ["en"]
        # New rows take the conversation's.
        spanish = store.save_lead(lead(conversation_id="conv-es", language="es"), "s", [])
        store.add_reminders("conv-es", "b@example.com", dt.date(2026, 7, 10), CONSENT, TODAY, language="es")
        assert store.request_confirmation("conv-es", "b@example.com", "es")
        assert store.lead(spanish).language == "es"
        assert {(r.conversation_id, r.language) for r in store.reminders()} == {("conv-old", "en"), ("conv-es", "es")}
        migrate_down(engine, "0008")  # and back, without losing a lead's notifications
        for table in ("leads", "reminders", "address_confirmations"):
            assert "language" not in {column["name"] for column in inspect(engine).get_columns(table)}
        with engine.connect() as connection:
            assert connection.execute(text("select count(*) from notifications")).scalar() == 1
            assert connection.execute(text("select count(*) from leads")).scalar() == 2
        migrate(engine)


def test_a_confirmation_link_tells_its_language_and_state_never_its_address(store):
    store.add_reminders("conv-es", "b@example.com", dt.date(2027, 3, 1), CONSENT, TODAY, language="es")
    assert store.request_confirmation("conv-es", "b@example.com", "es")
    row = store.claim_confirmation()
    token = store.new_confirmation_token(row.id)
    link = store.confirmation_link(token)
    assert (link.language, link.expired, link.confirmed) == ("es", False, False)
    assert store.confirm_address(token)
    assert store.confirmation_link(token).confirmed
    assert store.confirmation_link("0" * 64) is None
    # A link already waiting keeps its language when the reminders are asked for again in another.
    store.add_reminders("conv-2", "c@example.com", dt.date(2027, 3, 1), CONSENT, TODAY, language="es")
    assert store.request_confirmation("conv-2", "c@example.com", "es")
    assert store.request_confirmation("conv-2", "c@example.com", "en")
    waiting = store.claim_confirmation()
    assert waiting.conversation_id == "conv-2" and waiting.language == "es"
