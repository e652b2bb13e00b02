"""Notifications and reminders delivered to a real local SMTP server (aiosmtpd)."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.backoffice.intake import MAX_REMINDER_ATTEMPTS, MAX_REMINDER_DEADLINES_PER_ADDRESS, IntakeStore, LimitReached
from bot.backoffice.notify import (
    MailConfigError,
    MailSettings,
    deliver_notifications,
    send_confirmations,
    send_due_reminders,
)
from bot.rules.firm import load_firm
from tests.common import CONSENT, Inbox, confirmed, fresh_database, lead, refusing_port, smtp_server

FIRM = load_firm({})


def body(message) -> str:
    return message.get_payload(decode=True).decode()


@pytest.fixture
def store(tmp_path):
    with fresh_database("sqlite", tmp_path) as engine:
        yield IntakeStore(engine)


@pytest.fixture
def smtp():
    with smtp_server() as controller:
        yield controller, controller.handler


def settings_for(port: int) -> MailSettings:
    return MailSettings.from_env(
        FIRM, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "NOTIFY_EMAIL": "attorney@firm.example"}
    )


def test_case_summary_is_emailed_to_the_firm(store, smtp):
    controller, inbox = smtp
    lead_id = store.save_lead(
        lead(deadline=dt.date(2026, 7, 1), urgency="within_30_days"), "Summary text for the attorney", ["email"]
    )
    assert deliver_notifications(store, settings_for(controller.port)) == {"sent": 1, "failed": 0}
    [message] = inbox.messages
    assert message["To"] == "attorney@firm.example"
    assert message["Subject"] == f"URGENT: new consultation request #{lead_id}"
    assert "Summary text for the attorney" in body(message)
    assert store.pending_notifications() == []
    assert deliver_notifications(store, settings_for(controller.port)) == {"sent": 0, "failed": 0}


def test_a_notification_is_kept_while_the_server_is_down_and_sent_when_it_is_back(store):
    store.save_lead(lead(), "Summary", ["email"])
    with refusing_port() as down:
        assert deliver_notifications(store, settings_for(down)) == {"sent": 0, "failed": 1}
    [pending] = store.pending_notifications()
    assert pending.attempts == 1 and "ConnectionRefusedError" in pending.last_error

    with smtp_server() as controller:
        assert deliver_notifications(store, settings_for(controller.port)) == {"sent": 1, "failed": 0}
        assert len(controller.handler.messages) == 1


def test_slack_without_a_webhook_is_retried_not_lost(store):
    store.save_lead(lead(), "Summary", ["slack"])
    with refusing_port() as nothing:
        assert deliver_notifications(store, settings_for(nothing)) == {"sent": 0, "failed": 1}
    assert len(store.pending_notifications()) == 1


def test_due_reminders_are_sent_exactly_once_across_two_runs(store, smtp):
    controller, inbox = smtp
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "ravi@example.com")
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
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "ravi@example.com")
    with refusing_port() as down:
        assert send_due_reminders(store, settings_for(down), FIRM, dt.date(2026, 6, 15)) == {"sent": 0, "failed": 1}
    with smtp_server() as controller:
        assert send_due_reminders(store, settings_for(controller.port), FIRM, dt.date(2026, 6, 15)) == {
            "sent": 1,
            "failed": 0,
        }
        assert len(controller.handler.messages) == 1


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
    store.save_lead(
        lead(), "Description: <!channel> urgent, see <https://evil.example|your case file> & <@U0FIRM>", ["slack"]
    )
    assert deliver_notifications(store, MailSettings.from_env(FIRM, {"SLACK_WEBHOOK_URL": url}))["sent"] == 1
    text = received[0]["text"]
    assert "<" not in text and ">" not in text
    assert text.endswith(
        "Description: &lt;!channel&gt; urgent, see &lt;https://evil.example|your case file&gt; &amp; &lt;@U0FIRM&gt;"
    )


def self_signed_certificate(directory):
    """A certificate for localhost that no system trusts: (certificate file, key file)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def starttls_smtp(tmp_path):
    import ssl

    cert_file, key_file = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    with smtp_server(tls_context=context, require_starttls=True) as controller:
        yield controller.port, controller.handler, cert_file


def test_mail_goes_over_starttls_only_to_a_verified_server(store, starttls_smtp):
    port, inbox, cert_file = starttls_smtp
    store.save_lead(lead(), "Summary", ["email"])
    env = {"SMTP_HOST": "localhost", "SMTP_PORT": str(port), "SMTP_TLS": "starttls"}
    # Its certificate is not trusted: nothing is sent (before, any certificate was accepted).
    assert deliver_notifications(store, MailSettings.from_env(FIRM, env)) == {"sent": 0, "failed": 1}
    assert inbox.messages == []
    # With the firm's CA configured it is; the summary was kept for this retry.
    trusted = MailSettings.from_env(FIRM, {**env, "SMTP_CA_FILE": str(cert_file)})
    assert deliver_notifications(store, trusted) == {"sent": 1, "failed": 0}
    assert len(inbox.messages) == 1


def test_tls_is_the_default_off_this_machine_and_plain_mail_stays_on_it():
    assert MailSettings.from_env(FIRM, {"SMTP_HOST": "smtp.firm.example"}).tls == "starttls"
    assert MailSettings.from_env(FIRM, {"SMTP_HOST": "smtp.firm.example", "SMTP_TLS": "ssl"}).port == 465
    assert MailSettings.from_env(FIRM, {}).tls == "none"  # localhost: a relay on this machine


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SMTP_HOST": "smtp.firm.example", "SMTP_TLS": "none"}, "only for a mail relay on this machine"),
        ({"SMTP_HOST": "localhost", "SMTP_USERNAME": "bot", "SMTP_PASSWORD": "pw"}, "never sent without TLS"),
        ({"SMTP_TLS": "yes"}, "SMTP_TLS must be one of"),
    ],
)
def test_unsafe_mail_settings_are_refused_with_a_clear_message(env, message):
    with pytest.raises(MailConfigError, match=message):
        MailSettings.from_env(FIRM, env)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_concurrent_deliveries_send_each_summary_once(kind, tmp_path):
    import threading
    import time as clock

    class SlowInbox(Inbox):
        async def handle_DATA(self, server, session, envelope):
            clock.sleep(0.3)  # a slow mail server: every run sees the rows before any is marked sent
            return await super().handle_DATA(server, session, envelope)

    inbox = SlowInbox()
    with smtp_server(inbox) as controller, fresh_database(kind, tmp_path) as engine:
        store = IntakeStore(engine)
        for number in range(3):
            store.save_lead(lead(), f"Summary {number}", ["email"])
        # The per-lead delivery thread of the action server and two send-due runs at once.
        start = threading.Barrier(3)
        results = []

        def deliver():
            start.wait()
            results.append(deliver_notifications(store, settings_for(controller.port)))

        runs = [threading.Thread(target=deliver) for _ in range(3)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=60)
        assert sum(r["sent"] for r in results) == 3
        assert store.pending_notifications() == []
    assert sorted(body(m).strip() for m in inbox.messages) == ["Summary 0", "Summary 1", "Summary 2"]


def test_no_reminder_is_sent_once_the_deadline_has_passed(store, smtp):
    controller, inbox = smtp
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "ravi@example.com")
    # Mail was down for weeks: on the day after the deadline, both reminders are still unsent.
    after = dt.date(2026, 7, 11)
    assert send_due_reminders(store, settings_for(controller.port), FIRM, after) == {"sent": 0, "failed": 0}
    assert inbox.messages == []


def test_a_reminder_that_keeps_failing_is_given_up(store):
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    confirmed(store, "conv-1", "ravi@example.com")
    today = dt.date(2026, 6, 12)  # the 30-day reminder is due
    with refusing_port() as down:  # every attempt fails
        results = [send_due_reminders(store, settings_for(down), FIRM, today) for _ in range(MAX_REMINDER_ATTEMPTS + 1)]
    assert results == [{"sent": 0, "failed": 1}] * MAX_REMINDER_ATTEMPTS + [{"sent": 0, "failed": 0}]


def test_reminders_cannot_be_pointed_at_many_addresses_or_one_address_many_times(store):
    deadline, today = dt.date(2026, 7, 10), dt.date(2026, 6, 1)
    store.add_reminders("conv-1", "a@example.com", deadline, CONSENT, today)
    store.add_reminders("conv-1", "b@example.com", deadline, CONSENT, today)
    with pytest.raises(LimitReached):
        store.add_reminders("conv-1", "c@example.com", deadline, CONSENT, today)
    assert store.add_reminders("conv-1", "a@example.com", deadline, CONSENT, today)  # asking again is fine
    for number in range(2, MAX_REMINDER_DEADLINES_PER_ADDRESS + 2):  # other conversations, other deadlines
        store.add_reminders(
            f"conv-{number}", "victim@example.com", deadline + dt.timedelta(days=number), CONSENT, today
        )
    with pytest.raises(LimitReached):
        store.add_reminders("conv-9", "victim@example.com", deadline + dt.timedelta(days=30), CONSENT, today)
    assert {r.email for r in store.reminders()} == {"a@example.com", "b@example.com", "victim@example.com"}


def test_no_reminder_goes_to_an_address_until_its_owner_opens_the_link(store, smtp):
    """Before, anyone could point reminders at any address: they were sent unconfirmed."""
    import re

    from bot.backoffice.intake import CONFIRMATION_DAYS
    from bot.backoffice.models import AddressConfirmation

    controller, inbox = smtp
    settings, due = settings_for(controller.port), dt.date(2026, 6, 15)
    store.add_reminders("conv-7", "owner@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert store.request_confirmation("conv-7", "owner@example.com")
    assert send_due_reminders(store, settings, FIRM, due) == {"sent": 0, "failed": 0}  # due, but unconfirmed
    assert send_confirmations(store, settings, FIRM) == {"sent": 1, "failed": 0}
    assert send_confirmations(store, settings, FIRM) == {"sent": 0, "failed": 0}  # one link, once
    [message] = inbox.messages
    assert message["To"] == "owner@example.com" and "confirm" in message["Subject"]
    token = re.search(r"/webhooks/reminders/confirm\?token=([0-9a-f]{64})", body(message)).group(1)
    assert not store.confirm_address("0" * 64)
    assert send_due_reminders(store, settings, FIRM, due) == {"sent": 0, "failed": 0}
    assert store.confirm_address(token) and store.confirm_address(token)  # opening it twice is fine
    assert not store.request_confirmation("conv-7", "owner@example.com")  # confirmed: no second link
    assert send_due_reminders(store, settings, FIRM, due) == {"sent": 1, "failed": 0}
    # A confirmation counts for its conversation only, and a link expires unused.
    store.add_reminders("conv-8", "owner@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert send_due_reminders(store, settings, FIRM, due) == {"sent": 0, "failed": 0}
    assert store.request_confirmation("conv-8", "owner@example.com")
    with store.session.begin() as session:
        row = session.execute(
            select(AddressConfirmation).where(AddressConfirmation.conversation_id == "conv-8")
        ).scalar()
        row.created_at = row.created_at - dt.timedelta(days=CONFIRMATION_DAYS + 1)
        stale_id = row.id
    stale = store.new_confirmation_token(stale_id)
    assert not store.confirm_address(stale)
    assert send_confirmations(store, settings, FIRM) == {"sent": 0, "failed": 0}  # an expired link is not sent


def test_the_database_never_holds_a_confirmation_links_secret(store, smtp):
    """Issue 23, finding 10: the links' tokens were stored in plain text."""
    import re

    from sqlalchemy import text

    controller, inbox = smtp
    settings = settings_for(controller.port)
    store.add_reminders("conv-1", "owner@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert store.request_confirmation("conv-1", "owner@example.com")
    assert send_confirmations(store, settings, FIRM) == {"sent": 1, "failed": 0}
    token = re.search(r"confirm\?token=([0-9a-f]{64})", body(inbox.messages[-1])).group(1)
    with store.engine.connect() as connection:
        rows = [tuple(map(str, row)) for row in connection.execute(text("select * from address_confirmations"))]
    assert rows and not [row for row in rows if any(token in value for value in row)]
    assert store.confirm_address(token)  # the link works all the same


# --- the applicant's emails in the conversation's language (issue 25) ------------------------------


def subject(message) -> str:
    """The subject as written (a long one arrives folded over two lines, words with accents encoded)."""
    from email.header import decode_header, make_header

    unfolded = str(message["Subject"]).replace("\r\n", "").replace("\n", "")
    return str(make_header(decode_header(unfolded)))


def test_the_english_emails_read_as_they_always_have(store, smtp):
    """The texts moved into bot/language/en/channel.yml, word for word."""
    import re

    from bot.backoffice.intake import CONFIRMATION_DAYS
    from bot.backoffice.notify import public_url

    controller, inbox = smtp
    settings = settings_for(controller.port)
    store.add_reminders("conv-1", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert store.request_confirmation("conv-1", "ravi@example.com")
    assert send_confirmations(store, settings, FIRM) == {"sent": 1, "failed": 0}
    [link] = inbox.messages
    token = re.search(r"confirm\?token=([0-9a-f]{64})", body(link)).group(1)
    assert subject(link) == f"Please confirm your deadline reminders from {FIRM.name}"
    assert body(link).replace("\r\n", "\n") == (
        f"Hello,\n\nsomeone (we hope you) asked {FIRM.name}'s assistant to email this address reminders "
        f"of a 221(g) deadline. Nothing will be sent unless you confirm, within {CONFIRMATION_DAYS} days:\n\n"
        f"{public_url()}/webhooks/reminders/confirm?token={token}\n\n"
        f"If you did not ask for this, ignore this email and you will hear nothing more.\n\n{FIRM.contact_line}\n"
    )
    assert store.confirm_address(token)
    assert send_due_reminders(store, settings, FIRM, dt.date(2026, 6, 15)) == {"sent": 1, "failed": 0}
    reminder = inbox.messages[-1]
    assert subject(reminder) == "Your 221(g) deadline: 10 July 2026"
    assert body(reminder).replace("\r\n", "\n") == (
        f"Hello,\n\nthis is the reminder you asked {FIRM.name} for. The date we computed for answering "
        "your 221(g) letter is 10 July 2026, 25 days from today. "
        "Please check it against your letter and act well before it.\n\n"
        f"This is general information, not legal advice. {FIRM.contact_line}\n"
    )


def test_a_spanish_conversations_link_and_reminders_are_in_spanish(store, smtp):
    import re

    controller, inbox = smtp
    settings = settings_for(controller.port)
    store.add_reminders(
        "conv-es", "lucia@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1), language="es"
    )
    assert store.request_confirmation("conv-es", "lucia@example.com", "es")
    # An English conversation at the same time keeps English.
    store.add_reminders("conv-en", "ravi@example.com", dt.date(2026, 7, 10), CONSENT, dt.date(2026, 6, 1))
    assert store.request_confirmation("conv-en", "ravi@example.com", "en")
    assert send_confirmations(store, settings, FIRM) == {"sent": 2, "failed": 0}
    link = next(m for m in inbox.messages if m["To"] == "lucia@example.com")
    assert subject(link) == f"{FIRM.name}: confirme sus recordatorios de fecha límite, por favor"
    text = body(link).replace("\r\n", "\n")
    assert text.startswith("Hola:\n\nAlguien (esperamos que usted) le pidió al asistente de ")
    assert "dentro de 7 días:" in text and "Si usted no lo pidió, ignore este correo" in text
    assert text.endswith(FIRM.contact_line_in("es") + "\n") and "Reserve una cita" in text
    english = next(m for m in inbox.messages if m["To"] == "ravi@example.com")
    assert subject(english).startswith("Please confirm") and body(english).startswith("Hello,")
    for message in inbox.messages:
        assert store.confirm_address(re.search(r"confirm\?token=([0-9a-f]{64})", body(message)).group(1))

    assert send_due_reminders(store, settings, FIRM, dt.date(2026, 6, 15)) == {"sent": 2, "failed": 0}
    reminder = next(m for m in inbox.messages[2:] if m["To"] == "lucia@example.com")
    assert subject(reminder) == "Su fecha límite de la sección 221(g): 10 de julio de 2026"
    text = body(reminder).replace("\r\n", "\n")
    assert (
        "La fecha que calculamos para responder a su carta 221(g) es el 10 de julio de 2026, dentro de 25 días." in text
    )
    assert "Esto es información general, no asesoría legal." in text
    # No English word of the email is left: not the greeting, the month nor the contact line's labels.
    for english_word in ("Hello", "July", "reminder", "Book a consultation", "Phone:", "days from today"):
        assert english_word not in text and english_word not in subject(reminder)
    assert subject(next(m for m in inbox.messages[2:] if m["To"] == "ravi@example.com")) == (
        "Your 221(g) deadline: 10 July 2026"
    )
