"""What several test modules share: waiting for conditions, ports, throwaway services
(PostgreSQL, Redis, SMTP, stand-ins for Slack's and Telegram's APIs), fresh databases, the
intake answers most storage tests start from, and tracker fixtures for action tests.

Tests never touch the machine's own services beyond creating and dropping databases of
their own: a test that takes a service down starts a throwaway one here and kills that.
"""

import copy
import datetime as dt
import errno
import functools
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, select

from bot.backoffice.db import make_engine, migrate
from bot.backoffice.intake import LeadInput
from bot.language.detect import detect
from bot.rules import clock

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
# The machine's PostgreSQL, where storage tests create (and drop) databases of their own.
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")


# --- waiting -------------------------------------------------------------------------------


# Debian's Chromium as the browser tests drive it (Playwright downloads no browser here).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium under Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def add_staff_account(env: dict[str, str], email: str, role: str, password: str) -> None:
    """A dashboard account, made with the staff command line as an administrator would."""
    subprocess.run(
        [sys.executable, "-m", "bot.backoffice.cli", "users", "add", email, "--role", role],
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def wait_until(condition: Callable[[], T], timeout: float = 30, what: str = "the condition") -> T:
    """Polls until `condition()` returns something true and returns it; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


async def wait_until_async(condition: Callable[[], T], timeout: float = 30, what: str = "the condition") -> T:
    """`wait_until` for a test's own event loop: the loop goes on running while it waits."""
    import asyncio

    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.05)


# --- ports ---------------------------------------------------------------------------------


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 held bound but never listening: every connection to it is refused
    while the test runs, and no other program can take it meanwhile."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def unused_port() -> int:
    """A port the system just handed out. Someone may take it before it is used: callers
    start their server on it through `on_a_free_port`, which tries another one then."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def on_a_free_port(start: Callable[[int], T], attempts: int = 5) -> tuple[int, T]:
    """Runs `start(port)` on a fresh port; when the port was taken meanwhile (`start` raises
    OSError EADDRINUSE) it tries another one."""
    for attempt in range(attempts):
        port = unused_port()
        try:
            return port, start(port)
        except OSError as error:
            if error.errno != errno.EADDRINUSE or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


# --- SMTP ----------------------------------------------------------------------------------


class Inbox(Message):
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@contextmanager
def smtp_server(handler=None, **options) -> Iterator[Controller]:
    """A real SMTP server (aiosmtpd) on a free port; `controller.handler.messages` holds what arrived."""

    def start(port: int) -> Controller:
        controller = Controller(handler or Inbox(), hostname="127.0.0.1", port=port, **options)
        controller.start()
        return controller

    _, controller = on_a_free_port(start)
    try:
        yield controller
    finally:
        controller.stop()


# --- stand-ins for Slack's and Telegram's APIs ---------------------------------------------


@contextmanager
def recording_api(answer: dict) -> Iterator[tuple]:
    """A local HTTP API that answers like the real one and records every call, so tests see
    exactly what the bot posted. Yields (base URL, calls); each call is (path, decoded body)."""
    calls: list[tuple] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw or "{}")
            else:
                body = {key: values[0] for key, values in parse_qs(raw).items()}
            calls.append((self.path, body))
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", calls
    finally:
        server.shutdown()


# --- throwaway PostgreSQL and Redis --------------------------------------------------------


def postgres_bin(program: str) -> str:
    """A PostgreSQL server program (initdb, pg_ctl): PG_BIN, else the newest Debian install."""
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / program)
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{program}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not installed:
        raise RuntimeError(f"PostgreSQL's {program} not found: install Debian's postgresql package or set PG_BIN")
    return str(installed[-1])


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL server of the test's own, in a temporary folder, on its own port."""

    folder: Path
    port: int = 0
    host: str = "127.0.0.1"
    user: str = "postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}"

    def _run(self, *args: str) -> None:
        # PostgreSQL refuses to run as root: the machine's postgres account runs it then.
        owner = "postgres" if os.geteuid() == 0 else None
        subprocess.run(args, check=True, capture_output=True, text=True, user=owner)

    def create(self) -> None:
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.folder / "data"),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        """Starts the server and returns once it accepts connections (pg_ctl -w waits for that)."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off"
        try:
            self._run(
                postgres_bin("pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-o",
                options,
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        except subprocess.CalledProcessError as error:
            log = (self.folder / "server.log").read_text() if (self.folder / "server.log").exists() else ""
            if "Address already in use" in log:
                raise OSError(errno.EADDRINUSE, "address in use") from error
            raise RuntimeError(f"PostgreSQL did not start: {error.stdout}{error.stderr}{log[-2000:]}") from error

    def stop(self) -> None:
        """Stops the server the hard way, as a crash or an outage would."""
        self._run(postgres_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def create_database(self) -> str:
        """A new empty database on this server; returns its URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(f"{self.url}/postgres", future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return f"{self.url}/{name}"


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    server = ThrowawayPostgres(folder)
    try:
        server.create()

        def start(port: int) -> None:
            server.port = port
            server.start()

        on_a_free_port(start)
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # not running (a test left it stopped)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class ThrowawayRedis:
    """A Redis server of the test's own: no persistence, its files in a temporary folder."""

    folder: Path
    port: int = 0
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = None

    def start(self) -> None:
        """Starts the server and returns once it answers PING."""
        log = self.folder / f"redis-{self.port}.log"
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                self.host,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answering() -> bool:
            if self.process.poll() is not None:
                text = log.read_text() if log.exists() else ""
                if "Address already in use" in text:
                    raise OSError(errno.EADDRINUSE, "address in use")
                raise RuntimeError(f"redis-server stopped: {text[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    return connection.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(answering, timeout=30, what="redis-server answering PING")

    def stop(self) -> None:
        """Kills the server, as a crash or an outage would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    if not shutil.which("redis-server"):
        raise RuntimeError("redis-server not found: install Debian's redis-server package")
    folder = Path(tempfile.mkdtemp(prefix="test-redis-"))
    server = ThrowawayRedis(folder)
    try:

        def start(port: int) -> None:
            server.port = port
            server.start()

        on_a_free_port(start)
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- databases and intake answers ----------------------------------------------------------


@contextmanager
def empty_postgres_database(prefix: str) -> Iterator[str]:
    """The name of a new, empty database on the machine's PostgreSQL server; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def fresh_database(kind: str, tmp_path: Path):
    """Yields a migrated engine on an empty database of that kind ("sqlite" or "postgresql",
    the latter on the machine's server); drops it afterwards."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'intake.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{POSTGRES_SERVER}/{name}")
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


CONSENT = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.timezone.utc)


def lead(**changes) -> LeadInput:
    """A complete consultation request; keyword arguments change single answers."""
    values = dict(
        kind="consultation",
        conversation_id="conv-1",
        channel="rest",
        consent_at=CONSENT,
        person_name="Ravi Kumar",
        email="ravi@example.com",
        phone="+1 415 555 0100",
        visa_type="H-1B",
        consulate="Chennai",
        interview_date=dt.date(2026, 3, 1),
        notice_date=dt.date(2026, 3, 3),
        notice_request="documents",
        has_petition=True,
        petitioner_name="Acme Corp",
        description="They asked for a client letter.",
        deadline=dt.date(2027, 3, 1),
        urgency="later",
        topics_asked=("deadline",),
        sources_cited=("22 CFR 42.83 https://example.org/42.83",),
    )
    values.update(changes)
    return LeadInput(**values)


def confirmed(store, conversation_id: str, email: str) -> None:
    """The address as its owner confirms it: the link is asked for, sent, and opened."""
    from bot.backoffice.models import AddressConfirmation

    store.request_confirmation(conversation_id, email)
    with store.session() as session:
        row_id = session.execute(
            select(AddressConfirmation.id).where(
                AddressConfirmation.conversation_id == conversation_id, AddressConfirmation.email == email
            )
        ).scalar()
    assert store.confirm_address(store.new_confirmation_token(row_id))


# --- action tests in the RasaHQ style: tracker fixtures in, exact events and messages out ---

TEST_DATA = ROOT / "tests" / "data"
DEADLINE_TRACKER = json.loads((TEST_DATA / "deadline_question_tracker.json").read_text())


def tracker(intent=None, entities=(), text="", events=None, **slots):
    """A tracker like the fixture file, with the latest message and slots changed (and its events,
    where given)."""
    state = copy.deepcopy(DEADLINE_TRACKER)
    if events is not None:
        state["events"] = events
    state["slots"] = {name: None for name in state["slots"]} | {"fallback_count": 0} | slots
    if slots.get("pending_topic") and events is None:
        # A pending question is one the assistant asked in its last turn (actions/turns.py).
        state["events"] = [
            *state["events"],
            {"event": "slot", "name": "pending_topic", "value": slots["pending_topic"]},
            {"event": "user", "text": text},
        ]
    state["latest_message"] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": list(entities),
    }
    return Tracker.from_dict(state)


def entity(name, value, role=None):
    found = {"entity": name, "value": value, "start": 0, "end": 1}
    if role:
        found["role"] = role
    return found


async def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return events, dispatcher.messages


def responses(messages):
    return [m.get("response") for m in messages]


@functools.cache
def _entity_slots() -> dict[tuple[str, str | None], str]:
    """domain.yml's from_entity mappings outside forms: (entity, role) -> slot."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    found = {}
    for slot, spec in domain["slots"].items():
        for mapping in spec.get("mappings", []):
            outside_forms = not mapping.get("conditions") or any(
                "active_loop" in c and c["active_loop"] is None for c in mapping["conditions"]
            )
            if mapping.get("type") == "from_entity" and outside_forms and not mapping.get("intent"):
                found.setdefault((mapping["entity"], mapping.get("role")), slot)
    return found


def slots_from(entities) -> dict[str, object]:
    """The slots Rasa fills from these entities as domain.yml maps them (of several values for one
    slot, Rasa keeps the last)."""
    slots: dict[str, object] = {}
    for found in entities:
        slot = _entity_slots().get((found["entity"], found.get("role")))
        if slot:
            slots[slot] = found["value"]
    return slots


def understood_tracker(*texts, today=None, intent=None, extractor=None, **later_slots):
    """A tracker after these messages, one turn each, with the entities the real extractor finds
    and the slots domain.yml fills from them: the fixture a real conversation would give
    (`later_slots`: what a form's answers filled afterwards)."""
    extractor = extractor or _extractor()
    today = today or clock.today()
    slots: dict[str, object] = {}
    events: list[dict] = []
    entities: list[dict] = []
    for text in texts:
        entities = [
            {"entity": e.entity, "value": e.value, "role": e.role, "start": e.start, "end": e.end}
            for e in extractor.extract(text, today)
        ]
        told = detect(text)  # what components/language.py adds
        if told.language:
            language = {"entity": "language", "value": told.language, "role": None, "start": 0, "end": 0}
            entities.append(language | {"explicit": told.explicit})
        events.append({"event": "user", "text": text, "parse_data": {"entities": entities}})
        for slot, value in slots_from(entities).items():
            events.append({"event": "slot", "name": slot, "value": value})
            slots[slot] = value
    return tracker(intent, entities, texts[-1], **(slots | later_slots), events=events)


@functools.cache
def _extractor():
    from bot.rules.entities import EntityExtractor

    return EntityExtractor()


async def widget_session(port: int, received: list, history: list | None = None, session_id: str | None = None):
    """A widget browser over socket.io (polling) at 127.0.0.1:`port`: connected, its session
    confirmed (a new one, or `session_id` again), every bot_uttered appended to `received` and
    the history sent back to `history`. Returns (client, session id); disconnect it when done."""
    import asyncio

    import socketio

    client = socketio.AsyncClient(reconnection=False)
    confirmed = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", received.append)
    if history is not None:
        client.on("history", history.extend)
    await client.connect(f"http://127.0.0.1:{port}", socketio_path="socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    return client, await asyncio.wait_for(confirmed, 30)
