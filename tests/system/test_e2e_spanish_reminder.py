"""A Spanish conversation's reminder end to end (issue 25): asked for over REST with the real
NLU and action server, its confirmation email, the page behind the link and the reminder that
send-due writes are all Spanish; the firm's records keep the conversation's language."""

import re
import urllib.parse
import urllib.request

import pytest

from tests.backoffice.test_cli import cli
from tests.common import wait_until
from tests.system.e2e import say, stored, texts

pytestmark = pytest.mark.slow


def test_a_spanish_reminder_is_confirmed_and_sent_in_spanish(servers, workdir, inbox):
    port, mailbox = inbox
    sender = "es-reminder"
    said = " ".join(texts(say(sender, "me dieron la carta 221g el 3 de marzo de 2026, hasta cuándo tengo?")))
    assert "3 de marzo de 2027" in said, said
    consent = texts(say(sender, "me puede mandar un recordatorio antes de la fecha límite?"))
    assert any("¿Está de acuerdo?" in t for t in consent), consent
    assert any("correo" in t for t in texts(say(sender, "sí")))
    replies = texts(say(sender, "lucia.gomez@example.net"))
    assert any("envié un enlace a lucia.gomez@example.net" in t for t in replies), replies
    [message] = wait_until(
        lambda: [m for m in mailbox.messages if m["To"] == "lucia.gomez@example.net"],
        timeout=30,
        what="the confirmation email",
    )
    body = message.get_payload(decode=True).decode()
    assert body.startswith("Hola:") and "Si usted no lo pidió" in body and "Hello" not in body, body
    link = re.search(r"http://\S+/webhooks/reminders/confirm\?token=[0-9a-f]{64}", body).group(0)
    with urllib.request.urlopen(link, timeout=30) as page:
        shown = page.read().decode()
    assert '<html lang="es">' in shown and "Sí, envíenme los recordatorios" in shown, shown
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
    pressed = urllib.request.Request(
        link.split("?")[0], data=urllib.parse.urlencode({"token": token}).encode(), method="POST"
    )
    with urllib.request.urlopen(pressed, timeout=30) as page:
        assert "Recordatorios confirmados" in page.read().decode()
    conversation = f"rest-{sender}"
    assert stored(workdir, f"select distinct language from reminders where conversation_id = '{conversation}'") == [
        ("es",)
    ]
    # 30 days before the deadline (3 March 2027), send-due writes the reminder in Spanish.
    sent = cli(
        f"sqlite:///{workdir / 'intake.db'}",
        "send-due",
        BOT_TODAY="2027-02-01",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        TRACKER_DATABASE_URL=f"sqlite:///{workdir / 'conversations.db'}",
    )
    assert sent.returncode in (0, 3), sent.stderr
    reminders = wait_until(
        lambda: [m for m in mailbox.messages if m["To"] == "lucia.gomez@example.net" and m is not message],
        timeout=30,
        what="the reminder",
    )
    text = reminders[-1].get_payload(decode=True).decode()
    assert "es el 3 de marzo de 2027, dentro de 30 días" in text and "March" not in text, text
