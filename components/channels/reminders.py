"""Rasa glue: the page behind the link that confirms a reminder address.

GET /webhooks/reminders/confirm?token=... shows a button; only pressing it (a POST)
confirms. Mail programs and virus scanners open links in emails by themselves, and a
confirmation they made would prove nothing about who owns the address.
The Rasa server reads the firm's database for this (DATABASE_URL, as the actions).
"""

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice.db import database_url, make_engine
from bot.backoffice.intake import IntakeStore
from bot.rules.firm import load_firm

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"^[0-9a-f]{64}$")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


@lru_cache(maxsize=1)
def _store() -> IntakeStore:
    return IntakeStore(make_engine(database_url()))


def page(title: str, body: str, status: int = 200) -> Any:
    return response.html(
        PAGE.format(title=html.escape(title), body=body),
        status=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


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
        async def ask(request: Request) -> HTTPResponse:
            token = request.args.get("token", "")
            if not TOKEN.match(token):
                return page(
                    "Link not valid",
                    "<p>This link is not complete. Please open the link from the email exactly as it is.</p>",
                    400,
                )
            return page(
                "Confirm your reminders",
                (
                    f"<p>You asked {html.escape(firm.name)}'s assistant to email you reminders of your 221(g) "
                    "deadline. Press the button to confirm that this email address is yours.</p>"
                    f'<form method="post"><input type="hidden" name="token" value="{token}">'
                    '<button type="submit">Yes, send me the reminders</button></form>'
                    "<p>If you did not ask for this, close this page: nothing will be sent.</p>"
                ),
            )

        @blueprint.route("/confirm", methods=["POST"])
        async def confirm(request: Request) -> HTTPResponse:
            token = (request.form.get("token") if request.form else None) or ""
            if not TOKEN.match(token):
                return page("Link not valid", "<p>This link is not complete.</p>", 400)
            try:
                done = await asyncio.to_thread(_store().confirm_address, token)
            except SQLAlchemyError as error:
                logger.warning("Could not confirm a reminder address: %s", type(error).__name__)
                return page(
                    "Please try again later",
                    "<p>Something went wrong on our side. Please open the link again in a few minutes.</p>",
                    503,
                )
            if not done:
                return page(
                    "Link expired",
                    "<p>This link has expired or is not known. Ask the assistant for "
                    "a reminder again to get a new one.</p>",
                    404,
                )
            return page(
                "Reminders confirmed",
                f"<p>Thank you. You will get the reminders you asked for. {html.escape(firm.contact_line)}</p>",
            )

        return blueprint
