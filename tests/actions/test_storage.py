"""How the actions open the firm's database: one store per database setting, whatever the
background senders are doing when the setting changes."""

import threading

from actions import storage
from bot.backoffice import db


def test_a_store_opened_for_another_setting_is_never_handed_out(tmp_path, monkeypatch):
    # A background sender starts opening the database under one setting; the setting changes
    # (between tests, or a deployment re-reading it) before that opening finishes. Seen in CI:
    # the late store landed in the cache and the next action's reminders went to another file.
    opening, may_finish = threading.Event(), threading.Event()
    real_migrate = db.migrate

    def slow_migrate(engine):
        if "first" in str(engine.url):
            opening.set()
            assert may_finish.wait(10)
        real_migrate(engine)

    monkeypatch.setattr(storage, "migrate", slow_migrate)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'first.db'}")
    late = threading.Thread(target=storage.intake_store)
    late.start()
    assert opening.wait(10)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'second.db'}")
    may_finish.set()
    late.join(10)
    assert not late.is_alive()
    assert str(storage.intake_store().engine.url).endswith("second.db")
