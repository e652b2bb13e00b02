"""`make parse`: what the trained model understood, one JSON line per message on standard input.

Reads messages from standard input, one per line (blank lines are skipped), and prints
for each, as soon as it is parsed, one JSON object on one line:

    {"text": ..., "language": "en" | "es",
     "intent": {"name": ..., "confidence": 0.987},
     "entities": [{"entity": ..., "value": ..., "role": ... or null}]}

The lines are read as one conversation, as the assistant would: it starts in English
("en"); the model's language detector (components/language.py) tells a message's language
only when it is sure (a short "ok" or "221g" tells none), and then that message and the
following ones take it; a message that tells none keeps the previous line's language. The
detector's `language` entity is shown as "language", not among the entities; the other
entities are as the model gives them (the value extracted and normalised, e.g. a date as
YYYY-MM-DD, an estimate such as "about 3 weeks ago" as ~YYYY-MM-DD with the role
"estimate"; relative dates count from today, or from BOT_TODAY when it is set). A line
starting with "/" is read as the channels read it: as text, unless it is a button's payload.

    echo "my ceac says refused" | make -s parse
    python -m scripts.parse --model models/other.tar.gz < messages.txt

Only the JSON lines go to standard output; warnings and errors go to standard error.
"""

import argparse
import asyncio
import io
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = Path("models") / "current.tar.gz"
FIRST_LANGUAGE = "en"
LANGUAGE_ENTITY = "language"  # components/language.py's entity (not imported: that imports Rasa)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make parse",
        description=(
            "Read messages on standard input, one per line (blank lines skipped), and print what the "
            'trained model understood, one JSON line each: {"text", "language", "intent": {"name", '
            '"confidence"}, "entities": [{"entity", "value", "role"}]}.'
        ),
        epilog=(
            'The lines are one conversation: it starts in English ("en"); a message whose language '
            'the model is sure of sets it, and a message that tells none (a short "ok" or "221g") '
            "keeps the previous line's language. The model's `language` entity is shown as "
            '"language", not among the entities. Options through make: make parse ARGS="--model PATH".'
        ),
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"the trained model (default: {DEFAULT_MODEL}, made by `make train`)",
    )
    return parser.parse_args(argv)


def quiet_libraries() -> None:
    """Rasa, TensorFlow and their dependencies log to standard error, warnings and worse only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # Rasa's domain check of every load: our slots are filled by explicit mappings already.
    warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
    # The pinned libraries' deprecations, shown on every start. Not a filter: importing sanic
    # puts a "once" filter for them in front of any filter set here.
    show = warnings.showwarning

    def show_unless_deprecation(message: Warning | str, category: type[Warning], *rest: Any, **more: Any) -> None:
        if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
            show(message, category, *rest, **more)

    warnings.showwarning = show_unless_deprecation
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    import structlog

    # Rasa's structlog events (`processor.message.parse` and the like) print to standard
    # output at every level unless structlog is configured, as the `rasa` command does.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


def understood(parse: dict[str, Any], text: str, language: str) -> tuple[dict[str, Any], str]:
    """The output line for Rasa's parse of `text`, and the conversation's language after it."""
    entities = []
    for entity in parse.get("entities") or []:
        if entity.get("entity") == LANGUAGE_ENTITY:
            language = str(entity.get("value") or language)
        else:
            entities.append({"entity": entity.get("entity"), "value": entity.get("value"), "role": entity.get("role")})
    intent = parse.get("intent") or {}
    line = {
        "text": text,
        "language": language,
        "intent": {"name": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0.0), 3)},
        "entities": entities,
    }
    return line, language


class UnreadableModel(Exception):
    pass


async def parse_lines(model: Path, lines: TextIO, out: TextIO) -> None:
    from rasa.core.agent import Agent

    from components.channels.common import as_typed

    try:
        agent = Agent.load(str(model))
    except Exception as error:  # Rasa raises many kinds for a file that is not a model
        raise UnreadableModel(f"{type(error).__name__}: {error}") from error
    language = FIRST_LANGUAGE
    for raw in iter(lines.readline, ""):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        parsed = await agent.parse_message(as_typed(text) or text)
        line, language = understood(parsed, text, language)
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    model = args.model if args.model is not None else ROOT / DEFAULT_MODEL
    shown = args.model if args.model is not None else DEFAULT_MODEL
    if not model.is_file():
        print(f"error: no trained model at {shown}: run make train", file=sys.stderr)
        return 2
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8")
    out = sys.stdout
    quiet_libraries()
    # Anything else that prints (a library's print, a stray log handler) goes to standard
    # error: standard output carries the JSON lines only.
    sys.stdout = sys.stderr
    try:
        asyncio.run(parse_lines(model, sys.stdin, out))
    except UnreadableModel as error:
        print(f"error: could not load the model at {shown}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`make parse | head -1`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
    finally:
        sys.stdout = out
    return 0


if __name__ == "__main__":
    sys.exit(main())
