"""Starts the action server and the Rasa server together, in the foreground.

`make run` uses it with the defaults; the end-to-end tests and the benchmarks use
`running_servers()` with their own ports, tracker database and clock.
"""

import argparse
import ctypes
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from actions.server import TOKEN_HEADER, TOKEN_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "current.tar.gz"
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


class ServerError(RuntimeError):
    pass


def endpoints_yaml(actions_port: int, tracker_db: Path) -> str:
    # The token itself stays in the environment, never in a file. (Rasa expands ${...}
    # only in unquoted YAML values.)
    return (
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f"  headers:\n    {TOKEN_HEADER}: ${{{TOKEN_VARIABLE}}}\n"
        f"  enable_selective_domain: true\n"  # as endpoints.yml says why
        f"nlg:\n  type: components.nlg.LocalizedResponses\n"  # as endpoints.yml says why
        f"tracker_store:\n  type: components.tracker_store.ErasableSQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {tracker_db}\n"
    )


def stop_with_parent() -> None:
    """Runs in each server process before it starts (Linux): when the process that started it
    dies, even by SIGKILL, the server gets SIGTERM instead of holding its port forever."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not Linux: the servers are stopped by stop() on a normal exit only
        return
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float, log: IO | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            where = f"; its output is in {log.name}" if log else ""
            raise ServerError(f"the {name} exited with code {process.returncode} while starting{where}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise ServerError(f"the {name} did not answer {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def rest_reply(port: int, sender: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    """The assistant's reply to one message over the REST channel of the Rasa server on `port`."""
    request = urllib.request.Request(
        f"http://localhost:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return list(json.loads(response.read()))


@contextmanager
def running_servers(
    rasa_port: int = 5005,
    actions_port: int = 5055,
    tracker_db: Path = ROOT / "var" / "conversations.db",
    model: Path = MODEL,
    env: dict[str, str] | None = None,
    log: IO | None = None,
    timeout: float = 300,
) -> Iterator[dict[str, subprocess.Popen]]:
    """Yields {"actions": process, "rasa": process} once both answer; stops both on exit."""
    if not model.exists():
        raise ServerError(f"no trained model at {model}: run `make train` first")
    tracker_db.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    # A fresh shared secret for this run unless the operator set one.
    environment.setdefault(TOKEN_VARIABLE, secrets.token_urlsafe(32))
    # Erasure and purge reach the transcripts where this Rasa server keeps them.
    environment["TRACKER_DATABASE_URL"] = f"sqlite:///{tracker_db}"
    processes: dict[str, subprocess.Popen] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="endpoints-") as endpoints:
        endpoints.write(endpoints_yaml(actions_port, tracker_db))
        endpoints.flush()
        try:
            start = dict(
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
            processes["actions"] = subprocess.Popen(
                [str(BIN / "python"), "-m", "actions.server", "--host", "127.0.0.1", "--port", str(actions_port)],
                **start,
            )
            processes["rasa"] = subprocess.Popen(
                [
                    str(BIN / "rasa"),
                    "run",
                    "--model",
                    str(model),
                    "--port",
                    str(rasa_port),
                    "--interface",
                    os.environ.get("HOST", "127.0.0.1"),  # README "Channels and security": exposing it
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                    "--endpoints",
                    endpoints.name,
                ],
                **start,
            )
            wait_until_up(
                f"http://localhost:{actions_port}/health", processes["actions"], "action server", timeout, log
            )
            wait_until_up(
                f"http://localhost:{rasa_port}/webhooks/rest/", processes["rasa"], "Rasa server", timeout, log
            )
            yield processes
        finally:
            for process in processes.values():
                stop(process)


SEND_DUE_SECONDS = int(os.environ.get("SEND_DUE_SECONDS", "300"))
SEND_DUE_TIMEOUT_SECONDS = 120
PURGE_SECONDS = 24 * 3600  # the retention period is counted in days


def staff_command(command: str, timeout: float, env: dict[str, str] | None = None) -> bool:
    """Runs `python -m bot.backoffice.cli COMMAND`, as cron does in production. A mail server or database
    that hangs must not stop the assistant: the run is cut off with a warning and the next
    round tries again (nothing is lost: the rows stay pending). False when it was cut off."""
    try:
        subprocess.run(
            [str(BIN / "python"), "-m", "bot.backoffice.cli", command],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            timeout=timeout,
            check=False,
            preexec_fn=stop_with_parent,  # no send-due left running after `make run` is killed
        )
    except subprocess.TimeoutExpired:
        print(
            f"warning: {command} did not finish within {timeout:.0f} s; trying again next round",
            file=sys.stderr,
            flush=True,
        )
        return False
    return True


def send_due(timeout: float = SEND_DUE_TIMEOUT_SECONDS, env: dict[str, str] | None = None) -> bool:
    """Pending erasures, notifications that failed earlier and due reminders; every SEND_DUE_SECONDS."""
    return staff_command("send-due", timeout, env)


def purge() -> bool:
    """What is past the firm's retention period (leads, reminders, transcripts); daily."""
    return staff_command("purge", 600)


@contextmanager
def running_dashboard(
    port: int, env: dict[str, str] | None = None, log: IO | None = None, timeout: float = 60
) -> Iterator[subprocess.Popen]:
    """The firm's staff dashboard (bot/staff) on 127.0.0.1:`port`, once it answers; stopped on exit."""
    process = subprocess.Popen(
        [str(BIN / "python"), "-m", "bot.staff.app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        start_new_session=True,
        preexec_fn=stop_with_parent,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, "staff dashboard", timeout, log)
        yield process
    finally:
        stop(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--staff-port", type=int, default=int(os.environ.get("STAFF_PORT", 8000)))
    args = parser.parse_args()
    # Ctrl-C and a plain `kill` both stop the two servers. A shell that starts us in the
    # background sets SIGINT to ignored, and Python then never raises KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print("==> Starting the action server, the Rasa server and the staff dashboard (about 30 s)...", flush=True)
    started = time.monotonic()
    try:
        with running_servers(args.rasa_port, args.actions_port) as servers, running_dashboard(args.staff_port) as staff:
            processes = {**servers, "staff dashboard": staff}
            print(
                f"\nThe assistant is ready ({time.monotonic() - started:.0f} s to start): POST http://localhost:{args.rasa_port}/webhooks/rest/webhook\n"
                f'  curl -s localhost:{args.rasa_port}/webhooks/rest/webhook -d \'{{"sender": "me", '
                f'"message": "my ceac status says refused, what now?"}}\'\n'
                f"The staff dashboard: http://localhost:{args.staff_port}/ (an account: "
                f'make staff ARGS="users add you@example.com --role attorney")\n'
                "Press Ctrl-C to stop the servers.\n",
                flush=True,
            )
            next_send = next_purge = time.monotonic()
            while all(p.poll() is None for p in processes.values()):
                if time.monotonic() >= next_send:
                    send_due()
                    next_send = time.monotonic() + SEND_DUE_SECONDS
                if time.monotonic() >= next_purge:
                    purge()
                    next_purge = time.monotonic() + PURGE_SECONDS
                time.sleep(1)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            print(f"The {' and '.join(stopped)} server stopped; stopping the others.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped the servers.")
        return 0
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
