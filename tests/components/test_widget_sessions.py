"""The widget's signed session ids and the history a returning browser is sent."""

import stat

import pytest

from bot.backoffice.kept_secret import kept_secret
from components.channels.widget import WidgetSessions, history_entries
from tests.common import ROOT


def test_an_issued_session_id_opens_its_own_conversation_and_nothing_else_does():
    sessions = WidgetSessions(b"s" * 32)
    issued = sessions.issue()
    key, signature = issued.split(".")
    conversation = sessions.conversation_of(issued)
    assert conversation == sessions.conversation_of(issued) and conversation.startswith("widget-")
    # Neither part of the bearer key is in the conversation id that logs and exports show
    # (issue 23, finding 8: with an export and the secret, the key was the conversation id).
    assert key not in conversation and signature not in conversation
    assert sessions.issue() != issued
    forged = [
        key,
        f"widget-{key}",
        conversation,
        conversation.removeprefix("widget-"),
        f"{key}.{'0' * 32}",
        f"{key}.{signature[:-1]}",
        issued.upper(),
        f"{issued}x",
        "",
        None,
        42,
        {"session_id": issued},
    ]
    assert [sessions.conversation_of(f) for f in forged] == [None] * len(forged)
    assert WidgetSessions(b"another secret of 32 characters!").conversation_of(issued) is None


def test_the_secret_comes_from_the_environment_or_a_file_kept_for_this_user(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_SESSION_SECRET", "too short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        WidgetSessions.from_environment()
    path = tmp_path / "var" / "widget-session-secret"
    secret = kept_secret(path)
    assert len(secret) == 64 and kept_secret(path) == secret  # made once, then read
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_history_shows_button_titles_and_only_the_last_unanswered_buttons_work():
    yes_no = [{"title": "Yes, delete", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    card = {"type": "deadline", "deadline": "2027-03-03"}
    details = {"type": "details", "title": "Good to know", "items": [{"text": "Keep copies.", "entry": "tip_x"}]}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "when is my deadline?"},
        {"event": "bot", "text": "Your deadline:", "data": {"custom": card}},
        {"event": "bot", "data": {"custom": details}},
        {"event": "bot", "text": "Delete?", "data": {"buttons": yes_no}},
        {"event": "user", "text": "/deny"},
        {"event": "slot", "name": "x", "value": 1},
        {"event": "bot", "text": "Delete now?", "data": {"buttons": yes_no, "custom": {"type": "erased"}}},
    ]
    assert history_entries(events) == [
        {"from": "user", "text": "when is my deadline?"},
        {"from": "bot", "text": "Your deadline:", "used": True, "replies": []},
        {"from": "bot", "custom": card},
        {"from": "bot", "custom": details},
        {"from": "bot", "text": "Delete?", "used": True, "replies": yes_no},
        {"from": "user", "text": "No"},
        {"from": "bot", "text": "Delete now?", "used": False, "replies": yes_no},
    ]
    many = [{"event": "user", "text": str(n)} for n in range(150)]
    assert [e["text"] for e in history_entries(many)] == [str(n) for n in range(50, 150)]


def test_an_empty_or_short_secret_file_is_refused_not_used_as_an_empty_key(tmp_path, monkeypatch):
    """Issue 23, finding 8: an empty secret file gave HMACs with an empty key."""
    from components.channels import common

    monkeypatch.delenv("WIDGET_SESSION_SECRET", raising=False)
    empty = tmp_path / "widget-session-secret"
    empty.write_text("\n")
    monkeypatch.setattr(common, "SECRET_FILE", empty)
    with pytest.raises(ValueError, match="at least 32 characters"):
        WidgetSessions.from_environment()
    with pytest.raises(ValueError, match="at least 32 characters"):
        common.server_secret()  # what the REST channel keys clients with, read at start


def test_widget_js_is_served_with_every_languages_words():
    import json
    import re

    from bot.language.channel import channel_strings
    from components.channels.widget import STRINGS_PLACEHOLDER, widget_script

    script = widget_script().decode("utf-8")
    assert STRINGS_PLACEHOLDER not in script
    # ASCII only: a firm's page in windows-1252 must not garble "Español" (review of d9be908, finding 4).
    assert script.isascii() and "Espa\\u00f1ol" in script
    tables = json.loads(re.search(r"var LANGUAGES = (\{.*?\});\n", script).group(1))
    assert set(tables) == {"en", "es"}
    widget_keys = {key for key in channel_strings("es") if key.split(".")[0] in ("language_name", "cards", "widget")}
    assert tables["es"]["strings"] == {key: channel_strings("es")[key] for key in widget_keys}
    assert tables["es"]["months"][2] == "marzo"
    assert tables["es"]["date"] == "{day} de {month} de {year}"
    # No English word of its own is left in the widget: every text comes from the tables.
    source = (ROOT / "widget" / "static" / "widget.js").read_text()
    code = re.sub(r"^\s*(//|\*|/\*).*$", "", source, flags=re.M)
    for text in channel_strings("en").values():
        if len(text) > 3 and "{" not in text:
            assert f'"{text}"' not in code, text


def test_widget_js_names_the_firms_language_for_a_page_that_names_none(monkeypatch):
    from components.channels.widget import widget_script

    monkeypatch.setenv("FIRM_LANGUAGE", "es")
    widget_script.cache_clear()
    try:
        assert 'var FIRM_LANGUAGE = "es";' in widget_script().decode()
    finally:
        widget_script.cache_clear()
