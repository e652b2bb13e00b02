"""Live handoff state (issue 26, bot/backoffice/handoffs.py) on a SQLite file and PostgreSQL."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.backoffice import handoffs
from bot.backoffice.erasure import erase
from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import StaffUser
from tests.backoffice.test_intake_store import migrate_down

NOW = dt.datetime(2026, 6, 15, 14, 0, tzinfo=dt.timezone.utc)
MINUTE = dt.timedelta(minutes=1)


def staff(store, email, disabled=False):
    with store.session.begin() as session:
        row = StaffUser(email=email, role="staff", password_hash="x", display_name="Ana", role_title="paralegal")
        if disabled:
            row.disabled_at = NOW
        session.add(row)
        session.flush()
        return row.id


def audit(store):
    with store.session() as session:
        return session.execute(text("select actor, action, lead_id, detail from audit_events order by id")).all()


def test_asking_twice_keeps_one_open_handoff_and_the_database_refuses_a_second(store):
    first = handoffs.request_handoff(store, "conv-1", "rest", "es", NOW)
    assert (first.state, first.language, first.channel, first.requested_at) == ("waiting", "es", "rest", NOW)
    assert handoffs.request_handoff(store, "conv-1", "rest", "en", NOW + MINUTE) == first
    assert handoffs.open_handoff(store, "conv-1") == first
    assert handoffs.open_handoff(store, "conv-2") is None
    with pytest.raises(IntegrityError):  # the partial unique index itself
        with store.session.begin() as session:
            session.execute(
                text(
                    "insert into handoffs (conversation_id, language, state, requested_at) values ('conv-1', 'en', 'held', :t)"
                ),
                {"t": NOW},
            )
    with pytest.raises(ValueError):
        handoffs.request_handoff(store, "conv-3", "rest", "xx", NOW)
    # Once ended, a new request makes a new one; ended ones do not count.
    assert handoffs.end(store, first.id, None, "closed", NOW).state == "closed"
    again = handoffs.request_handoff(store, "conv-1", "rest", "en", NOW)
    assert again.id != first.id and again.state == "waiting"


def test_two_requests_at_once_make_one_handoff(store):
    barrier = threading.Barrier(4)
    original = handoffs.open_handoff
    calls = {"n": 0}
    counting = threading.Lock()

    def late_open(store_, conversation_id):  # each request's first look finds none: all insert
        with counting:
            calls["n"] += 1
            first_look = calls["n"] <= 4
        if first_look:
            barrier.wait(timeout=10)
            return None
        return original(store_, conversation_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(handoffs, "open_handoff", late_open)
        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda _: handoffs.request_handoff(store, "conv-race", "widget", "en", NOW), range(4)))
    assert len({h.id for h in made}) == 1
    with store.session() as session:
        assert session.execute(text("select count(*) from handoffs")).scalar() == 1


def test_two_staff_taking_the_same_handoff_one_wins(store):
    ana, ben = staff(store, "ana@firm.example"), staff(store, "ben@firm.example")
    waiting = handoffs.request_handoff(store, "conv-1", "widget", "en", NOW)
    barrier = threading.Barrier(2)

    def take(user_id):
        barrier.wait(timeout=10)
        return handoffs.take(store, waiting.id, user_id, NOW + MINUTE)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(take, (ana, ben)))
    won = [r for r in results if r is not None]
    assert len(won) == 1 and results.count(None) == 1
    assert (won[0].state, won[0].taken_at) == ("held", NOW + MINUTE) and won[0].taken_by in (ana, ben)
    assert handoffs.take(store, waiting.id, ana, NOW) is None  # no longer waiting
    assert handoffs.take(store, 999, ana, NOW) is None
    winner = "ana@firm.example" if won[0].taken_by == ana else "ben@firm.example"
    assert audit(store) == [(winner, "took handoff", None, f"handoff {waiting.id}")]


def test_only_the_holder_speaks_and_ends_and_the_system_may_end_any_open_one(store):
    ana, ben = staff(store, "ana@firm.example"), staff(store, "ben@firm.example")
    held = handoffs.take(store, handoffs.request_handoff(store, "conv-1", "telegram", "en", NOW).id, ana, NOW)
    assert not handoffs.staff_message_sent(store, held.id, ben, NOW + MINUTE)
    assert handoffs.staff_message_sent(store, held.id, ana, NOW + MINUTE)
    assert handoffs.open_handoff(store, "conv-1").last_staff_message_at == NOW + MINUTE
    assert handoffs.end(store, held.id, ben, "closed", NOW) is None
    with pytest.raises(ValueError):
        handoffs.end(store, held.id, ana, "expired", NOW)
    returned = handoffs.end(store, held.id, ana, "returned", NOW + 2 * MINUTE)
    assert (returned.state, returned.ended_at) == ("returned", NOW + 2 * MINUTE)
    assert handoffs.end(store, held.id, ana, "closed", NOW) is None  # ended already
    assert not handoffs.staff_message_sent(store, held.id, ana, NOW)
    waiting = handoffs.request_handoff(store, "conv-2", "slack", "en", NOW)
    assert handoffs.end(store, waiting.id, ana, "closed", NOW) is None  # not theirs: nobody holds it
    assert handoffs.end(store, waiting.id, None, "closed", NOW).state == "closed"
    assert [row[:2] for row in audit(store)] == [
        ("ana@firm.example", "took handoff"),
        ("ana@firm.example", "returned handoff"),
        ("system", "closed handoff"),
    ]


def test_waiting_handoffs_expire_after_the_wait(store):
    old = handoffs.request_handoff(store, "conv-old", "widget", "en", NOW - 4 * MINUTE)
    handoffs.request_handoff(store, "conv-new", "widget", "en", NOW - MINUTE)
    taken = handoffs.request_handoff(store, "conv-taken", "widget", "en", NOW - 10 * MINUTE)
    handoffs.take(store, taken.id, staff(store, "ana@firm.example"), NOW - 9 * MINUTE)
    expired = handoffs.expire_waiting(store, NOW, 3 * MINUTE)
    assert [(h.id, h.state, h.ended_at) for h in expired] == [(old.id, "expired", NOW)]
    assert handoffs.expire_waiting(store, NOW, 3 * MINUTE) == []
    assert handoffs.open_handoff(store, "conv-new").state == "waiting"
    assert handoffs.open_handoff(store, "conv-old") is None
    assert handoffs.take(store, old.id, 1, NOW) is None  # too late
    assert audit(store)[-1] == ("system", "expired handoff", None, f"handoff {old.id}: nobody took it")


def test_held_handoffs_whose_holder_left_or_went_silent_return_to_the_assistant(store):
    ana, ben, cy = (staff(store, f"{name}@firm.example") for name in ("ana", "ben", "cy"))
    ids = {}
    for conversation in ("signed-out", "silent", "talking", "fresh"):
        ids[conversation] = handoffs.request_handoff(store, conversation, "widget", "en", NOW - 30 * MINUTE).id
    handoffs.take(store, ids["signed-out"], ana, NOW - MINUTE)
    handoffs.take(store, ids["silent"], ben, NOW - 20 * MINUTE)
    handoffs.take(store, ids["talking"], cy, NOW - 20 * MINUTE)
    handoffs.staff_message_sent(store, ids["talking"], cy, NOW - 2 * MINUTE)
    handoffs.take(store, ids["fresh"], ben, NOW - 2 * MINUTE)
    returned = handoffs.abandoned(store, NOW, 10 * MINUTE, {ben, cy})
    assert sorted((h.conversation_id, h.state) for h in returned) == [
        ("signed-out", "returned"),
        ("silent", "returned"),
    ]
    assert {h.conversation_id for h in handoffs.abandoned(store, NOW, 10 * MINUTE, {ben, cy})} == set()
    assert handoffs.open_handoff(store, "talking").state == "held"
    assert handoffs.open_handoff(store, "fresh").state == "held"
    # Nobody signed in: every held one goes back.
    assert {h.conversation_id for h in handoffs.abandoned(store, NOW, 10 * MINUTE, set())} == {"talking", "fresh"}
    assert [row[:2] for row in audit(store)].count(("system", "returned handoff")) == 4


def test_a_handoff_is_offered_only_while_an_active_staff_member_is_available_and_seen(store):
    ana = staff(store, "ana@firm.example")
    gone = staff(store, "gone@firm.example", disabled=True)
    assert not handoffs.staff_available(store, NOW)  # nobody marked available (the default)
    assert handoffs.set_available(store, gone, True, NOW)
    assert not handoffs.staff_available(store, NOW)  # a disabled account does not count
    assert handoffs.set_available(store, ana, True, NOW - 10 * MINUTE)
    assert not handoffs.staff_available(store, NOW)  # not seen in the last 5 minutes
    assert handoffs.staff_available(store, NOW, seen_within=15 * MINUTE)
    assert handoffs.mark_seen(store, ana, NOW - MINUTE)
    assert handoffs.staff_available(store, NOW)
    assert handoffs.set_available(store, ana, False, NOW)
    assert not handoffs.staff_available(store, NOW)
    assert not handoffs.set_available(store, 999, True, NOW) and not handoffs.mark_seen(store, 999, NOW)


def test_erasing_a_conversation_deletes_its_handoffs(store, engine):
    ana = staff(store, "ana@firm.example")
    held = handoffs.request_handoff(store, "conv-erase", "widget", "en", NOW)
    handoffs.take(store, held.id, ana, NOW)
    handoffs.end(store, held.id, ana, "returned", NOW)
    handoffs.request_handoff(store, "conv-erase", "widget", "en", NOW)
    handoffs.request_handoff(store, "conv-other", "widget", "en", NOW)
    assert handoffs.erase_conversation_handoffs(store, "nobody") == 0
    request_id = store.request_erasure("conv-erase")
    assert erase(store, engine, None, request_id, "conv-erase") is not None  # events: none in this database
    with store.session() as session:
        left = session.execute(text("select conversation_id from handoffs")).scalars().all()
    assert left == ["conv-other"]
    assert audit(store)[0][3] == f"handoff {held.id}"  # the audit line (ids only) stays


def test_migration_0011_up_and_down(engine):
    assert "handoffs" in inspect(engine).get_table_names()
    staff_columns = {column["name"] for column in inspect(engine).get_columns("staff_users")}
    assert {"available", "last_seen_at", "display_name", "role_title"} <= staff_columns
    store = IntakeStore(engine)
    staff(store, "ana@firm.example")
    handoffs.request_handoff(store, "conv-1", "widget", "en", NOW)
    migrate_down(engine, "0010")
    assert "handoffs" not in inspect(engine).get_table_names()
    staff_columns = {column["name"] for column in inspect(engine).get_columns("staff_users")}
    assert not {"available", "last_seen_at", "display_name", "role_title"} & staff_columns
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from staff_users")).scalar() == 1
    from bot.backoffice.db import migrate

    migrate(engine)
    with engine.connect() as connection:  # accounts from before are not available until they say so
        assert connection.execute(text("select available from staff_users")).scalar() in (False, 0)
    assert handoffs.request_handoff(store, "conv-1", "widget", "en", NOW).state == "waiting"


def notes(store):
    with store.session() as session:
        return session.execute(text("select lead_id, author, text from lead_notes order by id")).all()


def test_a_take_over_the_assistant_was_not_told_of_is_released_to_waiting(store):
    ana, ben = staff(store, "ana@firm.example"), staff(store, "ben@firm.example")
    waiting = handoffs.request_handoff(store, "conv-1", "widget", "en", NOW)
    held = handoffs.take(store, waiting.id, ana, NOW + MINUTE)
    handoffs.staff_message_sent(store, held.id, ana, NOW + MINUTE)
    assert handoffs.release(store, held.id, ben, NOW) is None  # not theirs
    released = handoffs.release(store, held.id, ana, NOW + 2 * MINUTE)
    assert (released.state, released.taken_by, released.taken_at, released.last_staff_message_at) == (
        "waiting",
        None,
        None,
        None,
    )
    assert released.requested_at == NOW  # the wait still counts from the request
    assert handoffs.release(store, held.id, ana, NOW) is None  # waiting: nothing to release
    assert handoffs.take(store, held.id, ben, NOW + 3 * MINUTE).taken_by == ben  # someone may try again
    assert [row[:2] for row in audit(store)] == [
        ("ana@firm.example", "took handoff"),
        ("ana@firm.example", "released handoff"),
        ("ben@firm.example", "took handoff"),
    ]
    assert audit(store)[1][3] == f"handoff {held.id}"


def test_the_queue_lists_waiting_and_held_handoffs_the_longest_waiting_first(store):
    ana = staff(store, "ana@firm.example")
    late = handoffs.request_handoff(store, "conv-late", "widget", "en", NOW)
    early = handoffs.request_handoff(store, "conv-early", "telegram", "es", NOW - 2 * MINUTE)
    held = handoffs.take(store, handoffs.request_handoff(store, "conv-held", "slack", "en", NOW - MINUTE).id, ana, NOW)
    ended = handoffs.request_handoff(store, "conv-ended", "widget", "en", NOW - 5 * MINUTE)
    handoffs.end(store, ended.id, None, "closed", NOW)
    assert [h.id for h in handoffs.open_handoffs(store)] == [early.id, held.id, late.id]
    assert handoffs.get(store, held.id) == held
    assert handoffs.get(store, ended.id).state == "closed"
    assert handoffs.get(store, 999) is None
    assert not handoffs.is_available(store, ana)
    handoffs.set_available(store, ana, True, NOW)
    assert handoffs.is_available(store, ana) and not handoffs.is_available(store, 999)


def test_a_held_live_chat_that_ends_leaves_a_note_on_the_conversations_leads(store):
    from tests.common import lead

    ana = staff(store, "ana@firm.example")  # shown as "Ana (paralegal)"
    with store.session.begin() as session:
        ben_row = StaffUser(email="ben.ortiz@firm.example", role="attorney", password_hash="x")
        session.add(ben_row)
        session.flush()
        ben = ben_row.id
    first = store.save_lead(lead(conversation_id="conv-1"), "Summary", [])
    second = store.save_lead(lead(conversation_id="conv-1", kind="callback"), "Summary", [])
    other = store.save_lead(lead(conversation_id="conv-other"), "Summary", [])
    at = dt.datetime(2026, 6, 15, 14, 3, tzinfo=dt.timezone.utc)

    held = handoffs.take(store, handoffs.request_handoff(store, "conv-1", "widget", "en", at).id, ana, at)
    handoffs.end(store, held.id, ana, "returned", at + 7 * MINUTE)
    told = "Live chat: Ana (paralegal) talked with the applicant from 14:03 to 14:10 UTC; handed back to the assistant."
    assert notes(store) == [(first, "ana@firm.example", told), (second, "ana@firm.example", told)]

    held = handoffs.take(store, handoffs.request_handoff(store, "conv-1", "widget", "en", at).id, ben, at)
    handoffs.end(store, held.id, ben, "closed", at + MINUTE)
    assert notes(store)[-1] == (
        second,
        "ben.ortiz@firm.example",
        "Live chat: Ben.ortiz (Attorney) talked with the applicant from 14:03 to 14:04 UTC; closed the live chat.",
    )

    held = handoffs.take(store, handoffs.request_handoff(store, "conv-1", "widget", "en", at).id, ana, at)
    handoffs.abandoned(store, at + 20 * MINUTE, 10 * MINUTE, {ana})
    assert notes(store)[-1][1:] == (
        "system",
        "Live chat: Ana (paralegal) talked with the applicant from 14:03 to 14:23 UTC; handed back to the "
        "assistant automatically (they had signed out or written nothing for a while).",
    )
    held = handoffs.take(store, handoffs.request_handoff(store, "conv-1", "widget", "en", at).id, ben, at)
    handoffs.end(store, held.id, None, "closed", at + MINUTE)  # the assistant's side: the applicant started over
    assert notes(store)[-1][1:] == (
        "system",
        "Live chat: Ben.ortiz (Attorney) talked with the applicant from 14:03 to 14:04 UTC; the assistant's side "
        "ended it (e.g. the applicant started over).",
    )
    # Nobody held these: no note. Nor for a conversation without a lead.
    count = len(notes(store))
    waiting = handoffs.request_handoff(store, "conv-1", "widget", "en", at)
    handoffs.end(store, waiting.id, None, "closed", at)
    handoffs.request_handoff(store, "conv-1", "widget", "en", at - 10 * MINUTE)
    handoffs.expire_waiting(store, at, 3 * MINUTE)
    held = handoffs.take(store, handoffs.request_handoff(store, "conv-none", "widget", "en", at).id, ana, at)
    handoffs.end(store, held.id, ana, "returned", at)
    assert len(notes(store)) == count
    assert other not in {lead_id for lead_id, _, _ in notes(store)}
    assert ("system", "added note", second) in [row[:3] for row in audit(store)]  # add_note's own audit line


def test_each_end_records_how_it_ended_and_stays_untold_until_the_assistant_has_it(store):
    ana = staff(store, "ana@firm.example")
    expired = handoffs.request_handoff(store, "conv-expired", "widget", "en", NOW - 10 * MINUTE)
    handoffs.expire_waiting(store, NOW - 6 * MINUTE, 3 * MINUTE)
    abandoned = handoffs.take(store, handoffs.request_handoff(store, "conv-left", "widget", "en", NOW).id, ana, NOW)
    handoffs.abandoned(store, NOW + MINUTE, 10 * MINUTE, set())
    returned = handoffs.take(store, handoffs.request_handoff(store, "conv-back", "widget", "en", NOW).id, ana, NOW)
    handoffs.end(store, returned.id, ana, "returned", NOW + 2 * MINUTE)
    closed = handoffs.take(store, handoffs.request_handoff(store, "conv-closed", "widget", "en", NOW).id, ana, NOW)
    handoffs.end(store, closed.id, ana, "closed", NOW + 3 * MINUTE)
    # The assistant's side ended it (the applicant started over): nothing to tell it.
    restarted = handoffs.request_handoff(store, "conv-restart", "widget", "en", NOW)
    assert handoffs.end(store, restarted.id, None, "closed", NOW).assistant_told_at == NOW
    still_open = handoffs.request_handoff(store, "conv-open", "widget", "en", NOW)

    untold = handoffs.untold_ends(store)  # the oldest end first
    assert [(h.id, h.state, h.ending, h.assistant_told_at) for h in untold] == [
        (expired.id, "expired", "expired", None),
        (abandoned.id, "returned", "abandoned", None),
        (returned.id, "returned", "returned", None),
        (closed.id, "closed", "closed", None),
    ]
    assert handoffs.told(store, returned.id, NOW + 5 * MINUTE)
    assert not handoffs.told(store, returned.id, NOW + 6 * MINUTE)  # told once
    assert handoffs.get(store, returned.id).assistant_told_at == NOW + 5 * MINUTE
    assert not handoffs.told(store, still_open.id, NOW) and not handoffs.told(store, 999, NOW)
    assert handoffs.get(store, still_open.id).assistant_told_at is None
    assert [h.id for h in handoffs.untold_ends(store)] == [expired.id, abandoned.id, closed.id]
    with pytest.raises(ValueError):
        handoffs.told(store, closed.id, NOW.replace(tzinfo=None))


def test_the_holder_is_named_to_the_applicant_as_their_account_says(store):
    ana = staff(store, "ana@firm.example")  # "Ana", "paralegal"
    with store.session.begin() as session:
        row = StaffUser(email="ben.ortiz@firm.example", role="attorney", password_hash="x")
        session.add(row)
        session.flush()
        ben = row.id
    assert handoffs.speaker(store, ana) == {"id": ana, "name": "Ana", "role": "paralegal"}
    assert handoffs.speaker(store, ben) == {"id": ben, "name": "Ben.ortiz", "role": "Attorney"}
    assert handoffs.speaker(store, None) is None and handoffs.speaker(store, 999) is None


def test_accounts_whose_role_takes_no_live_chats_are_made_unavailable(store):
    sam = staff(store, "sam@firm.example")  # role "staff", marked available before the firm narrowed the roles
    with store.session.begin() as session:
        row = StaffUser(email="ana@firm.example", role="attorney", password_hash="x")
        session.add(row)
        session.flush()
        ana = row.id
    assert handoffs.set_available(store, sam, True, NOW)
    assert handoffs.staff_available(store, NOW)
    assert handoffs.unavailable_unless(store, ("attorney", "staff"), NOW) == 0
    assert handoffs.unavailable_unless(store, ("attorney",), NOW) == 1
    assert not handoffs.is_available(store, sam) and not handoffs.staff_available(store, NOW)
    handoffs.set_available(store, ana, True, NOW)
    assert handoffs.unavailable_unless(store, ("attorney",), NOW) == 0
    assert handoffs.is_available(store, ana) and handoffs.staff_available(store, NOW)


def test_migration_0012_counts_earlier_ends_as_told_and_goes_down(engine):
    store = IntakeStore(engine)
    migrate_down(engine, "0011")
    columns = {column["name"] for column in inspect(engine).get_columns("handoffs")}
    assert not {"ending", "assistant_told_at"} & columns
    insert = text(
        "insert into handoffs (conversation_id, language, state, requested_at, ended_at) "
        "values (:conversation, 'en', :state, :requested, :ended)"
    )
    with engine.begin() as connection:
        for conversation, state, ended in (
            ("conv-returned", "returned", NOW),
            ("conv-expired", "expired", NOW + MINUTE),
            ("conv-waiting", "waiting", None),
        ):
            connection.execute(
                insert, {"conversation": conversation, "state": state, "requested": NOW - MINUTE, "ended": ended}
            )
    from bot.backoffice.db import migrate

    migrate(engine)
    rows = {h.conversation_id: h for h in (handoffs.open_handoff(store, "conv-waiting"),)}
    with store.session() as session:
        ids = dict(session.execute(text("select conversation_id, id from handoffs")).all())
    rows.update({name: handoffs.get(store, ids[name]) for name in ("conv-returned", "conv-expired")})
    assert (rows["conv-returned"].ending, rows["conv-returned"].assistant_told_at) == ("returned", NOW)
    assert (rows["conv-expired"].ending, rows["conv-expired"].assistant_told_at) == ("expired", NOW + MINUTE)
    assert (rows["conv-waiting"].ending, rows["conv-waiting"].assistant_told_at) == (None, None)
    assert handoffs.untold_ends(store) == []  # not sent again
    migrate_down(engine, "0011")
    columns = {column["name"] for column in inspect(engine).get_columns("handoffs")}
    assert not {"ending", "assistant_told_at"} & columns
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from handoffs")).scalar() == 3
    migrate(engine)
