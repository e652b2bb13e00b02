import os
import tempfile

# The day every test lives on, unless a test pins another one. Set before the
# actions are imported: they read the clock.
TODAY = "2026-06-15"
os.environ["BOT_TODAY"] = TODAY
# The actions' intake database: a real SQLite file of this test run.
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='intake-tests-')}/intake.db"
# Nothing listens here: notifications stay in the outbox instead of leaving the machine.
os.environ["SMTP_HOST"], os.environ["SMTP_PORT"] = "127.0.0.1", "9"
