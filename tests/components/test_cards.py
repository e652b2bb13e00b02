"""The details payload as Slack blocks and Telegram HTML (no servers), and how the two
channels send it and payloads they do not know."""

import html
import json
from html.parser import HTMLParser
from typing import Any

import pytest

from components.channels.cards import (
    SLACK_BLOCKS_MAX,
    SLACK_CONTEXT_MAX_ELEMENTS,
    SLACK_TEXT_MAX,
    TELEGRAM_TEXT_MAX,
    deadline_lines,
    slack_details_messages,
    telegram_details,
    utf16_len,
)
from components.channels.slack import FirmSlackBot
from components.channels.telegram import TelegramReplies

DETAILS = {
    "type": "details",
    "title": "Good to know",
    "items": [
        {"text": "Administrative processing has no fixed length.", "entry": "ap_duration"},
        {"text": "Check CEAC once a week.", "entry": "ceac_checking"},
    ],
}
# What an applicant-facing text could carry that Slack or Telegram would otherwise read as markup.
NASTY = {
    "type": "details",
    "title": "Good to know",
    "items": [
        {"text": "Send <!channel> & <https://evil.example|your case file> to us", "entry": "a"},
        {"text": "1 < 2 > 0 &amp; <b>bold</b>", "entry": "b"},
    ],
}


def details(*texts: str) -> dict[str, Any]:
    return {
        "type": "details",
        "title": "Good to know",
        "items": [{"text": t, "entry": f"e{n}"} for n, t in enumerate(texts)],
    }


def long_item(n: int, words: int) -> str:
    return " ".join(f"item{n}-word{w} & <x>" for w in range(words))


# --- Slack ---------------------------------------------------------------------------------


def test_slack_details_are_one_context_block_of_bullet_lines():
    assert slack_details_messages(DETAILS) == [
        {
            "blocks": [
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": "*Good to know*\n• Administrative processing has no fixed length.\n"
                            "• Check CEAC once a week.",
                        }
                    ],
                }
            ],
            "text": "Good to know\n• Administrative processing has no fixed length.\n• Check CEAC once a week.",
        }
    ]


def test_slack_details_escape_ampersand_and_angle_brackets():
    [message] = slack_details_messages(NASTY)
    text = message["blocks"][0]["elements"][0]["text"]
    assert text == (
        "*Good to know*\n"
        "• Send &lt;!channel&gt; &amp; &lt;https://evil.example|your case file&gt; to us\n"
        "• 1 &lt; 2 &gt; 0 &amp;amp; &lt;b&gt;bold&lt;/b&gt;"
    )
    assert "<" not in message["text"] and ">" not in message["text"]
    assert "&lt;!channel&gt;" in message["text"]


def slack_items(messages: list[dict[str, Any]]) -> list[str]:
    """The items read back from the blocks: a "• " line starts one, an indented line continues it."""
    lines = [
        line
        for message in messages
        for block in message["blocks"]
        for element in block["elements"]
        for line in element["text"].split("\n")
    ]
    assert lines[0] == "*Good to know*"
    items: list[str] = []
    for line in lines[1:]:
        if line.startswith("• "):
            items.append(line[2:])
        else:
            assert line.startswith("  ") and items
            items[-1] += " " + line[2:]
    return [item.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for item in items]


def check_slack_limits(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        assert 1 <= len(message["blocks"]) <= SLACK_BLOCKS_MAX
        assert message["text"] and utf16_len(message["text"]) <= SLACK_TEXT_MAX
        for block in message["blocks"]:
            assert block["type"] == "context"
            assert 1 <= len(block["elements"]) <= SLACK_CONTEXT_MAX_ELEMENTS
            for element in block["elements"]:
                assert element["type"] == "mrkdwn"
                assert 0 < utf16_len(element["text"]) <= SLACK_TEXT_MAX
                assert "<" not in element["text"] and ">" not in element["text"]


def test_slack_details_over_3000_characters_go_on_in_more_context_blocks():
    texts = [long_item(n, 60) for n in range(8)]  # about 1,500 characters each once escaped
    [message] = slack_details_messages(details(*texts))
    check_slack_limits([message])
    assert len(message["blocks"]) > 1
    assert slack_items([message]) == texts  # every item, whole and in order
    # Items are not cut between blocks when they fit in one.
    for block in message["blocks"]:
        assert all(line.startswith(("*", "•")) for line in block["elements"][0]["text"].split("\n"))
    assert message["text"].endswith("…")  # the plain fallback is cut; the blocks hold everything


def test_slack_one_item_longer_than_a_block_continues_in_the_next():
    texts = ["short one", long_item(1, 500), "x" * 7000, "last"]
    messages = slack_details_messages(details(*texts))
    check_slack_limits(messages)
    assert slack_items(messages) == [
        texts[0],
        texts[1],
        texts[2][:2998] + " " + texts[2][2998:5996] + " " + texts[2][5996:],
        "last",
    ]


def test_slack_very_long_details_go_on_in_another_message():
    texts = [long_item(n, 120) for n in range(60)]  # about 3,000 characters each: a block apiece
    messages = slack_details_messages(details(*texts))
    check_slack_limits(messages)
    assert len(messages) > 1
    assert messages[1]["text"] == "Good to know (continued)"
    assert slack_items(messages) == texts


def test_slack_details_without_items_send_nothing():
    assert slack_details_messages(details()) == []
    assert slack_details_messages({"type": "details", "title": "Good to know", "items": [{"text": "  "}]}) == []


def test_malformed_details_show_what_they_can():
    payload = {"type": "details", "items": ["a plain string", {"entry": "no_text"}, None, 7, {"text": "a\n  b"}]}
    assert slack_items(slack_details_messages(payload)) == ["a plain string", "7", "a b"]
    assert read_telegram(telegram_details(payload)) == (["Good to know (3)"], ["a plain string", "7", "a b"])
    assert slack_details_messages({"type": "details", "items": "not a list"}) == []
    assert telegram_details({"type": "details"}) == []


# --- Telegram ------------------------------------------------------------------------------


def test_telegram_details_are_an_expandable_blockquote():
    assert telegram_details(DETAILS) == [
        "<b>Good to know (2)</b>\n<blockquote expandable>"
        "• Administrative processing has no fixed length.\n• Check CEAC once a week.</blockquote>"
    ]


def test_telegram_details_escape_every_text():
    payload = {**NASTY, "title": "Good <to> & know"}
    assert telegram_details(payload) == [
        "<b>Good &lt;to&gt; &amp; know (2)</b>\n<blockquote expandable>"
        "• Send &lt;!channel&gt; &amp; &lt;https://evil.example|your case file&gt; to us\n"
        "• 1 &lt; 2 &gt; 0 &amp;amp; &lt;b&gt;bold&lt;/b&gt;</blockquote>"
    ]


class TelegramMarkup(HTMLParser):
    """Reads one message as Telegram would: only <b> and <blockquote expandable>, balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.heading, self.quote = "", ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert (tag, attrs) in [("b", []), ("blockquote", [("expandable", None)])] and not self.open
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        if self.open == ["b"]:
            self.heading += data
        elif self.open == ["blockquote"]:
            self.quote += data
        else:
            assert data == "\n"


def read_telegram(messages: list[str]) -> tuple[list[str], list[str]]:
    """(headings, items) of Telegram messages, each checked to be valid HTML on its own."""
    headings, items = [], []
    for message in messages:
        assert utf16_len(message) <= TELEGRAM_TEXT_MAX
        parser = TelegramMarkup()
        parser.feed(message)
        parser.close()
        assert parser.open == [] and parser.quote
        headings.append(parser.heading)
        for line in parser.quote.split("\n"):
            if line.startswith("• "):
                items.append(line[2:])
            else:
                assert line.startswith("  ") and items
                items[-1] += " " + line[2:]
    return headings, items


def test_telegram_details_over_4096_characters_split_between_items():
    texts = [long_item(n, 40) for n in range(12)]  # about 1,000 characters each once escaped
    messages = telegram_details(details(*texts))
    assert len(messages) > 1
    headings, items = read_telegram(messages)
    assert headings == ["Good to know (12)"] + ["Good to know (continued)"] * (len(messages) - 1)
    assert items == texts
    # Split at item boundaries: every quote starts with an item's first line.
    assert all("<blockquote expandable>• " in message for message in messages)


def test_telegram_one_item_longer_than_a_message_continues_in_the_next():
    texts = ["first", long_item(1, 400), "last"]
    messages = telegram_details(details(*texts))
    assert len(messages) > 1
    assert read_telegram(messages)[1] == texts


def test_telegram_details_without_items_send_nothing():
    assert telegram_details(details()) == []


# --- The channels: what they send -----------------------------------------------------------


@pytest.fixture
def slack_posts(monkeypatch):
    bot = FirmSlackBot("xoxb-test", None, None, "http://127.0.0.1:9/api/")
    posts: list[dict[str, Any]] = []

    async def post(channel: str, **kwargs: Any) -> None:
        posts.append({"channel": channel, **kwargs})

    monkeypatch.setattr(bot, "_post_message", post)
    return bot, posts


async def test_slack_sends_details_as_context_blocks_with_a_text(slack_posts):
    bot, posts = slack_posts
    await bot.send_custom_json("D1", dict(DETAILS))
    assert posts == [
        {
            "channel": "D1",
            "as_user": True,
            "unfurl_links": False,
            "unfurl_media": False,
            **slack_details_messages(DETAILS)[0],
        }
    ]


async def test_slack_passes_unknown_payloads_to_rasas_slackbot(slack_posts):
    bot, posts = slack_posts
    await bot.send_custom_json("D1", {"type": "something_new", "text": "hello"})
    assert posts == [{"channel": "D1", "as_user": True, "type": "something_new", "text": "hello"}]


class RecordingTelegram:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, payload))
        return {"ok": True}


async def test_telegram_sends_details_as_html_messages():
    api = RecordingTelegram()
    await TelegramReplies(api).send_custom_json("42", details(*(long_item(n, 40) for n in range(12))))  # type: ignore[arg-type]
    assert len(api.calls) > 1
    for method, payload in api.calls:
        assert method == "sendMessage" and payload["chat_id"] == "42" and payload["parse_mode"] == "HTML"
        assert payload["text"].endswith("</blockquote>")  # never cut by the channel's own limit
    assert json.dumps(api.calls).count("item11-word39") == 1


async def test_telegram_sends_nothing_for_unknown_payloads():
    api = RecordingTelegram()
    await TelegramReplies(api).send_custom_json("42", {"type": "something_new", "text": "<b>hi</b>"})  # type: ignore[arg-type]
    await TelegramReplies(api).send_custom_json("42", {"no": "type"})  # type: ignore[arg-type]
    assert api.calls == []


def test_html_escape_is_what_telegram_expects():
    """Only &lt; &gt; &amp; (and &quot;) are named entities Telegram knows: no &#x27; in texts."""
    [message] = telegram_details(details('it\'s "quoted"'))
    assert 'it\'s "quoted"' in message and html.unescape(message) == message


# --- The firm's contact card -------------------------------------------------------------------

CONTACT = {
    "type": "contact",
    "firm_name": "Harbor & Vale <Law>",
    "booking_url": "https://example.com/book",
    "phone": "+1 555 0100",
    "email": "intake@example.com",
    "office_hours": "Monday to Friday, 9 am to 5 pm",
}


async def test_slack_sends_the_contact_card_as_one_section_with_a_booking_link(slack_posts):
    bot, posts = slack_posts
    await bot.send_custom_json("D1", dict(CONTACT))
    [post] = posts
    assert post["blocks"] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Harbor &amp; Vale &lt;Law&gt;*\n<https://example.com/book|Book a consultation>\n"
                "Phone: +1 555 0100\nEmail: intake@example.com\n_Monday to Friday, 9 am to 5 pm_",
            },
        }
    ]
    assert "https://example.com/book" in post["text"] and "+1 555 0100" in post["text"]


async def test_telegram_sends_the_contact_card_with_a_booking_button():
    api = RecordingTelegram()
    await TelegramReplies(api).send_custom_json("42", dict(CONTACT))  # type: ignore[arg-type]
    [(method, payload)] = api.calls
    assert method == "sendMessage" and payload["parse_mode"] == "HTML"
    assert payload["text"] == (
        "<b>Harbor &amp; Vale &lt;Law&gt;</b>\nPhone: +1 555 0100\nEmail: intake@example.com\n"
        "<i>Monday to Friday, 9 am to 5 pm</i>"
    )
    assert payload["reply_markup"] == {
        "inline_keyboard": [[{"text": "Book a consultation", "url": CONTACT["booking_url"]}]]
    }


async def test_a_booking_address_that_is_not_a_web_link_gets_no_link_or_button(slack_posts):
    bot, posts = slack_posts
    card = CONTACT | {"booking_url": "javascript:alert(1)"}
    await bot.send_custom_json("D1", card)
    assert "javascript" not in json.dumps(posts[0])
    api = RecordingTelegram()
    await TelegramReplies(api).send_custom_json("42", card)  # type: ignore[arg-type]
    assert "reply_markup" not in api.calls[0][1]


async def test_a_booking_address_that_would_end_slacks_link_markup_is_not_linked(slack_posts):
    bot, posts = slack_posts
    await bot.send_custom_json("D1", CONTACT | {"booking_url": "https://example.com/book|Verify your identity>"})
    assert "|Verify" not in json.dumps(posts[0])


@pytest.mark.parametrize(
    ("counted_from", "origin"),
    [
        ("notice", "Counted from the date on your notice (1 July 2026)"),
        ("interview", "Counted from your interview date (1 July 2026)"),
        # Issue 21: the end of the DV year set the date, not one year from the notice.
        ("dv_fiscal_year", "The last day of the DV program year"),
    ],
)
def test_a_deadline_card_says_what_set_its_date(counted_from, origin):
    card = {"deadline": "2026-09-30", "notice_date": "2026-07-01", "counted_from": counted_from}
    assert deadline_lines({**card, "urgency": "within_90_days", "days_left": 46})[2] == origin


# --- In the conversation's language (the payload's `language`) ----------------------------------

SPANISH_DEADLINE = {
    "type": "deadline",
    "notice_date": "2026-03-10",
    "counted_from": "notice",
    "deadline": "2027-03-10",
    "days_left": 1,
    "urgency": "within_30_days",
    "language": "es",
}
SPANISH_SOURCES = {
    "type": "sources",
    "sources": [
        {"title": "9 FAM 306.2", "url": "https://fam.state.gov/x", "reliability": "official", "language": "en"},
        {"title": "Página en español", "url": "https://example.gov/es", "reliability": "official", "language": "es"},
    ],
    "language": "es",
}


def test_a_spanish_deadline_card_reads_in_spanish():
    assert deadline_lines(SPANISH_DEADLINE) == [
        "Su plazo de la 221(g): 10 de marzo de 2027",
        "🟠 En 30 días o menos · queda 1 día",
        "Contado desde la fecha de su carta (10 de marzo de 2026)",
    ]
    assert deadline_lines(SPANISH_DEADLINE | {"days_left": -3, "urgency": "passed"})[1] == (
        "🔴 Plazo vencido · venció hace 3 días"
    )


async def test_slack_and_telegram_write_spanish_cards_and_mark_english_sources(slack_posts):
    bot, posts = slack_posts
    await bot.send_custom_json("D1", dict(SPANISH_DEADLINE))
    await bot.send_custom_json("D1", dict(SPANISH_SOURCES))
    await bot.send_custom_json("D1", CONTACT | {"language": "es"})
    assert posts[0]["text"] == "Su plazo de la 221(g): 10 de marzo de 2027"
    assert posts[1]["text"] == (
        "Fuentes:\n• <https://fam.state.gov/x|9 FAM 306.2 (en inglés)>\n• <https://example.gov/es|Página en español>"
    )
    contact = posts[2]["blocks"][0]["text"]["text"]
    assert "|Reservar una consulta>" in contact and "Teléfono: +1 555 0100" in contact and "Correo: " in contact
    api = RecordingTelegram()
    replies = TelegramReplies(api)  # type: ignore[arg-type]
    await replies.send_custom_json("42", dict(SPANISH_SOURCES))
    await replies.send_custom_json("42", CONTACT | {"language": "es"})
    await replies.send_custom_json("42", details("Guarde copias.") | {"title": None, "language": "es"})
    sources, contact_card, details_message = (payload for _, payload in api.calls)
    assert sources["text"].startswith("<b>Fuentes</b>\n") and "9 FAM 306.2 (en inglés)</a>" in sources["text"]
    assert "Página en español</a>" in sources["text"]
    assert "Teléfono: +1 555 0100" in contact_card["text"]
    assert contact_card["reply_markup"]["inline_keyboard"][0][0]["text"] == "Reservar una consulta"
    assert details_message["text"].startswith("<b>Conviene saber (1)</b>")


def test_long_spanish_details_continue_under_a_spanish_heading():
    messages = telegram_details(details(*(long_item(n, 40) for n in range(12))) | {"language": "es"})
    assert len(messages) > 1 and all(m.startswith("<b>Good to know (continuación)</b>") for m in messages[1:])
