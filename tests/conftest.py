import os
import sys

import pytest

# The day every test lives on, unless a test pins another one. Set before the
# actions are imported: they read the clock.
TODAY = "2026-06-15"
os.environ["BOT_TODAY"] = TODAY
# Nothing listens here: notifications stay in the outbox instead of leaving the machine.
os.environ["SMTP_HOST"], os.environ["SMTP_PORT"] = "127.0.0.1", "9"
# Every test client shares 127.0.0.1: the servers' per-address message limit is off for the
# suite and tested on its own (tests/components/test_address_limits.py).
os.environ["MESSAGES_PER_ADDRESS_PER_MINUTE"] = "0"


@pytest.fixture(autouse=True)
def own_intake_database(tmp_path, monkeypatch):
    """Each test's actions store intakes in a database of the test's own, so that no test
    depends on what another one stored (the actions open it on first use)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'intake.db'}")
    yield
    # A test's background sends finish in its own database, not the next test's or var/.
    storage = sys.modules.get("actions.storage")
    if storage is not None:
        storage.wait_for_background_work()
