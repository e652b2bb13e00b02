"""Personal data stays out of error messages, which end up in logs."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice.intake import IntakeStore
from components.tracker_store import ErasableSQLTrackerStore
from tests.common import fresh_database, lead

SECRET = "Ravi Kumar, ravi@example.com"


async def test_a_tracker_store_error_does_not_carry_the_conversation(tmp_path):
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE events"))
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT CHECK (0))"))
    tracker = DialogueStateTracker.from_events("conv-1", [UserUttered(f"my name is {SECRET}")])
    with pytest.raises(SQLAlchemyError) as failure:
        await store.save(tracker)
    assert "Ravi" not in str(failure.value) and "conv-1" not in str(failure.value)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_intake_store_error_does_not_carry_the_applicants_data(kind, tmp_path):
    with fresh_database(kind, tmp_path) as engine:
        with engine.begin() as connection:  # every insert of a lead now fails
            if kind == "sqlite":
                connection.execute(
                    text("CREATE TRIGGER no_leads BEFORE INSERT ON leads BEGIN SELECT RAISE(ABORT, 'refused'); END")
                )
            else:
                connection.execute(
                    text(
                        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                    )
                )
                connection.execute(
                    text("CREATE TRIGGER no_leads BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION refuse()")
                )
        with pytest.raises(SQLAlchemyError) as failure:
            IntakeStore(engine).save_lead(lead(), f"Summary for {SECRET}", ["email"])
    assert "refused" in str(failure.value)
    assert "Ravi" not in str(failure.value) and "ravi@example.com" not in str(failure.value)


def test_new_sqlite_databases_are_readable_by_their_owner_only(tmp_path):
    """Issue 23, finding 10: var/*.db were created readable by every user of the machine."""
    import stat

    from bot.backoffice.db import make_engine, migrate

    intake = tmp_path / "var" / "intake.db"
    engine = make_engine(f"sqlite:///{intake}")
    migrate(engine)
    engine.dispose()
    transcripts = tmp_path / "var" / "conversations.db"
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(transcripts))
    store.engine.dispose()
    for path in (intake, transcripts):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
