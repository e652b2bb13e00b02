"""The firm's own database (leads, reminders, notifications): SQLAlchemy 1.4 in 2.0 style.

DATABASE_URL picks it (any SQLAlchemy URL; PostgreSQL in production); the default
is an embedded SQLite file, var/intake.db. The schema is created and upgraded by
the Alembic migrations in bot/backoffice/migrations, never by create_all().
"""

import os
import threading
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'intake.db'}"


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# An unreachable database must cost a conversation seconds, not minutes, and must not be
# knocked on by every message: connections and statements time out, and after a failed
# connection the next attempts fail at once for a while (1 s, doubling up to 15 s).
CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_MS = 15_000
POOL_TIMEOUT_SECONDS = 10
BACKOFF_FIRST, BACKOFF_MOST = 1.0, 15.0


class DatabaseUnavailable(SQLAlchemyError):
    """A connection failed moments ago; not trying again yet."""


class ConnectBackoff:
    """Per database URL, shared by every engine on it (the stores make new engines after a failure)."""

    _by_url: "dict[str, ConnectBackoff]" = {}
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.until, self.delay = 0.0, 0.0

    @classmethod
    def of(cls, url: str) -> "ConnectBackoff":
        with cls._lock:
            return cls._by_url.setdefault(url, cls())

    def connect(self, dialect: Any, cargs: Any, cparams: Any) -> Any:
        if time.monotonic() < self.until:
            raise DatabaseUnavailable("the database could not be reached moments ago; trying again shortly")
        try:
            connection = dialect.connect(*cargs, **cparams)
        except Exception:
            self.delay = min(BACKOFF_MOST, max(BACKOFF_FIRST, self.delay * 2))
            self.until = time.monotonic() + self.delay
            raise
        self.until, self.delay = 0.0, 0.0
        return connection


def private_sqlite_file(path: Path) -> None:
    """Creates the SQLite file readable by this user only (SQLite gives its journals the same
    mode): it holds applicants' names, emails and stories. A file that exists keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if str(path) != ":memory:" and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    """hide_parameters: a database error never carries an applicant's data into a log."""
    if url.startswith("sqlite:///"):
        private_sqlite_file(Path(url[len("sqlite:///") :]))
        engine = create_engine(url, future=True, hide_parameters=True, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    connect_args = {}
    if url.startswith("postgresql"):
        connect_args = {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        }
    # pool_pre_ping: a connection dropped while PostgreSQL restarted is replaced, not used.
    engine = create_engine(
        url,
        future=True,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_args,
    )
    backoff = ConnectBackoff.of(url)
    event.listen(
        engine, "do_connect", lambda dialect, _record, cargs, cparams: backoff.connect(dialect, cargs, cparams)
    )
    return engine


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to `revision` (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
