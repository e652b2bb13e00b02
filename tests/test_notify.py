"""Notifications and reminders delivered to a real local SMTP server (aiosmtpd)."""
import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from bot.firm import load_firm
from bot.intake import IntakeStore
from bot.notify import MailSettings, deliver_notifications, send_due_reminders
from tests.databases import fresh_database
from tests.test_intake_store import CONSENT, lead

FIRM = load_firm({})


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def store(tmp_path):
    with fresh_database("sqlite", tmp_path) as engine:
        yield IntakeStore(engine)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def settings_for(port: int) -> MailSettings:
    return MailSettings.from_env(FIRM, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                                        "NOTIFY_EMAIL": "attorney@firm.example"})


def test_case_summary_is_emailed_to_the_firm(store, smtp):
    controller, inbox = smtp
    lead_id = store.save_lead(lead(deadline=dt.date(2026, 7, 1), urgency="within_30_days"), "Summary text for the attorney", ["email"])
    assert deliver_notifications(store, settings_for(controller.port)) == {"sent": 1, "failed": 0}
    [message] = inbox.messages
    assert message["To"] == "attorney@firm.example"
    assert message["Subject"] == f"URGENT: new consultation request #{lead_id}"
    assert "Summary text for the attorney" in body(message)
    assert store.pending_notifications() == []
    assert deliver_notifications(store, settings_for(controller.port)) == {"sent": 0, "failed": 0}


def test_a_notification_is_kept_while_the_server_is_down_and_sent_when_it_is_back(store):
    port = free_port()
    store.save_lead(lead(), "Summary", ["email"])
    assert deliver_notifications(store, settings_for(port)) == {"sent": 0, "failed": 1}
    [pending] = store.pending_notifications()
    assert pending.attempts == 1 and "ConnectionRefusedError" in pending.last_error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert deliver_notifications(store, settings_for(port)) == {"sent": 1, "failed": 0}
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_slack_without_a_webhook_is_retried_not_lost(store):
    store.save_lead(lead(), "Summary", ["slack"])
    assert deliver_notifications(store, settings_for(free_port())) == {"sent": 0, "failed": 1}
    assert len(store.pending_notifications()) == 1


def test_due_reminders_are_sent_exactly_once_across_two_runs(store, smtp):
    controller, inbox = smtp
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    settings = settings_for(controller.port)
    assert send_due_reminders(store, settings, FIRM, dt.date(2026, 6, 15)) == {"sent": 1, "failed": 0}
    assert send_due_reminders(store, settings, FIRM, dt.date(2026, 6, 15)) == {"sent": 0, "failed": 0}
    [message] = inbox.messages
    assert message["To"] == "ravi@example.com"
    assert message["Subject"] == "Your 221(g) deadline: 10 July 2026"
    assert "25 days from today" in body(message)
    # A week later the 7-day reminder is due, and only it is sent.
    assert send_due_reminders(store, settings, FIRM, dt.date(2026, 7, 3)) == {"sent": 1, "failed": 0}
    assert len(inbox.messages) == 2


def test_a_reminder_that_fails_is_sent_by_a_later_run(store):
    port = free_port()
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert send_due_reminders(store, settings_for(port), FIRM, dt.date(2026, 6, 15)) == {"sent": 0, "failed": 1}
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert send_due_reminders(store, settings_for(port), FIRM, dt.date(2026, 6, 15)) == {"sent": 1, "failed": 0}
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


@pytest.fixture
def slack_webhook():
    """A real HTTP server standing in for Slack's incoming webhook: yields (url, received bodies)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_case_summary_is_posted_to_a_slack_webhook(store, slack_webhook):
    url, received = slack_webhook
    lead_id = store.save_lead(lead(deadline=dt.date(2026, 6, 1), urgency="passed"), "Summary for Slack", ["slack"])
    settings = MailSettings.from_env(FIRM, {"SLACK_WEBHOOK_URL": url})
    assert settings.channels == ["email", "slack"]
    assert deliver_notifications(store, settings) == {"sent": 1, "failed": 0}
    assert received == [{"text": f"*URGENT: new consultation request #{lead_id}*\nSummary for Slack"}]


def test_applicant_text_cannot_ping_the_firm_channel_or_disguise_a_link(store, slack_webhook):
    url, received = slack_webhook
    store.save_lead(lead(), "Description: <!channel> urgent, see <https://evil.example|your case file> & <@U0FIRM>",
                    ["slack"])
    assert deliver_notifications(store, MailSettings.from_env(FIRM, {"SLACK_WEBHOOK_URL": url}))["sent"] == 1
    text = received[0]["text"]
    assert "<" not in text and ">" not in text
    assert text.endswith("Description: &lt;!channel&gt; urgent, see &lt;https://evil.example|your case file&gt; "
                         "&amp; &lt;@U0FIRM&gt;")
