"""What the servers log on error paths carries none of the applicant's words (bot/backoffice/log_privacy.py)."""

import io
import json
import logging
import warnings

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice import log_privacy
from bot.backoffice.intake import IntakeStore
from tests.common import fresh_database, lead

NAME, EMAIL, PHONE = "Ravi Kumar", "ravi@example.com", "+1 415 555 0100"
MESSAGE = f"I am {NAME}, mail me at {EMAIL} or call {PHONE}"


@pytest.fixture
def log():
    """Records of every logger as the servers write them, with the redaction installed."""
    log_privacy.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level, root.level = root.level, logging.INFO
    yield stream
    root.removeHandler(handler)
    root.level = previous_level


def assert_private(written):
    assert NAME not in written and EMAIL not in written and "555 0100" not in written, written


def test_rasa_structured_error_logs_carry_neither_the_text_nor_the_frames_values(log):
    """Rasa's REST channel logs the message as `text=` when handling it fails, and its JSON
    renderer writes every frame's local variables; the applicant's message is one of them."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.INFO)
    log_privacy.install()  # as in the server: after Rasa configured its logging
    structlogger = structlog.get_logger("rasa.core.channels.rest")

    def handle(text):
        raise ValueError(f"could not handle {text}")

    try:
        handle(MESSAGE)
    except ValueError:
        structlogger.exception("rest.message.received.failure", text=MESSAGE)
    written = log.getvalue()
    assert "rest.message.received.failure" in written and "ValueError" in written
    assert_private(written)


def test_exceptions_are_logged_by_type_and_place_never_by_message(log):
    try:
        try:
            {}[MESSAGE]
        except KeyError as error:
            raise RuntimeError(f"lookup of {MESSAGE} failed") from error
    except RuntimeError:
        logging.getLogger("actions.base").exception("Action %s failed", "action_x")
    written = log.getvalue()
    assert "Action action_x failed" in written and "RuntimeError" in written and "KeyError" in written
    assert "test_log_privacy.py" in written  # where it happened is kept
    assert_private(written)


def test_library_messages_that_quote_the_user_are_redacted(log):
    logging.getLogger("rasa.core.channels.rest").error(
        "An exception occured while handling user message '%s'.", MESSAGE
    )
    logging.getLogger("rasa").warning(json.dumps({"event": "x", "text": MESSAGE, "slot_values": {"name": NAME}}))
    logging.getLogger("x").info("chat %s said hello", 4242424242)
    written = log.getvalue()
    assert "user message '[redacted]'" in written and '"event": "x"' in written
    assert "4242424242" not in written
    assert_private(written)
    assert log_privacy.redact("on 2026-03-03 at 127.0.0.1:5055") == "on 2026-03-03 at 127.0.0.1:5055"


def test_a_postgresql_failing_row_is_not_logged(log, tmp_path):
    """PostgreSQL quotes the whole failing row in its error, whatever hides the parameters."""
    with fresh_database("postgresql", tmp_path) as engine:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE leads ADD CONSTRAINT refuse_all CHECK (person_name = '')"))
        with pytest.raises(SQLAlchemyError) as failure:
            IntakeStore(engine).save_lead(lead(person_name=NAME, email=EMAIL), "Summary", ["email"])
    assert NAME in str(failure.value)  # the database did quote it
    logging.getLogger("sqlalchemy").error("Storing failed: %s", failure.value)
    written = log.getvalue()
    assert "Failing row contains ([redacted])" in written
    assert_private(written)


def test_a_server_shows_warnings_by_category_and_place_never_by_message(capsys):
    """Rasa warns with the whole message when it cannot read "/..." as an intent."""
    with warnings.catch_warnings():  # puts the standard display back afterwards
        warnings.simplefilter("always")
        log_privacy.withhold_warning_messages()
        warnings.warn(f"Parsing of message '/{MESSAGE}' failed", UserWarning, stacklevel=1)
    shown = capsys.readouterr().err
    assert "UserWarning" in shown and "test_log_privacy.py" in shown
    assert_private(shown)
