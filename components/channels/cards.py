"""How the `deadline` and `sources` payloads read in channels that show text, not cards."""

import datetime as dt
import html
from typing import Any

from bot.rules.names import MONTH_NAMES, URGENCY_LABELS

URGENCY_EMOJI = {"passed": "🔴", "due_today": "🔴", "within_30_days": "🟠", "within_90_days": "🟡", "later": "🟢"}


def written_date(iso: str) -> str:
    value = dt.date.fromisoformat(iso)
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def days_left_text(days: int) -> str:
    if days == 0:
        return "due today"
    if days < 0:
        return f"passed {-days} day{'s' if days != -1 else ''} ago"
    return f"{days} day{'s' if days != 1 else ''} left"


def counted_from_text(card: dict[str, Any]) -> str:
    origin = "your interview date" if card.get("counted_from") == "interview" else "the date on your notice"
    return f"Counted from {origin} ({written_date(card['notice_date'])})"


def deadline_lines(card: dict[str, Any]) -> list[str]:
    """Title, status and origin lines of a deadline card, as plain text."""
    urgency = card.get("urgency", "")
    return [
        f"Your 221(g) deadline: {written_date(card['deadline'])}",
        f"{URGENCY_EMOJI.get(urgency, '')} {URGENCY_LABELS.get(urgency, urgency)} · {days_left_text(card['days_left'])}".strip(),
        counted_from_text(card),
    ]


def slack_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    title, status, origin = deadline_lines(card)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{status}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": origin}]},
    ]


def slack_sources(sources: list[dict[str, str]]) -> str:
    return "Sources:\n" + "\n".join(f"• <{s['url']}|{s['title'].replace('|', '/')}>" for s in sources)


def telegram_html(card: dict[str, Any]) -> str:
    title, status, origin = (html.escape(line) for line in deadline_lines(card))
    return f"<b>{title}</b>\n{status}\n<i>{origin}</i>"


def telegram_sources(sources: list[dict[str, str]]) -> str:
    links = (
        f'• <a href="{html.escape(s["url"], quote=True)}">{html.escape(s["title"])}</a>'
        for s in sources
        if s.get("url", "").startswith(("https://", "http://"))
    )
    return "<b>Sources</b>\n" + "\n".join(links)
