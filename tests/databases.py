"""Real databases for the storage tests: a SQLite file, and a fresh database on the local
PostgreSQL server (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432)."""
import os
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine

from bot.db import make_engine, migrate

POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")


@contextmanager
def fresh_database(kind: str, tmp_path):
    """Yields a migrated engine on an empty database of that kind; drops it afterwards."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{POSTGRES_SERVER}/{name}")
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()
