"""Keeps applicants' words out of the logs, whoever writes them (Rasa, Sanic, SQLAlchemy, us).

Our own code logs ids, counts and error types only; the libraries are less careful: Rasa's
REST channel logs the message text when handling it fails, PostgreSQL's errors quote the
failing row ("Failing row contains (...)") and exception messages may carry any value.
`install()` therefore sets a log record factory (so it covers every logger and handler,
whenever they are configured) that:
- logs an exception as its type and traceback frames, never its message;
- replaces the values of the fields Rasa's structured logs use for user text, quoted
  user messages, failing rows, email addresses and long digit runs (phone numbers,
  chat ids) with "[redacted]".
Rasa's structured logs (structlog) also render exceptions with each frame's local
variables, the applicant's message among them; `install()` makes them log exceptions
the same way: type and frames, no values.
Warnings bypass logging, and Rasa warns with the applicant's whole message when it cannot
read "/..." as an intent: a server shows a warning's category and place only
(`withhold_warning_messages()`; training keeps the messages, which are about its data).
"""

import logging
import re
import sys
import traceback
import warnings
from typing import Any, TextIO

REDACTED = "[redacted]"
# The fields of Rasa's structured (structlog) events that hold what the applicant wrote
# or what was said back (rasa/utils/log_utils.py lists them for its own anonymizer).
TEXT_FIELDS = (
    "text",
    "response_text",
    "user_text",
    "user_message",
    "message",
    "slot_values",
    "parse_data_text",
    "parse_data_entities",
    "tracker_latest_message",
    "json_message",
    "response",
    "rasa_event",
    "rasa_events",
    "entity",
    "token_text",
    "exc_value",
)
_FIELDS = "|".join(TEXT_FIELDS)
RULES = [
    # JSON rendering: "text": "..." or "text": {...} / [...] (one level of nesting)
    (re.compile(rf'"({_FIELDS})": ("(?:[^"\\]|\\.)*"|\{{[^{{}}]*\}}|\[[^\[\]]*\])'), rf'"\1": "{REDACTED}"'),
    # console rendering: text='...' or text="..."
    (re.compile(rf"\b({_FIELDS})=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)"), rf"\1={REDACTED}"),
    (re.compile(r"(user message\s*)'.*?'(?=\.?\s*$|\.\s)", re.S), rf"\1'{REDACTED}'"),
    (re.compile(r"(Failing row contains\s*)\(.*\)", re.S), rf"\1({REDACTED})"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), REDACTED),
    (re.compile(r"(?<![\w.])\+?(?:\d[ ().-]?){8,}\d"), REDACTED),  # 9 or more digits
]


def redact(text: str) -> str:
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


def exception_without_message(exc_info: Any) -> str:
    """Where it happened and what type it was, for the exception and its causes; no messages."""
    kind, value, tb = exc_info
    parts: list[str] = []
    while value is not None:
        frames = "".join(traceback.format_tb(value.__traceback__ if parts else tb))
        parts.append(
            f"Traceback (most recent call last):\n{frames}{type(value).__module__}.{type(value).__qualname__}"
            " (message not logged: it may hold personal data)"
        )
        value = value.__cause__ or value.__context__
        if len(parts) > 5:
            break
    return "\n\nThe above was raised while handling:\n\n".join(reversed(parts)) if parts else kind.__name__


_original_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _original_factory(*args, **kwargs)
    try:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template only
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = exception_without_message(record.exc_info)
    except Exception:  # e.g. while the interpreter shuts down: withhold rather than leak
        record.msg, record.args, record.exc_info, record.exc_text = "[log message withheld]", None, None, None
    return record


def _redact_structured_event(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for field in TEXT_FIELDS:
        if field in event:
            event[field] = REDACTED
    return event


def _exception_without_values(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    exc_info = event.pop("exc_info", None)
    if exc_info:
        if not isinstance(exc_info, tuple):
            exc_info = sys.exc_info() if exc_info is True else (type(exc_info), exc_info, exc_info.__traceback__)
        if exc_info[1] is not None:
            event["exception"] = exception_without_message(exc_info)
    return event


def _is_exception_renderer(processor: Any) -> bool:
    import structlog

    return (
        isinstance(processor, structlog.processors.ExceptionRenderer)
        or processor is structlog.processors.format_exc_info
    )


def _warning_without_message(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    try:
        (file or sys.stderr).write(
            f"{filename}:{lineno}: {category.__name__} (message not shown: it may hold personal data)\n"
        )
    except (OSError, ValueError):  # no stream to write to, as the standard library's own
        pass


def withhold_warning_messages() -> None:
    """From now on, warnings show their category and where they were raised, not their text."""
    warnings.showwarning = _warning_without_message


def install(server: bool = True) -> None:
    """Idempotent; call once in each server process before it handles anything (Rasa has
    configured its logging by then). `server=False` keeps warnings' messages (training)."""
    if server:
        withhold_warning_messages()
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
    try:
        import structlog  # Rasa's structured logging; the staff CLI may run without it
    except ImportError:
        return

    # Changed in place: loggers already bound share this very list.
    processors = structlog.get_config()["processors"]
    if _redact_structured_event not in processors:
        processors[:] = [_redact_structured_event] + [
            _exception_without_values if _is_exception_renderer(p) else p for p in processors
        ]
        if _exception_without_values not in processors:
            processors.insert(-1, _exception_without_values)  # before the renderer, the last one
