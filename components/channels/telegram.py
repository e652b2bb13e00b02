"""Rasa glue: Telegram, accepting only updates that carry the webhook's secret token.

Rasa 3.6's TelegramInput checks nothing about the sender and calls getMe on every
update. This channel instead:
- registers the webhook (TELEGRAM_WEBHOOK_URL) with a secret token
  (TELEGRAM_SECRET_TOKEN) when the server starts, and answers 403 to any update
  without the matching X-Telegram-Bot-Api-Secret-Token header;
- makes no Bot API call per update other than sending the replies;
- answers each update_id once, across replicas (Telegram re-delivers updates it
  thinks failed);
- renders the deadline payload as a formatted message, the details payload as an
  expandable (collapsed) blockquote, the sources as links and buttons as an inline
  keyboard; other custom payloads are not sent;
- names each conversation "telegram-<chat id>", which no other channel can address.
TELEGRAM_TOKEN is the bot token; TELEGRAM_API_URL (default https://api.telegram.org)
lets the tests use a local stand-in of the Bot API. Without token and secret the
channel answers 503.
"""

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from components.channels.cards import (
    TELEGRAM_TEXT_MAX,
    telegram_contact,
    telegram_details,
    telegram_html,
    telegram_sources,
)
from components.channels.common import (
    NotConfigured,
    SeenEvents,
    in_channel_conversations,
    limit_request_size,
    screening_messages,
    wanted_language,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = TELEGRAM_TEXT_MAX  # Telegram's limit is 4096 characters per message


class TelegramBotApi:
    def __init__(self, api_url: str, token: str) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}/"

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(self.base + method, json=payload) as answer:
                data = await answer.json(content_type=None)
        if not data.get("ok"):
            logger.warning("Telegram %s failed: %s", method, data.get("description"))
        return data


class TelegramReplies(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: TelegramBotApi) -> None:
        super().__init__()
        self.api = api

    async def _send(self, chat_id: str, text: str, **extra: Any) -> None:
        await self.api.call("sendMessage", {"chat_id": chat_id, "text": text[:MAX_TEXT], **extra})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self._send(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = [[{"text": b["title"], "callback_data": b["payload"][:64]}] for b in buttons]
        await self._send(recipient_id, text, reply_markup={"inline_keyboard": keyboard})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        if json_message.get("type") == "deadline":
            await self._send(recipient_id, telegram_html(json_message), parse_mode="HTML")
        elif json_message.get("type") == "details":
            # Collapsed in an expandable blockquote, one tap away. An inline "More" button
            # would need the details kept on the server for its callback query; the quote
            # needs no state. Long details come as several messages, each fitting MAX_TEXT.
            for part in telegram_details(json_message):
                await self._send(recipient_id, part, parse_mode="HTML", disable_web_page_preview=True)
        elif json_message.get("type") == "sources":
            await self._send(
                recipient_id,
                telegram_sources(json_message),
                parse_mode="HTML",
                disable_web_page_preview=True,
            )
        elif json_message.get("type") == "contact":
            text, keyboard = telegram_contact(json_message)
            await self._send(recipient_id, text, parse_mode="HTML", **({"reply_markup": keyboard} if keyboard else {}))


class FirmTelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token, secret = os.environ.get("TELEGRAM_TOKEN"), os.environ.get("TELEGRAM_SECRET_TOKEN")
        if not (token and secret):
            return NotConfigured("telegram")
        api = TelegramBotApi(os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org"), token)
        return cls(api, secret, os.environ.get("TELEGRAM_WEBHOOK_URL"))

    def __init__(self, api: TelegramBotApi, secret: str, webhook_url: str | None) -> None:
        self.api, self.secret, self.webhook_url = api, secret, webhook_url
        self.seen_updates = SeenEvents()
        self._tasks: set = set()

    def get_output_channel(self) -> OutputChannel:
        """Where messages to a chat go from outside a turn (a person of the firm, issue 26)."""
        return TelegramReplies(self.api)

    async def register_webhook(self) -> None:
        if not self.webhook_url:
            logger.warning("TELEGRAM_WEBHOOK_URL is not set: the Telegram webhook was not registered")
            return
        try:
            await self.api.call(
                "setWebhook",
                {
                    "url": self.webhook_url,
                    "secret_token": self.secret,
                    "allowed_updates": ["message", "edited_message", "callback_query"],
                },
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Could not register the Telegram webhook: %s", type(error).__name__)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = self.seen_updates.blueprint_listener(limit_request_size(Blueprint("telegram_webhook", __name__)))
        on_new_message = screening_messages(in_channel_conversations("telegram", on_new_message))

        @blueprint.listener("after_server_start")
        async def register(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            await self.register_webhook()

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                logger.warning("Rejected a Telegram update without the right secret token")
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "too large"}, status=413)
            try:
                update = request.json
            except Exception:
                return response.json({"error": "malformed JSON"}, status=400)
            if not isinstance(update, dict):
                return response.json({"error": "malformed update"}, status=400)
            found = self.message_of(update)
            if found is None:
                return response.json({"status": "ignored"})  # other update types: nothing to answer
            update_id = str(update.get("update_id", ""))
            if update_id and not await self.seen_updates.first_time(f"telegram:{update_id}"):
                return response.json({"status": "duplicate"})
            chat_id, text, callback_id = found
            if callback_id:
                await self.api.call("answerCallbackQuery", {"callback_query_id": callback_id})
            # Telegram's language_code (the app's language) is a hint: the conversation's until it says otherwise.
            hint = wanted_language(self.sender_language(update))
            message = UserMessage(
                text, TelegramReplies(self.api), chat_id, input_channel=self.name(), metadata=hint or None
            )
            # Answer Telegram at once; a slow reply must not make it re-deliver the update.
            task = asyncio.create_task(on_new_message(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.json({"status": "ok"})

        return blueprint

    @staticmethod
    def sender_language(update: dict[str, Any]) -> Any:
        """The language_code of the update's sender, if Telegram gave one."""
        for kind in ("message", "edited_message", "callback_query"):
            sender = (update.get(kind) or {}).get("from") if isinstance(update.get(kind), dict) else None
            if isinstance(sender, dict):
                return sender.get("language_code")
        return None

    @staticmethod
    def message_of(update: dict[str, Any]) -> tuple | None:
        """(chat id, text, callback query id or None) of a text message or a button press."""
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("data"), str):
            chat = ((query.get("message") or {}).get("chat") or {}).get("id")
            return (str(chat), query["data"], query.get("id")) if chat is not None else None
        message = update.get("message") or update.get("edited_message")
        if isinstance(message, dict) and isinstance(message.get("text"), str):
            chat = (message.get("chat") or {}).get("id")
            return (str(chat), message["text"], None) if chat is not None else None
        return None
