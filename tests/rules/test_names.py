"""One list of month, weekday and urgency names: the engine's, the firm profile's and the cards' agree."""

from bot.language import LANGUAGES
from bot.language.channel import channel_strings
from bot.rules import deadline, firm
from bot.rules.names import MONTH_NUMBERS, WEEKDAY_NAMES


def test_every_urgency_band_has_a_label_in_every_language():
    bands = {deadline.urgency_for(days) for days in (-1, 0, 1, 30, 31, 90, 91, 400)}
    for language in LANGUAGES:
        labels = {key.removeprefix("cards.urgency_") for key in channel_strings(language) if "urgency_" in key}
        assert labels == bands, language


def test_month_numbers_read_names_and_abbreviations():
    assert MONTH_NUMBERS["jan"] == 1 and MONTH_NUMBERS["sep"] == 9 and MONTH_NUMBERS["dec"] == 12
    assert len(MONTH_NUMBERS) == 12


def test_the_firm_profile_writes_weekdays_as_their_first_three_letters():
    assert (
        firm.WEEKDAYS
        == tuple(name[:3].lower() for name in WEEKDAY_NAMES)
        == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
