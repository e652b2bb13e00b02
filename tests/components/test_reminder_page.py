"""The page behind a reminder confirmation link (components/channels/reminders.py), served by
Sanic on a free port over a real SQLite database: in the language of the link's email."""

import asyncio
import datetime as dt
import html
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from sanic import Sanic
from sqlalchemy.exc import OperationalError

from bot.backoffice.intake import CONFIRMATION_DAYS, IntakeStore
from bot.backoffice.models import AddressConfirmation
from bot.language.channel import channel_text
from bot.rules.firm import load_firm
from components.channels import reminders
from tests.common import CONSENT, fresh_database, unused_port

FIRM = load_firm()


@pytest.fixture
def store(tmp_path):
    with fresh_database("sqlite", tmp_path) as engine:
        yield IntakeStore(engine)


@pytest.fixture(scope="module")
def server():
    """The blueprint in a Sanic app of its own, served from a thread for the whole module (Sanic
    rewrites its request handling once per process: one app, one server); yields (address, the
    stores it reads: the test's goes first)."""
    stores = []
    original = reminders._store
    reminders._store = lambda: stores[-1]
    app = Sanic(f"reminder_page_{uuid.uuid4().hex[:8]}")
    app.blueprint(reminders.ReminderConfirmation().blueprint(None), url_prefix="/webhooks/reminders")
    loop = asyncio.new_event_loop()
    port = unused_port()

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started = asyncio.run_coroutine_threadsafe(
        app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False), loop
    )
    running = started.result(timeout=30)
    asyncio.run_coroutine_threadsafe(running.startup(), loop).result(timeout=30)
    try:
        yield f"http://127.0.0.1:{port}/webhooks/reminders/confirm", stores
    finally:

        async def close():
            await running.close()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        reminders._store = original


@pytest.fixture
def page_at(server, store):
    """The confirmation page's address, served from `store`."""
    address, stores = server
    stores.append(store)
    yield address
    stores.remove(store)


async def fetch(url, form=None):
    """(status, the page's <html lang>, its text without tags)."""

    def get():
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    status, page = await asyncio.to_thread(get)
    language = re.search(r'<html lang="(\w+)"', page).group(1)
    return status, language, html.unescape(re.sub(r"<[^>]+>", " ", page))


def link_for(store, conversation_id, email, language):
    store.add_reminders(conversation_id, email, dt.date(2027, 3, 1), CONSENT, dt.date(2026, 6, 15), language=language)
    assert store.request_confirmation(conversation_id, email, language)
    return store.new_confirmation_token(store.claim_confirmation().id)


async def test_a_spanish_conversations_link_opens_a_spanish_page_and_confirms_in_spanish(store, page_at):
    token = link_for(store, "rest-es", "lucia@example.com", "es")
    status, language, text = await fetch(f"{page_at}?token={token}")
    assert (status, language) == (200, "es")
    assert "Confirme sus recordatorios" in text and "Sí, envíenme los recordatorios" in text
    assert f"Usted le pidió al asistente de {FIRM.name}" in text
    assert "Confirm your reminders" not in text and "Yes, send me" not in text
    assert store.confirmation_link(token).confirmed is False  # opening it confirms nothing
    status, language, text = await fetch(page_at, {"token": token})
    assert (status, language) == (200, "es")
    assert "Recordatorios confirmados" in text and "Va a recibir los recordatorios que pidió." in text
    assert FIRM.contact_line_in("es") in text and "Reminders confirmed" not in text
    assert store.confirmation_link(token).confirmed


async def test_an_english_conversations_page_reads_as_it_always_has(store, page_at):
    token = link_for(store, "rest-en", "ravi@example.com", "en")
    status, language, text = await fetch(f"{page_at}?token={token}")
    assert (status, language) == (200, "en")
    assert "Confirm your reminders" in text and "Yes, send me the reminders" in text
    assert "If you did not ask for this, close this page: nothing will be sent." in text
    assert "Confirme" not in text
    status, _, text = await fetch(page_at, {"token": token})
    assert status == 200 and "Reminders confirmed" in text and "You will get the reminders you asked for." in text


async def test_an_expired_link_says_so_in_its_own_language(store, page_at):
    token = link_for(store, "rest-es", "lucia@example.com", "es")
    with store.session.begin() as session:
        row = session.get(AddressConfirmation, 1)
        row.created_at = row.created_at - dt.timedelta(days=CONFIRMATION_DAYS + 1)
    for status, language, text in (
        await fetch(f"{page_at}?token={token}"),
        await fetch(page_at, {"token": token}),
    ):
        assert (status, language) == (404, "es")
        assert "Enlace vencido" in text and "Link expired" not in text
    assert not store.confirmation_link(token).confirmed


async def test_a_link_of_no_known_language_is_answered_in_every_language(store, page_at):
    """An incomplete or unknown link has no stored language: the page says it in English and in
    Spanish, since whoever opens it may have asked in either."""
    for status, language, text in (
        await fetch(f"{page_at}?token=abc"),
        await fetch(page_at, {"token": "abc"}),
    ):
        assert (status, language) == (400, "en")
        assert channel_text("en", "confirmation_page.invalid_body") in text
        assert channel_text("es", "confirmation_page.invalid_body") in text
    status, _, text = await fetch(f"{page_at}?token={'0' * 64}")
    assert status == 404 and "Link expired" in text and "Enlace vencido" in text


async def test_a_database_that_does_not_answer_gets_a_try_again_page_in_every_language(store, page_at, monkeypatch):
    def down(*_args):
        raise OperationalError("select", {}, ConnectionRefusedError())

    monkeypatch.setattr(store, "confirmation_link", down)
    monkeypatch.setattr(store, "confirm_address", down)
    for status, _, text in (await fetch(f"{page_at}?token={'a' * 64}"), await fetch(page_at, {"token": "a" * 64})):
        assert status == 503
        assert "Please try again later" in text and "Inténtelo de nuevo más tarde" in text
