"""Delivers the outbox (case summaries to the firm) and due deadline reminders.

The applicant's emails (reminders and the link that confirms their address) are written in the
language the reminders were asked for in, stored with them; their texts are in
bot/language/<code>/channel.yml. What goes to the firm stays English.

SMTP and the optional Slack incoming webhook are configured by environment:
SMTP_HOST (default localhost), SMTP_PORT (25), SMTP_TLS (starttls, ssl or none; the
default is starttls, or none for a relay on this machine), SMTP_CA_FILE (a private CA
to trust besides the system's), SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM (default the
firm's email), NOTIFY_EMAIL (where case summaries go; default the firm's email) and
SLACK_WEBHOOK_URL. Everything that fails stays in the database and is tried again by
the next `send-due` run.

Case summaries carry personal data: mail leaves this machine only over TLS with a
verified certificate, and a password is never sent without TLS.
"""

import datetime as dt
import json
import logging
import os
import smtplib
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from bot.backoffice.intake import CONFIRMATION_DAYS, IntakeStore
from bot.backoffice.models import AddressConfirmation, Notification, Reminder
from bot.language import DEFAULT_LANGUAGE
from bot.language.channel import channel_text
from bot.rules.advice import format_date
from bot.rules.firm import FirmProfile

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
TLS_MODES = ("starttls", "ssl", "none")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class MailConfigError(ValueError):
    pass


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # one of TLS_MODES
    ca_file: str | None
    sender: str
    firm_recipient: str
    slack_webhook_url: str | None

    @classmethod
    def from_env(cls, firm: FirmProfile, environ: Mapping[str, str] = os.environ) -> "MailSettings":
        host = environ.get("SMTP_HOST", "localhost")
        tls = environ.get("SMTP_TLS") or ("none" if host in LOOPBACK_HOSTS else "starttls")
        username = environ.get("SMTP_USERNAME") or None
        if tls not in TLS_MODES:
            raise MailConfigError(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        if tls == "none" and host not in LOOPBACK_HOSTS:
            raise MailConfigError(
                f"SMTP_TLS=none is only for a mail relay on this machine, not {host}: "
                "case summaries must not cross the network unencrypted"
            )
        if tls == "none" and username:
            raise MailConfigError("SMTP_USERNAME is set but SMTP_TLS=none: a password is never sent without TLS")
        return cls(
            host=host,
            port=int(environ.get("SMTP_PORT", "465" if tls == "ssl" else "25")),
            username=username,
            password=environ.get("SMTP_PASSWORD") or None,
            tls=tls,
            ca_file=environ.get("SMTP_CA_FILE") or None,
            sender=environ.get("SMTP_FROM") or firm.email,
            firm_recipient=environ.get("NOTIFY_EMAIL") or firm.email,
            slack_webhook_url=environ.get("SLACK_WEBHOOK_URL") or None,
        )

    @property
    def channels(self) -> list[str]:
        return ["email"] + (["slack"] if self.slack_webhook_url else [])


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """Verifies the server's certificate and name (smtplib's own default verifies nothing)."""
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(settings.ca_file)
    return context


def send_email(settings: MailSettings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(body)
    connection: smtplib.SMTP  # SMTP_SSL is a subclass
    if settings.tls == "ssl":
        connection = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=tls_context(settings)
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with connection as smtp:
        if settings.tls == "starttls":
            smtp.starttls(context=tls_context(settings))  # raises when the server offers no STARTTLS
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def slack_escaped(text: str) -> str:
    """Text as Slack shows it literally: no <!channel> pings, no <url|disguised> links, no <@mentions>
    (Slack's own rule: escape &, < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def post_to_slack(webhook_url: str, text: str) -> None:
    request = urllib.request.Request(
        webhook_url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        if response.status >= 300:
            raise OSError(f"Slack answered HTTP {response.status}")


def _send_each(
    what: str,
    claim: Callable[[set[int]], Any],
    send: Callable[[Any], None],
    sent: Callable[[int], None],
    failed: Callable[[int, Exception], None],
) -> dict[str, int]:
    """Claims rows one at a time and sends each: marked sent, or released for the next run
    (one that failed is not claimed again in this run)."""
    counts = {"sent": 0, "failed": 0}
    tried: set[int] = set()
    while True:
        row = claim(tried)
        if row is None:
            return counts
        try:
            send(row)
        except (OSError, smtplib.SMTPException) as error:
            failed(row.id, error)
            logger.warning("%s %s not sent yet: %s", what, row.id, type(error).__name__)
            tried.add(row.id)
            counts["failed"] += 1
        else:
            sent(row.id)
            counts["sent"] += 1


def deliver_notifications(store: IntakeStore, settings: MailSettings) -> dict[str, int]:
    def send(notification: Notification) -> None:
        if notification.channel == "slack":
            if not settings.slack_webhook_url:
                raise OSError("SLACK_WEBHOOK_URL is not set")
            post_to_slack(
                settings.slack_webhook_url,
                f"*{slack_escaped(notification.subject)}*\n{slack_escaped(notification.body)}",
            )
        else:
            send_email(settings, settings.firm_recipient, notification.subject, notification.body)

    return _send_each(
        "Notification",
        lambda tried: store.claim_pending_notification(skip=tried),
        send,
        store.notification_sent,
        lambda row_id, error: store.notification_failed(row_id, f"{type(error).__name__}: {error}"),
    )


def reminder_subject(deadline: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    return channel_text(language, "email.reminder_subject", date=format_date(deadline, language))


def reminder_text(firm: FirmProfile, deadline: dt.date, today: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """The reminder in the language it was asked for in (bot/language/<code>/channel.yml)."""
    return channel_text(
        language,
        "email.reminder_body",
        firm=firm.name,
        date=format_date(deadline, language),
        days=(deadline - today).days,
        contact_line=firm.contact_line_in(language),
    )


def public_url() -> str:
    """Where applicants reach the Rasa server (the links in emails): BOT_PUBLIC_URL."""
    return os.environ.get("BOT_PUBLIC_URL", "http://localhost:5005").rstrip("/")


def confirmation_subject(firm: FirmProfile, language: str = DEFAULT_LANGUAGE) -> str:
    return channel_text(language, "email.confirmation_subject", firm=firm.name)


def confirmation_text(firm: FirmProfile, token: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The email with the confirmation link, in the language the reminders were asked for in."""
    return channel_text(
        language,
        "email.confirmation_body",
        firm=firm.name,
        days=CONFIRMATION_DAYS,
        link=f"{public_url()}/webhooks/reminders/confirm?token={token}",
        contact_line=firm.contact_line_in(language),
    )


def send_confirmations(store: IntakeStore, settings: MailSettings, firm: FirmProfile) -> dict[str, int]:
    """Sends the confirmation links still to be sent; a failed one is tried again next run."""

    def send(confirmation: AddressConfirmation) -> None:
        send_email(
            settings,
            confirmation.email,
            confirmation_subject(firm, confirmation.language),
            confirmation_text(firm, store.new_confirmation_token(confirmation.id), confirmation.language),
        )

    return _send_each(
        "Confirmation",
        lambda tried: store.claim_confirmation(skip=tried),
        send,
        store.confirmation_sent,
        lambda row_id, _error: store.confirmation_failed(row_id),
    )


def send_due_reminders(store: IntakeStore, settings: MailSettings, firm: FirmProfile, today: dt.date) -> dict[str, int]:
    """Due reminders, to confirmed addresses only (send_confirmations asks for that)."""

    def send(reminder: Reminder) -> None:
        send_email(
            settings,
            reminder.email,
            reminder_subject(reminder.deadline, reminder.language),
            reminder_text(firm, reminder.deadline, today, reminder.language),
        )

    return _send_each(
        "Reminder",
        lambda tried: store.claim_due_reminder(today, skip=tried),
        send,
        store.reminder_sent,
        lambda row_id, _error: store.reminder_failed(row_id),
    )
