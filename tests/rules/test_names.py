"""One list of month, weekday and urgency names: the engine's, the firm profile's and the
widget's JavaScript copy agree."""

import json
import re

from bot.rules import deadline, firm
from bot.rules.names import MONTH_NAMES, MONTH_NUMBERS, URGENCY_LABELS, WEEKDAY_NAMES
from tests.common import ROOT

WIDGET_JS = (ROOT / "widget" / "static" / "widget.js").read_text()


def widget_constant(name: str) -> str:
    found = re.search(rf"var {name} = (\[.*?\]|\{{.*?\}});", WIDGET_JS, re.S)
    assert found, f"widget.js has no {name}"
    return found.group(1)


def test_the_widget_names_the_months_as_the_engine_does():
    assert tuple(json.loads(widget_constant("MONTHS"))) == MONTH_NAMES


def test_the_widget_labels_the_urgency_bands_as_the_channels_do():
    pairs = re.findall(r"(\w+): \"([^\"]+)\"", widget_constant("URGENCY"))
    assert dict(pairs) == URGENCY_LABELS


def test_every_urgency_band_has_a_label():
    bands = {deadline.urgency_for(days) for days in (-1, 0, 1, 30, 31, 90, 91, 400)}
    assert bands == set(URGENCY_LABELS)


def test_month_numbers_read_names_and_abbreviations():
    assert MONTH_NUMBERS["jan"] == 1 and MONTH_NUMBERS["sep"] == 9 and MONTH_NUMBERS["dec"] == 12
    assert len(MONTH_NUMBERS) == 12


def test_the_firm_profile_writes_weekdays_as_their_first_three_letters():
    assert (
        firm.WEEKDAYS
        == tuple(name[:3].lower() for name in WEEKDAY_NAMES)
        == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
