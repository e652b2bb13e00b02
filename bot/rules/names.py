"""The English names of months and weekdays (bot/language/en/words.yml), as the engine reads
and writes them; the cards' labels are in bot/language/<code>/channel.yml."""

from bot.language.words import words

MONTH_NAMES = words("en").months
WEEKDAY_NAMES = words("en").weekdays
# "jan" -> 1 ... "dec" -> 12: how the date finder reads a month written out or cut short.
MONTH_NUMBERS = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
