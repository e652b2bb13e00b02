"""The firm's database for the back-office tests: each test runs on SQLite and on a throwaway
PostgreSQL database (a file that needs only SQLite defines its own `store`)."""

import pytest

from bot.backoffice.intake import IntakeStore
from tests.common import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    with fresh_database(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def store(engine):
    return IntakeStore(engine)
