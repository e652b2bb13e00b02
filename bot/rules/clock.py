"""The one place that says what day it is.

Set BOT_TODAY=YYYY-MM-DD to pin "today" (tests, demos, reproducing a user's
conversation); otherwise it is the machine's local date.
"""

import datetime as dt
import os


class ClockError(ValueError):
    pass


def today() -> dt.date:
    pinned = os.environ.get("BOT_TODAY", "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise ClockError(f"BOT_TODAY={pinned!r} is not a date in the form YYYY-MM-DD") from None
