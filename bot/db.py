"""The firm's own database (leads, reminders, notifications): SQLAlchemy 1.4 in 2.0 style.

DATABASE_URL picks it (any SQLAlchemy URL; PostgreSQL in production); the default
is an embedded SQLite file, var/intake.db. The schema is created and upgraded by
the Alembic migrations in bot/migrations, never by create_all().
"""
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'intake.db'}"


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """hide_parameters: a database error never carries an applicant's data into a log."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, hide_parameters=True, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    # pool_pre_ping: a connection dropped while PostgreSQL restarted is replaced, not used.
    return create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to `revision` (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
