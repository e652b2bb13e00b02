"""A lead's channel is the one its conversation came through, from the conversation id that
the channel itself set; a REST client's claim to be Telegram proves nothing."""

import pytest

from actions.leads import channel_of


@pytest.mark.parametrize(
    ("conversation", "channel"),
    [
        ("rest-jane", "rest"),
        ("widget-3f2a", "widget"),
        ("slack-U123", "slack"),
        ("telegram-12345", "telegram"),
        ("rest-telegram-1", "rest"),
        ("telegram", "unknown"),
        ("e2e-x", "unknown"),
    ],
)
def test_the_channel_comes_from_the_conversation_id(conversation, channel):
    assert channel_of(conversation) == channel


def test_without_a_key_from_the_channel_the_conversation_is_the_client_within_the_columns_size():
    from actions.leads import build_lead
    from bot.backoffice.models import Lead
    from tests.common import tracker

    state = tracker("affirm", intake_consent="yes")
    state.sender_id = "telegram-" + "9" * 300  # as long as Rasa allows a sender
    state.latest_message["metadata"] = {}
    key = build_lead(state, "consultation").client_key
    assert key == state.sender_id[: Lead.client_key.type.length]
