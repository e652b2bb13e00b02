"""Staff accounts of the dashboard against real databases: passwords, sign-in limits, sessions, audit log."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text, update

from bot.backoffice.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
    MAX_FAILURES_PER_ADDRESS,
    AccountError,
    Accounts,
)
from bot.backoffice.models import StaffSession, StaffUser
from tests.common import fresh_database

PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request, tmp_path):
    with fresh_database(request.param, tmp_path) as engine:
        yield Accounts(engine)


def test_a_password_is_stored_only_as_an_argon2id_hash(accounts):
    accounts.add_user(" Attorney@Firm.Example ", "attorney", PASSWORD)
    [user] = accounts.users()
    assert user.email == "attorney@firm.example" and user.role == "attorney"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "email,role,password,message",
    [
        ("not-an-email", "staff", PASSWORD, "is not an email address"),
        ("a@firm.example", "admin", PASSWORD, "the role must be one of: attorney, staff"),
        ("a@firm.example", "staff", "short", "at least 12 characters"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(accounts, email, role, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add_user(email, role, password)
    assert accounts.users() == []


def test_an_email_has_one_account(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    with pytest.raises(AccountError, match="already an account"):
        accounts.add_user("A@firm.example", "attorney", PASSWORD)


def test_sign_in_opens_a_session_that_knows_its_person_and_csrf_token(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    assert accounts.sign_in("a@firm.example", "wrong password!", "10.0.0.1").token is None
    assert accounts.sign_in("nobody@firm.example", PASSWORD, "10.0.0.1").token is None
    result = accounts.sign_in("A@firm.example", PASSWORD, "10.0.0.1")
    person = accounts.signed_in(result.token)
    assert (person.email, person.role, person.is_attorney) == ("a@firm.example", "staff", False)
    assert len(person.csrf_token) >= 40
    other = accounts.signed_in(accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token)
    assert other.csrf_token != person.csrf_token  # one token per session
    assert accounts.signed_in("made-up") is None and accounts.signed_in(None) is None
    accounts.sign_out(result.token)
    assert accounts.signed_in(result.token) is None


def test_the_database_never_holds_a_session_token_itself(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    token = accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token
    with accounts.session() as session:
        stored = session.execute(text("select token_hash from staff_sessions")).scalar()
    assert token not in stored and len(stored) == 64


def test_an_expired_session_or_a_disabled_account_opens_nothing(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    accounts.add_user("b@firm.example", "staff", PASSWORD)
    expired = accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token
    with accounts.session.begin() as session:
        session.execute(update(StaffSession).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(1)))
    assert accounts.signed_in(expired) is None
    token = accounts.sign_in("b@firm.example", PASSWORD, "10.0.0.1").token
    assert accounts.disable("b@firm.example") and not accounts.disable("nobody@firm.example")
    assert accounts.signed_in(token) is None
    assert accounts.sign_in("b@firm.example", PASSWORD, "10.0.0.1").token is None


def test_repeated_failures_from_one_address_lock_the_account_there_only(accounts):
    """Someone guessing cannot lock the owner out: the owner signs in from elsewhere."""
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    for _ in range(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        result = accounts.sign_in("a@firm.example", "wrong password!", "10.6.6.6")
        assert result.token is None and result.locked_minutes == 0
    locked = accounts.sign_in("a@firm.example", PASSWORD, "10.6.6.6")
    assert locked.token is None and 0 < locked.locked_minutes <= 15
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token
    # When the window has passed, the right password works again there too.
    with accounts.session.begin() as session:
        session.execute(text("update login_attempts set at = :old"), {"old": dt.datetime(2020, 1, 1)})
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.6.6.6").token


def test_attempts_refused_while_locked_do_not_prolong_the_lock(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    for _ in range(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        accounts.sign_in("a@firm.example", "wrong password!", "10.6.6.6")
    for _ in range(10):
        assert accounts.sign_in("a@firm.example", "wrong password!", "10.6.6.6").locked_minutes
    with accounts.session() as session:
        assert session.execute(text("select count(*) from login_attempts")).scalar() == 5


def test_guesses_spread_over_many_addresses_lock_the_account(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        accounts.sign_in("a@firm.example", "wrong password!", f"10.0.{attempt}.1")
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.9.9.9").locked_minutes


def test_guesses_sent_at_once_are_checked_at_most_up_to_the_limit(accounts):
    """Each attempt is counted before its password is checked: a burst cannot outrun the count."""
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    start = threading.Barrier(12)

    def guess(_):
        start.wait()
        return accounts.sign_in("a@firm.example", "wrong password!", "10.6.6.6")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(guess, range(12)))
    checked = [result for result in results if not result.locked_minutes]
    assert len(checked) <= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS


def test_one_address_trying_many_accounts_is_stopped(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    for attempt in range(MAX_FAILURES_PER_ADDRESS):
        accounts.sign_in(f"guess{attempt}@firm.example", "wrong password!", "10.6.6.6")
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.6.6.6").locked_minutes
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token  # from elsewhere: fine


def test_the_audit_log_keeps_actions_newest_first(accounts):
    accounts.record("a@firm.example", "viewed", 7)
    accounts.record("b@firm.example", "exported", detail="3 leads")
    assert [(e.actor, e.action, e.lead_id, e.detail) for e in accounts.audit_log()] == [
        ("b@firm.example", "exported", None, "3 leads"),
        ("a@firm.example", "viewed", 7, None),
    ]


def test_users_are_listed_by_email(accounts):
    accounts.add_user("b@firm.example", "staff", PASSWORD)
    accounts.add_user("a@firm.example", "attorney", PASSWORD)
    assert [(u.email, u.role) for u in accounts.users()] == [
        ("a@firm.example", "attorney"),
        ("b@firm.example", "staff"),
    ]
    assert all(isinstance(u, StaffUser) for u in accounts.users())


def test_sign_ins_sent_at_once_check_at_most_a_few_passwords_at_a_time(accounts, monkeypatch):
    """Each argon2 check takes 64 MiB: 12 sign-ins at once took the dashboard to 503 MB (issue 23, finding 5)."""
    from bot.backoffice import accounts as module

    accounts.add_user("a@firm.example", "staff", PASSWORD)
    running, most = [0], [0]
    lock = threading.Lock()
    real_verify = module._verify

    def counted_verify(password_hash, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real_verify(password_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(module, "_verify", counted_verify)
    start = threading.Barrier(12)

    def sign_in(number):
        start.wait()
        return accounts.sign_in(f"user{number}@firm.example", "wrong password!", f"10.1.{number}.1")

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(sign_in, range(12)))
    assert most[0] <= module.MAX_PASSWORD_CHECKS_AT_ONCE
    assert all(result.token is None and not result.locked_minutes for result in results)


def test_a_sign_in_that_waits_too_long_for_its_turn_is_told_to_retry_and_not_counted(accounts, monkeypatch):
    from bot.backoffice import accounts as module

    accounts.add_user("a@firm.example", "staff", PASSWORD)
    monkeypatch.setattr(module, "PASSWORD_CHECK_WAIT_SECONDS", 0.05)
    taken = [module._password_checks.acquire() for _ in range(module.MAX_PASSWORD_CHECKS_AT_ONCE)]
    try:
        busy = accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1")
    finally:
        for _ in taken:
            module._password_checks.release()
    assert busy.busy and busy.token is None
    with accounts.session() as session:
        assert session.execute(text("select count(*) from login_attempts")).scalar() == 0
    assert accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token  # its turn now


def test_guesses_from_many_addresses_never_lock_the_owner_out_of_a_browser_used_before(accounts):
    """Issue 23, finding 4: 20 wrong passwords from 4 addresses locked the owner out everywhere."""
    accounts.add_user("owner@firm.example", "attorney", PASSWORD)
    device = accounts.sign_in("owner@firm.example", PASSWORD, "198.51.100.7").device_token
    assert device
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        accounts.sign_in("owner@firm.example", "wrong password!", f"203.0.113.{attempt % 4}")
    # A stranger's browser is locked out of the account (guessing stays stopped)...
    assert accounts.sign_in("owner@firm.example", PASSWORD, "192.0.2.50").locked_minutes
    # ...the owner's is not, from any address, and gets no second device cookie.
    again = accounts.sign_in("owner@firm.example", PASSWORD, "192.0.2.51", device)
    assert again.token and again.device_token is None
    # A device cookie counts for its own account only.
    accounts.add_user("other@firm.example", "staff", PASSWORD)
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        accounts.sign_in("other@firm.example", "wrong password!", f"203.0.113.{attempt % 4}")
    assert accounts.sign_in("other@firm.example", PASSWORD, "192.0.2.52", device).locked_minutes


def test_guesses_from_one_ipv6_64_count_as_one_address(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    for attempt in range(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        accounts.sign_in("a@firm.example", "wrong password!", f"2001:db8:6:6::{attempt + 1:x}")
    assert accounts.sign_in("a@firm.example", PASSWORD, "2001:db8:6:6:ffff::1").locked_minutes
    assert accounts.sign_in("a@firm.example", PASSWORD, "2001:db8:7:7::1").token


def test_old_attempts_are_pruned_on_every_attempt_not_only_a_successful_one(accounts):
    accounts.add_user("a@firm.example", "staff", PASSWORD)
    accounts.sign_in("a@firm.example", "wrong password!", "10.0.0.1")
    with accounts.session.begin() as session:
        session.execute(text("update login_attempts set at = :old"), {"old": dt.datetime(2020, 1, 1)})
    accounts.sign_in("a@firm.example", "wrong password!", "10.0.0.1")
    with accounts.session() as session:
        assert session.execute(text("select count(*) from login_attempts")).scalar() == 1


def test_a_session_knows_who_applicants_are_told_they_talk_with(accounts):
    accounts.add_user("ana.lopez@firm.example", "staff", PASSWORD)
    accounts.add_user("ben@firm.example", "attorney", PASSWORD)
    ana = accounts.signed_in(accounts.sign_in("ana.lopez@firm.example", PASSWORD, "10.0.0.1").token)
    ben_token = accounts.sign_in("ben@firm.example", PASSWORD, "10.0.0.1").token
    assert ana.id != accounts.signed_in(ben_token).id
    assert (ana.display_name, ana.role_title) == ("Ana.lopez", "Staff")  # the defaults
    assert ana.as_speaker() == {"id": ana.id, "name": "Ana.lopez", "role": "Staff"}
    assert accounts.set_name("Ana.Lopez@firm.example", "  Ana  ", "Paralegal")
    assert accounts.set_name("ben@firm.example", role_title="Senior attorney")
    ben = accounts.signed_in(ben_token)
    assert (ben.display_name, ben.role_title) == ("Ben", "Senior attorney")
    token = accounts.sign_in("ana.lopez@firm.example", PASSWORD, "10.0.0.1").token
    assert accounts.signed_in(token).as_speaker() == {"id": ana.id, "name": "Ana", "role": "Paralegal"}
    assert accounts.set_name("ana.lopez@firm.example", display_name="")  # back to the default
    assert accounts.signed_in(token).display_name == "Ana.lopez"
    assert not accounts.set_name("nobody@firm.example", "X")
    for bad in ("x" * 101, "Ana\x00"):
        with pytest.raises(AccountError):
            accounts.set_name("ben@firm.example", bad)
    with pytest.raises(AccountError, match="nothing to set"):
        accounts.set_name("ben@firm.example")


def test_signed_in_users_are_those_with_a_live_session(accounts):
    for email in ("a@firm.example", "b@firm.example", "c@firm.example", "d@firm.example"):
        accounts.add_user(email, "staff", PASSWORD)
    ids = {user.email: user.id for user in accounts.users()}
    a_token = accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.1").token
    accounts.sign_in("a@firm.example", PASSWORD, "10.0.0.2")  # a second browser
    b_token = accounts.sign_in("b@firm.example", PASSWORD, "10.0.0.1").token
    accounts.sign_in("c@firm.example", PASSWORD, "10.0.0.1")
    accounts.disable("c@firm.example")
    assert accounts.signed_in_user_ids() == {ids["a@firm.example"], ids["b@firm.example"]}
    accounts.sign_out(b_token)
    accounts.sign_out(a_token)  # still signed in on the other browser
    assert accounts.signed_in_user_ids() == {ids["a@firm.example"]}
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=9)  # past every session's end
    assert accounts.signed_in_user_ids(later) == set()
