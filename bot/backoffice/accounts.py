"""Staff accounts, sign-in and sessions of the dashboard, and its audit log.

Passwords are hashed with argon2id (argon2-cffi's defaults, salt and parameters in the
hash). Sign-in attempts are stored, so the limits per account and per address hold
across restarts and replicas. A session is a random token in an HttpOnly cookie; the
database keeps only its SHA-256, with the CSRF token every form of that session carries.
"""

import datetime as dt
import hashlib
import math
import re
import secrets
import threading
from dataclasses import dataclass
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.backoffice.addresses import client_group
from bot.backoffice.db import session_factory
from bot.backoffice.models import (
    STAFF_ROLES,
    AuditEvent,
    LoginAttempt,
    StaffDevice,
    StaffSession,
    StaffUser,
    as_utc,
    utcnow,
)

SESSION_HOURS = 8  # a working day; then sign in again
MIN_PASSWORD_LENGTH = 12
# Failed sign-ins within the window lock an account from one address, an account from
# everywhere (guessing spread over many addresses) or an address (trying many accounts),
# until enough of them have left the window. The first limit is low and the others high,
# so that someone guessing cannot lock the owner out from the owner's own address. A
# browser the person has signed in from before (a device cookie) is held only to the first:
# guesses from elsewhere, however many addresses they come from, never lock the owner out.
# Addresses are counted by client group (an IPv6 /64 is one client: bot/backoffice/addresses.py).
ATTEMPT_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
MAX_FAILURES_PER_ACCOUNT = 20
MAX_FAILURES_PER_ADDRESS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LABEL_LENGTH = 100  # a display name or role title (the columns' size)

# Each argon2 check takes 64 MiB (argon2-cffi's default memory cost) and the dashboard answers
# each request in a thread of its own (up to 32): 12 sign-ins at once took it from 108 MB to
# 503 MB. At most this many checks run at once; the others wait their turn, then give up.
MAX_PASSWORD_CHECKS_AT_ONCE = 2
PASSWORD_CHECK_WAIT_SECONDS = 10.0
_password_checks = threading.BoundedSemaphore(MAX_PASSWORD_CHECKS_AT_ONCE)

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs the same time
# as a wrong password and does not tell which accounts exist.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request the accounts cannot carry out; the message says why, for the person."""


@dataclass(frozen=True)
class SignedIn:
    email: str
    role: str
    csrf_token: str
    id: int  # the staff_users row
    display_name: str  # what applicants are told in a live chat: "You are now talking with Ana"
    role_title: str  # ... "(Paralegal)"

    @property
    def is_attorney(self) -> bool:
        return self.role == "attorney"

    def as_speaker(self) -> dict[str, object]:
        """Who speaks in a live chat, as the Rasa server's handoff route takes it."""
        return {"id": self.id, "name": self.display_name, "role": self.role_title}


@dataclass(frozen=True)
class SignInResult:
    token: str | None = None  # the new session's cookie value when it succeeded
    locked_minutes: int = 0  # > 0: too many failures, try again after this
    busy: bool = False  # too many sign-ins at once: nothing was checked or counted, try again
    device_token: str | None = None  # a new device cookie's value, when signed in from a new browser


def _clean_label(value: str, what: str) -> str:
    value = " ".join(value.split())
    if len(value) > MAX_LABEL_LENGTH:
        raise AccountError(f"the {what} must have at most {MAX_LABEL_LENGTH} characters")
    if not value.isprintable():
        raise AccountError(f"the {what} must be plain text")
    return value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.session = session_factory(engine)

    # --- accounts (the command line makes them) ------------------------------------------

    def add_user(self, email: str, role: str, password: str) -> None:
        email = normalise_email(email)
        if not EMAIL.match(email) or len(email) > 254:
            raise AccountError(f"{email!r} is not an email address")
        if role not in STAFF_ROLES:
            raise AccountError(f"the role must be one of: {', '.join(STAFF_ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        with self.session.begin() as session:
            if session.execute(select(StaffUser.id).where(StaffUser.email == email)).first():
                raise AccountError(f"there is already an account for {email}")
            session.add(StaffUser(email=email, role=role, password_hash=_hasher.hash(password)))

    def users(self) -> list[StaffUser]:
        with self.session() as session:
            return cast(list[StaffUser], session.execute(select(StaffUser).order_by(StaffUser.email)).scalars().all())

    def disable(self, email: str) -> bool:
        """Disables the account and ends its sessions; False when there is no such account."""
        with self.session.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.email == normalise_email(email))).scalar()
            if user is None:
                return False
            user.disabled_at = user.disabled_at or utcnow()
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        return True

    def set_name(self, email: str, display_name: str | None = None, role_title: str | None = None) -> bool:
        """Sets what applicants are told in a live chat ("Ana", "Paralegal"); None leaves a value
        as it is, "" clears it (back to shown_name / shown_title). False when there is no such account."""
        values = {}
        if display_name is not None:
            values["display_name"] = _clean_label(display_name, "name") or None
        if role_title is not None:
            values["role_title"] = _clean_label(role_title, "title") or None
        if not values:
            raise AccountError("nothing to set: give a name, a title or both")
        with self.session.begin() as session:
            changed = session.execute(
                update(StaffUser).where(StaffUser.email == normalise_email(email)).values(**values)
            ).rowcount
        return bool(changed)

    # --- sign-in and sessions --------------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str, device: str | None = None) -> SignInResult:
        """The attempt is stored (as a failure) before its password is checked, so guesses sent
        at once cannot outrun the count; an attempt refused by a limit is not stored, so
        retrying while locked does not prolong the lock. `device` is the browser's device
        cookie, if it has one."""
        email = normalise_email(email)[:254]
        address = client_group(address)[:64]
        now = utcnow()
        # Stored and counted in one transaction, one attempt at a time per account and per
        # address: counted apart, a burst could each see fewer attempts than were stored.
        with self.session.begin() as session:
            _one_attempt_at_a_time(session, email, address)
            # Old attempts are of no use to anyone (kept a day: longer than any window).
            session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - dt.timedelta(days=1)))
            attempt = LoginAttempt(email=email, address=address, succeeded=False, at=now)
            session.add(attempt)
            session.flush()  # assigns attempt.id
            attempt_id = int(attempt.id)
            known_device = _is_known_device(session, email, device)
            locked_minutes = _locked_minutes(session, email, address, attempt_id, now, known_device)
            if locked_minutes:
                session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
        if locked_minutes:
            return SignInResult(locked_minutes=locked_minutes)
        with self.session.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.email == email)).scalar()
        if not _password_checks.acquire(timeout=PASSWORD_CHECK_WAIT_SECONDS):
            with self.session.begin() as session:
                session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
            return SignInResult(busy=True)
        try:
            valid = _verify(user.password_hash if user else _UNKNOWN_ACCOUNT_HASH, password)
            rehashed = (
                _hasher.hash(password)
                if valid and user is not None and _hasher.check_needs_rehash(user.password_hash)
                else None
            )
        finally:
            _password_checks.release()
        if not valid or user is None or user.disabled_at is not None:
            return SignInResult()
        token = secrets.token_urlsafe(32)
        with self.session.begin() as session:
            session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
            if rehashed:
                session.execute(update(StaffUser).where(StaffUser.id == user.id).values(password_hash=rehashed))
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))  # of no use to anyone
            new_device = None if known_device else secrets.token_urlsafe(32)
            if new_device:
                session.add(StaffDevice(token_hash=_token_hash(new_device), user_id=user.id, created_at=now))
            session.add(
                StaffSession(
                    token_hash=_token_hash(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                )
            )
        return SignInResult(token=token, device_token=new_device)

    def signed_in(self, token: str | None) -> SignedIn | None:
        """The person behind a session cookie, or None (no, unknown or expired session, disabled account)."""
        if not token:
            return None
        with self.session() as session:
            row = session.execute(
                select(StaffSession, StaffUser)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(StaffSession.token_hash == _token_hash(token))
            ).first()
        if row is None:
            return None
        staff_session, user = row
        if as_utc(staff_session.expires_at) <= utcnow() or user.disabled_at is not None:
            return None
        return SignedIn(
            email=user.email,
            role=user.role,
            csrf_token=staff_session.csrf_token,
            id=user.id,
            display_name=user.shown_name,
            role_title=user.shown_title,
        )

    def sign_out(self, token: str | None) -> None:
        if token:
            with self.session.begin() as session:
                session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))

    def signed_in_user_ids(self, now: dt.datetime | None = None) -> set[int]:
        """The active accounts with a session that has not expired (signing out ends it): a live
        chat held by anyone else is handed back to the assistant (bot.backoffice.handoffs.abandoned)."""
        query = (
            select(StaffSession.user_id)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(StaffSession.expires_at > (now or utcnow()), StaffUser.disabled_at.is_(None))
            .distinct()
        )
        with self.session() as session:
            return {int(user_id) for user_id in session.execute(query).scalars()}

    # --- the audit log -----------------------------------------------------------------------

    def record(self, actor: str, action: str, lead_id: int | None = None, detail: str | None = None) -> None:
        """One line of the audit log: ids and actions only, never a lead's personal data."""
        with self.session.begin() as session:
            session.add(AuditEvent(actor=actor, action=action, lead_id=lead_id, detail=(detail or None)))

    def audit_log(self, limit: int = 500) -> list[AuditEvent]:
        with self.session() as session:
            query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            return cast(list[AuditEvent], session.execute(query).scalars().all())


def _one_attempt_at_a_time(session: Session, email: str, address: str) -> None:
    """PostgreSQL: sign-ins for one account or from one address wait for each other until the
    transaction ends (locks taken in one order: no deadlock). SQLite lets one writer in at a time."""
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted({f"sign-in account {email}", f"sign-in address {address}"}):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _is_known_device(session: Session, email: str, device: str | None) -> bool:
    """Whether the person with this email has signed in from the browser holding `device`."""
    if not device:
        return False
    return (
        session.execute(
            select(StaffDevice.id)
            .join(StaffUser, StaffUser.id == StaffDevice.user_id)
            .where(StaffDevice.token_hash == _token_hash(device[:100]), StaffUser.email == email)
        ).first()
        is not None
    )


def _locked_minutes(
    session: Session, email: str, address: str, attempt_id: int, now: dt.datetime, known_device: bool = False
) -> int:
    """0, or the minutes until an earlier failure leaves the window, for the limit this attempt
    is over. Counts the failures stored before this attempt (a pending one counts as failed)."""
    limits = [
        ((LoginAttempt.email == email) & (LoginAttempt.address == address), MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS),
    ]
    if not known_device:
        limits += [
            (LoginAttempt.email == email, MAX_FAILURES_PER_ACCOUNT),
            (LoginAttempt.address == address, MAX_FAILURES_PER_ADDRESS),
        ]
    wait = dt.timedelta(0)
    for condition, limit in limits:
        times = (
            session.execute(
                select(LoginAttempt.at)
                .where(
                    condition,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.id < attempt_id,
                    LoginAttempt.at >= now - ATTEMPT_WINDOW,
                )
                .order_by(LoginAttempt.at)
            )
            .scalars()
            .all()
        )
        if len(times) >= limit:
            # Under the limit again once all but limit - 1 of them have left the window.
            frees_at = as_utc(times[len(times) - limit]) + ATTEMPT_WINDOW
            wait = max(wait, frees_at - now)
    return math.ceil(wait.total_seconds() / 60) if wait > dt.timedelta(0) else 0


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
