"""A message that starts with "/" is a button's payload only when it is exactly one; anything
else is what the applicant typed, and Rasa must read it as text (issue 23, finding 2)."""

import pytest

from components.channels.common import as_typed


@pytest.mark.parametrize(
    "payload", ["/affirm", "/deny", '/switch_flow{"switch_to": "intake"}', ' /inform{"visa_type": "H-1B"} ']
)
def test_a_buttons_exact_payload_goes_to_rasa_as_it_is(payload):
    assert as_typed(payload) == payload


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("/ my name is Jane Roe, case ABC2026123456", "my name is Jane Roe, case ABC2026123456"),
        ("/inform my name is Jane Roe", "inform my name is Jane Roe"),
        ('/inform{"person_name": "Jane Roe", case 12', 'inform{"person_name": "Jane Roe", case 12'),
        ('/inform["Jane Roe"]', 'inform["Jane Roe"]'),
        ("/restart", "restart"),  # not one of our intents: no button sends it
        ("//what is 221g?", "what is 221g?"),
        ("/", ""),
    ],
)
def test_anything_else_starting_with_a_slash_is_text(typed, text):
    assert as_typed(typed) == text


def test_ordinary_messages_are_left_alone():
    assert as_typed("is 221(g) a refusal? 50/50 chance?") == "is 221(g) a refusal? 50/50 chance?"
    assert as_typed(None) is None and as_typed("") == ""


def test_an_intent_only_the_server_gives_cannot_be_typed():
    # The live-chat route gives it when nobody took a request for a person; typed, it is text.
    assert as_typed("/EXTERNAL_handoff_unanswered") == "EXTERNAL_handoff_unanswered"
