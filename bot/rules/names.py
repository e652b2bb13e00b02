"""The names applicants read for months, weekdays and urgency bands: one list of each
(the months and weekdays are the English table's, bot/language/en/words.yml), used by the engine, the channels' cards and the firm profile. The widget keeps a copy in
JavaScript (widget/static/widget.js) that tests/rules/test_names.py checks against these."""

from bot.language.words import words

MONTH_NAMES = words("en").months
WEEKDAY_NAMES = words("en").weekdays
# The deadline's urgency bands (bot.rules.deadline.urgency_for) as a card shows them.
URGENCY_LABELS = {
    "passed": "Deadline passed",
    "due_today": "Due today",
    "within_30_days": "Within 30 days",
    "within_90_days": "Within 90 days",
    "later": "More than 90 days",
}

# "jan" -> 1 ... "dec" -> 12: how the date finder reads a month written out or cut short.
MONTH_NUMBERS = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
