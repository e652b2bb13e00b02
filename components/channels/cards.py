"""How the `deadline`, `details`, `sources` and `contact` payloads read in channels that show text, not cards."""

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from bot.backoffice.notify import slack_escaped
from bot.language.channel import channel_text
from bot.language.words import words

URGENCY_EMOJI = {"passed": "🔴", "due_today": "🔴", "within_30_days": "🟠", "within_90_days": "🟡", "later": "🟢"}


def payload_language(payload: dict[str, Any]) -> str | None:
    """The conversation's language the action wrote the payload in (English when it does not say)."""
    language = payload.get("language")
    return language if isinstance(language, str) else None


def written_date(iso: str, language: str | None = None) -> str:
    return words(language or "en").date(dt.date.fromisoformat(iso))


def days_left_text(days: int, language: str | None = None) -> str:
    if days == 0:
        return channel_text(language, "cards.due_today")
    if days < 0:
        return channel_text(language, "cards.passed_one" if days == -1 else "cards.passed_other", n=-days)
    return channel_text(language, "cards.days_left_one" if days == 1 else "cards.days_left_other", n=days)


def urgency_label(urgency: str, language: str | None = None) -> str:
    """The urgency band as the card shows it ("Within 30 days"); an unknown band as it came."""
    try:
        return channel_text(language, f"cards.urgency_{urgency}")
    except KeyError:
        return urgency


def counted_from_text(card: dict[str, Any]) -> str:
    language = payload_language(card)
    if card.get("counted_from") == "dv_fiscal_year":  # the end of the DV year comes before the one-year date
        return channel_text(language, "cards.dv_fiscal_year")
    key = "cards.counted_from_interview" if card.get("counted_from") == "interview" else "cards.counted_from_notice"
    return channel_text(language, key, date=written_date(card["notice_date"], language))


def deadline_lines(card: dict[str, Any]) -> list[str]:
    """Title, status and origin lines of a deadline card, as plain text."""
    language = payload_language(card)
    urgency = card.get("urgency", "")
    status = f"{urgency_label(urgency, language)} · {days_left_text(card['days_left'], language)}"
    return [
        channel_text(language, "cards.deadline_title", date=written_date(card["deadline"], language)),
        f"{URGENCY_EMOJI.get(urgency, '')} {status}".strip(),
        counted_from_text(card),
    ]


def slack_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    title, status, origin = deadline_lines(card)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{status}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": origin}]},
    ]


def source_title(source: dict[str, Any], language: str | None) -> str:
    """A source's title in its own language, marked when that is not the conversation's
    ("... (en inglés)"): the page is not translated, only the answer is."""
    title = str(source.get("title") or source.get("url") or channel_text(language, "cards.source"))
    source_language = source.get("language") or "en"
    try:
        mark = channel_text(language, f"cards.source_in_{source_language}")
    except KeyError:
        mark = ""
    return f"{title} {mark}" if mark else title


def slack_sources(payload: dict[str, Any]) -> str:
    language = payload_language(payload)
    lines = (
        f"• <{s['url']}|{slack_escaped(source_title(s, language)).replace('|', '/')}>"
        for s in payload.get("sources", [])
    )
    return f"{channel_text(language, 'cards.sources')}:\n" + "\n".join(lines)


def telegram_html(card: dict[str, Any]) -> str:
    title, status, origin = (html.escape(line) for line in deadline_lines(card))
    return f"<b>{title}</b>\n{status}\n<i>{origin}</i>"


def telegram_sources(payload: dict[str, Any]) -> str:
    language = payload_language(payload)
    links = (
        f'• <a href="{html.escape(s["url"], quote=True)}">{html.escape(source_title(s, language))}</a>'
        for s in payload.get("sources", [])
        if s.get("url", "").startswith(("https://", "http://"))
    )
    return f"<b>{html.escape(channel_text(language, 'cards.sources'))}</b>\n" + "\n".join(links)


# --- details: what the first bubble leaves out, one tap away ---------------------------------

# Slack: a mrkdwn text object holds at most 3,000 characters, a context block at most 10
# elements, a message at most 50 blocks.
SLACK_TEXT_MAX = 3000
SLACK_CONTEXT_MAX_ELEMENTS = 10
SLACK_BLOCKS_MAX = 50
# Telegram: at most 4,096 characters per message after entity parsing; the channel keeps a
# margin (and cuts plain texts there), so a details message is built to fit within it.
TELEGRAM_TEXT_MAX = 4000
# A heading is a few words; a longer one is cut, so that every item line still fits beside it.
TITLE_MAX = 200


def utf16_len(text: str) -> int:
    """A length as the platforms count it (an emoji outside the BMP counts twice), so never short."""
    return len(text.encode("utf-16-le")) // 2


def detail_texts(payload: dict[str, Any]) -> list[str]:
    """The items' texts, whitespace made single spaces (one item, one line); empty ones are
    nothing to show, and a malformed payload shows what it can rather than fail."""
    items = payload.get("items")
    raw = (
        (item.get("text") if isinstance(item, dict) else item for item in items if item)
        if isinstance(items, list)
        else ()
    )
    texts = (" ".join(str(text).split()) for text in raw if text is not None)
    return [text for text in texts if text]


def pieces(text: str, fits: Callable[[str], bool]) -> list[str]:
    """`text` cut into consecutive pieces that each `fits`, at spaces where a word allows it,
    never in the middle of an escape (callers measure the escaped piece). Nothing is lost:
    cut at spaces, the pieces joined with spaces are the text again; only a word longer
    than the limit is cut inside."""
    result: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            result.append(current)
            current = ""
        while not fits(word):  # one word longer than the limit: cut it where it must be
            low, high = 1, len(word)  # the longest prefix that fits (at least one character)
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if fits(word[:middle]) else (low, middle - 1)
            result.append(word[:low])
            word = word[low:]
        current = word
    if current:
        result.append(current)
    return result


def packed(lines: list[str], fits: Callable[[list[str]], bool]) -> list[list[str]]:
    """Consecutive lines grouped greedily so that each group `fits` (each line must fit alone)."""
    groups: list[list[str]] = []
    for line in lines:
        if groups and fits(groups[-1] + [line]):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def details_title(payload: dict[str, Any]) -> str:
    """The details' heading (the payload's, else the language's "Good to know"), at most TITLE_MAX characters."""
    title = " ".join(
        str(payload.get("title") or channel_text(payload_language(payload), "cards.details_title")).split()
    )
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def slack_details_messages(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The details as Slack messages (one, unless they are very long): small grey context
    text, the title in bold and each item a bullet line, every text escaped.

    A context block lays its elements out side by side, not one under another, so each
    block holds one mrkdwn element of whole bullet lines; what does not fit in 3,000
    characters goes on in the next context block (an item longer than that on its own
    continues over several), and past 50 blocks in another message. Each message has a
    plain `text` for notifications and screen readers."""
    texts = detail_texts(payload)
    if not texts:
        return []
    title = slack_escaped(details_title(payload))
    lines = [f"*{title}*"]
    for text in texts:
        # The bullet (2 characters) and its continuation's indent count towards the limit.
        parts = pieces(text, lambda piece: utf16_len(slack_escaped(piece)) + 2 <= SLACK_TEXT_MAX)
        lines += [f"{'•' if n == 0 else ' '} {slack_escaped(part)}" for n, part in enumerate(parts)]
    groups = packed(lines, lambda group: utf16_len("\n".join(group)) <= SLACK_TEXT_MAX)
    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(group)}]} for group in groups]
    fallback = "\n".join([title] + [f"• {slack_escaped(text)}" for text in texts])
    continued = channel_text(payload_language(payload), "cards.continued", title=title)
    if utf16_len(fallback) > SLACK_TEXT_MAX:  # the whole of it is in the blocks
        fallback = pieces(fallback, lambda piece: utf16_len(piece) + 1 <= SLACK_TEXT_MAX)[0] + "…"
    return [
        {"blocks": blocks[start : start + SLACK_BLOCKS_MAX], "text": fallback if start == 0 else continued}
        for start in range(0, len(blocks), SLACK_BLOCKS_MAX)
    ]


def telegram_details(payload: dict[str, Any]) -> list[str]:
    """The details as Telegram HTML messages: the title and the number of items in bold, the
    items as "• " lines in an expandable blockquote (collapsed to its first lines until
    tapped), every text escaped. Over Telegram's limit they go on in further messages,
    split between items (an item longer than a message on its own, between words), each
    message valid HTML of its own.

    An inline "More" button would need the details kept on the server for its callback;
    the expandable quote is one tap away without any state."""
    texts = detail_texts(payload)
    if not texts:
        return []
    title = html.escape(details_title(payload), quote=False)
    continued = channel_text(payload_language(payload), "cards.continued", title=title)
    first, later = f"<b>{title} ({len(texts)})</b>\n", f"<b>{continued}</b>\n"

    def message(head: str, lines: list[str]) -> str:
        return head + "<blockquote expandable>" + "\n".join(lines) + "</blockquote>"

    def fits(lines: list[str]) -> bool:  # the longer heading, whichever message this becomes
        return utf16_len(message(max(first, later, key=len), lines)) <= TELEGRAM_TEXT_MAX

    lines: list[str] = []
    for text in texts:
        parts = pieces(text, lambda piece: fits([f"• {html.escape(piece, quote=False)}"]))
        lines += [f"{'•' if n == 0 else ' '} {html.escape(part, quote=False)}" for n, part in enumerate(parts)]
    groups = packed(lines, fits)
    return [message(first if n == 0 else later, group) for n, group in enumerate(groups)]


WEB_LINK = re.compile(r"https?://[^\s<>|\"]+")


def is_web_link(url: str) -> bool:
    """An http(s) address with nothing that could end Slack's <url|label> or break a button."""
    return bool(WEB_LINK.fullmatch(url))


def slack_contact(card: dict[str, Any]) -> dict[str, Any]:
    """The firm's contact card as one Slack message: booking link, phone, email, hours."""
    name, phone, email = (slack_escaped(str(card.get(key, ""))) for key in ("firm_name", "phone", "email"))
    booking = str(card.get("booking_url", ""))
    language = payload_language(card)
    lines = [f"*{name}*"]
    if is_web_link(booking):
        lines.append(f"<{booking}|{slack_escaped(channel_text(language, 'cards.book'))}>")
    lines += [
        slack_escaped(channel_text(language, "cards.phone", phone=card.get("phone", ""))),
        slack_escaped(channel_text(language, "cards.email", email=card.get("email", ""))),
        f"_{slack_escaped(str(card.get('office_hours', '')))}_",
    ]
    return {
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
        "text": f"{name}: {booking if is_web_link(booking) else ''} · {phone} · {email}",
    }


def telegram_contact(card: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The firm's contact card as Telegram HTML, with the booking link as a button."""
    name, phone, email, hours = (
        html.escape(str(card.get(key, "")), quote=False) for key in ("firm_name", "phone", "email", "office_hours")
    )
    booking = str(card.get("booking_url", ""))
    language = payload_language(card)
    labels = (channel_text(language, "cards.phone", phone=phone), channel_text(language, "cards.email", email=email))
    text = f"<b>{name}</b>\n{labels[0]}\n{labels[1]}\n<i>{hours}</i>"
    if not is_web_link(booking):
        return text, None
    return text, {"inline_keyboard": [[{"text": channel_text(language, "cards.book"), "url": booking}]]}
