"""Rasa glue: the page behind the link that confirms a reminder address.

GET /webhooks/reminders/confirm?token=... shows a button; only pressing it (a POST)
confirms. Mail programs and virus scanners open links in emails by themselves, and a
confirmation they made would prove nothing about who owns the address.
The Rasa server reads the firm's database for this (DATABASE_URL, as the actions).

The page is in the language of the link's email (the conversation's when the reminders were
asked for, stored with the link; texts in bot/language/<code>/channel.yml). A link that is
not complete, not known, or that cannot be looked up right now has no language of its own:
its page says it in every language the assistant speaks, English first, since whoever opens
it may have asked in any of them.
"""

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice.db import database_url, make_engine
from bot.backoffice.intake import IntakeStore
from bot.language import LANGUAGES
from bot.language.channel import channel_text
from bot.rules.firm import FirmProfile, load_firm

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"^[0-9a-f]{64}$")
PAGE = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head>
<body>{sections}</body></html>"""


@lru_cache(maxsize=1)
def _store() -> IntakeStore:
    return IntakeStore(make_engine(database_url()))


def _text(language: str, key: str, **values: Any) -> str:
    """A text of the page's table, escaped for HTML."""
    return html.escape(channel_text(language, f"confirmation_page.{key}", **values))


def page(
    languages: Sequence[str], title: str, body: Callable[[str], str], status: int = 200, **values: Any
) -> HTTPResponse:
    """The page `title` (a key of the table) in each of `languages`, the body of each made by `body`."""
    sections = "".join(
        f'<section lang="{language}"><h1>{_text(language, title, **values)}</h1>{body(language)}</section>'
        for language in languages
    )
    return response.html(
        PAGE.format(
            language=languages[0],
            title=" / ".join(_text(language, title, **values) for language in languages),
            sections=sections,
        ),
        status=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def paragraph(key: str, **values: Any) -> Callable[[str], str]:
    return lambda language: f"<p>{_text(language, key, **values)}</p>"


def not_valid() -> HTTPResponse:
    return page(LANGUAGES, "invalid_title", paragraph("invalid_body"), 400)


def unavailable() -> HTTPResponse:
    return page(LANGUAGES, "unavailable_title", paragraph("unavailable_body"), 503)


def expired(language: str | None) -> HTTPResponse:
    return page([language] if language else LANGUAGES, "expired_title", paragraph("expired_body"), 404)


def ask(language: str, firm: FirmProfile, token: str) -> HTTPResponse:
    def body(language: str) -> str:
        return (
            f"<p>{_text(language, 'confirm_body', firm=firm.name)}</p>"
            f'<form method="post"><input type="hidden" name="token" value="{token}">'
            f'<button type="submit">{_text(language, "confirm_button")}</button></form>'
            f"<p>{_text(language, 'confirm_ignore')}</p>"
        )

    return page([language], "confirm_title", body)


def confirmed(language: str, firm: FirmProfile) -> HTTPResponse:
    return page([language], "confirmed_title", paragraph("confirmed_body", contact_line=firm.contact_line_in(language)))


def _confirm(store: IntakeStore, token: str) -> tuple[bool, str | None]:
    """Confirms the link's address if it may; (done, the link's language or None if unknown)."""
    done = store.confirm_address(token)
    link = store.confirmation_link(token)
    return done, link.language if link else None


class ReminderConfirmation(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "reminders"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("reminders_confirm", __name__)
        firm = load_firm()

        @blueprint.route("/confirm", methods=["GET"])
        async def ask_page(request: Request) -> HTTPResponse:
            token = request.args.get("token", "")
            if not TOKEN.match(token):
                return not_valid()
            try:  # looks only: a scanner opening the link confirms nothing
                link = await asyncio.to_thread(_store().confirmation_link, token)
            except SQLAlchemyError as error:
                logger.warning("Could not look up a reminder confirmation link: %s", type(error).__name__)
                return unavailable()
            if link is None or link.expired:
                return expired(link.language if link else None)
            return ask(link.language, firm, token)

        @blueprint.route("/confirm", methods=["POST"])
        async def confirm_page(request: Request) -> HTTPResponse:
            token = (request.form.get("token") if request.form else None) or ""
            if not TOKEN.match(token):
                return not_valid()
            try:
                done, language = await asyncio.to_thread(_confirm, _store(), token)
            except SQLAlchemyError as error:
                logger.warning("Could not confirm a reminder address: %s", type(error).__name__)
                return unavailable()
            if not done or language is None:
                return expired(language)
            return confirmed(language, firm)

        return blueprint
