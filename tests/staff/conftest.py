import pytest
from sqlalchemy import create_engine

from tests.staff.rasa_trackers import sample_conversations, write_trackers


@pytest.fixture
async def tracker_engine(tmp_path):
    """A tracker database that Rasa's own SQLTrackerStore wrote, with the sample conversations."""
    path = tmp_path / "conversations.db"
    await write_trackers(sample_conversations(), dialect="sqlite", db=str(path))
    engine = create_engine(f"sqlite:///{path}", future=True)
    yield engine
    engine.dispose()
