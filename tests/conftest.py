import os

# The day every test lives on, unless a test pins another one. Set before the
# actions are imported: they read the clock.
TODAY = "2026-06-15"
os.environ["BOT_TODAY"] = TODAY
