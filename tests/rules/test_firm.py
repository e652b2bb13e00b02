import subprocess

import pytest

from bot.rules.firm import load_firm
from bot.rules.yamlfile import DataFileError
from tests.common import ROOT


def test_shipped_profile_loads():
    firm = load_firm({})
    assert firm.name and firm.booking_url.startswith("http") and "@" in firm.email
    assert "not legal advice" in firm.disclaimer


def test_environment_overrides_the_file():
    firm = load_firm({"FIRM_NAME": "Lee & Park LLP", "FIRM_BOOKING_URL": "https://leepark.example/book"})
    assert (firm.name, firm.booking_url) == ("Lee & Park LLP", "https://leepark.example/book")
    assert firm.booking_url in firm.contact_line


def test_another_profile_file(tmp_path):
    profile = tmp_path / "firm.yml"
    profile.write_text((ROOT / "firm.yml").read_text().replace("Harbor & Vale Immigration Law (demo)", "Other Firm"))
    assert load_firm({"FIRM_PROFILE": str(profile)}).name == "Other Firm"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"FIRM_BOOKING_URL": "example.com/book"}, "booking_url' must start with http"),
        ({"FIRM_EMAIL": "not-an-email"}, "'email' is not an email address"),
    ],
)
def test_bad_values_are_refused(change, message):
    with pytest.raises(DataFileError, match=message):
        load_firm(change)


def test_missing_field_is_named(tmp_path):
    profile = tmp_path / "firm.yml"
    profile.write_text("name: Someone\n")
    with pytest.raises(DataFileError, match="field 'referral_text' is missing"):
        load_firm({"FIRM_PROFILE": str(profile)})


def test_python_310_is_found_or_a_clear_error_is_given():
    found = subprocess.run([str(ROOT / "scripts" / "find-python.sh")], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    version = subprocess.run([found.stdout.strip(), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10")
    missing = subprocess.run(
        ["/bin/bash", str(ROOT / "scripts" / "find-python.sh")],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent", "PYTHON": "/nonexistent/python"},
    )
    assert missing.returncode == 1
    assert "Python 3.10 not found" in missing.stderr


@pytest.mark.parametrize(
    "now, opening",
    [
        ("2026-06-15T14:00:00+00:00", None),  # Monday 10:00 in New York: open
        ("2026-06-15T22:30:00+00:00", "Tuesday at 09:00 (America/New_York)"),  # Monday 18:30: closed
        ("2026-06-13T15:00:00+00:00", "Monday at 09:00 (America/New_York)"),  # Saturday
        ("2026-06-15T12:59:00+00:00", "Monday at 09:00 (America/New_York)"),
    ],  # Monday 08:59
)
def test_office_hours_decide_the_callback_promise(now, opening):
    import datetime as dt

    firm = load_firm({})
    found = firm.next_opening(dt.datetime.fromisoformat(now))
    assert (firm.describe_opening(found) if found else None) == opening


def test_bad_office_hours_are_refused():
    with pytest.raises(DataFileError, match="office_days"):
        load_firm({"FIRM_OFFICE_DAYS": "monday"})
    with pytest.raises(DataFileError, match="office_timezone"):
        load_firm({"FIRM_OFFICE_TIMEZONE": "Mars/Olympus"})


def test_the_firms_texts_in_spanish_and_their_overrides():
    firm = load_firm({"FIRM_ES_DISCLAIMER": "Aviso de prueba."})
    assert firm.text("referral_text", "es").startswith("Un abogado de nuestro despacho")
    assert firm.text("disclaimer", "es") == "Aviso de prueba." and firm.text("disclaimer") == firm.disclaimer
    assert firm.contact_line_in("es").startswith("Reserve una cita: ") and "de lunes a viernes" in firm.contact_line_in(
        "es"
    )
    assert firm.contact_line.startswith("Book a consultation: ")


def test_a_profile_without_spanish_texts_shows_the_english_ones(tmp_path):
    profile = tmp_path / "firm.yml"
    english_only = (ROOT / "firm.yml").read_text().split("\n# The same texts in Spanish")[0]
    profile.write_text(english_only)
    firm = load_firm({"FIRM_PROFILE": str(profile)})
    assert firm.text("referral_text", "es") == firm.referral_text


def test_an_unknown_spanish_field_is_refused(tmp_path):
    profile = tmp_path / "firm.yml"
    profile.write_text((ROOT / "firm.yml").read_text() + "  phone: '+1 555 0199'\n")
    with pytest.raises(DataFileError, match="'es:' may hold only referral_text, office_hours, disclaimer"):
        load_firm({"FIRM_PROFILE": str(profile)})


def test_when_the_office_opens_is_said_in_the_conversations_language():
    import datetime as dt
    from zoneinfo import ZoneInfo

    opening = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert load_firm().describe_opening(opening) == "Monday at 09:00 (America/New_York)"
    assert load_firm().describe_opening(opening, "es") == "el lunes a las 09:00 (America/New_York)"


def test_the_firms_opening_language_is_english_unless_it_says():
    assert load_firm({}).language == "en"
    assert load_firm({"FIRM_LANGUAGE": "ES"}).language == "es"
    with pytest.raises(DataFileError, match="'language' must be one of en, es"):
        load_firm({"FIRM_LANGUAGE": "fr"})


def test_live_chat_settings_default_and_refuse_what_they_cannot_mean(tmp_path):
    firm = load_firm({})
    assert (firm.handoff_wait_minutes, firm.handoff_idle_minutes, firm.handoff_roles) == (3, 10, ("attorney", "staff"))
    assert load_firm({"FIRM_HANDOFF_ROLES": "attorney", "FIRM_HANDOFF_WAIT_MINUTES": "5"}).handoff_roles == (
        "attorney",
    )
    with pytest.raises(DataFileError, match="handoff_roles"):
        load_firm({"FIRM_HANDOFF_ROLES": "attorney receptionist"})
    with pytest.raises(DataFileError, match="handoff_wait_minutes"):
        load_firm({"FIRM_HANDOFF_WAIT_MINUTES": "0"})
