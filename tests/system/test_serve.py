"""`make run`'s server script: the assistant's two servers and the staff dashboard come up
together and Ctrl-C stops them all."""

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.common import ROOT, wait_until

pytestmark = pytest.mark.slow


def port_open(port, host="localhost"):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def network_address() -> str:
    """This machine's address on its network (not loopback): where others would connect."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("198.51.100.1", 9))  # UDP: picks the outgoing interface, sends nothing
        address = probe.getsockname()[0]
    assert not address.startswith("127."), "this machine has no network address to test against"
    return address


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_the_servers_start_and_ctrl_c_or_kill_stops_them_all(stop_signal):
    # Started with SIGINT ignored, as a shell starts a background job: Ctrl-C must still work.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.serve",
            "--rasa-port",
            "5305",
            "--actions-port",
            "5355",
            "--staff-port",
            "5375",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        output = []
        for line in process.stdout:
            output.append(line)
            if "The assistant is ready" in line:
                break
        assert "POST http://localhost:5305/webhooks/rest/webhook" in "".join(output), "".join(output)[-3000:]
        # Keep reading: a full pipe would block the servers' logging and so their shutdown.
        reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
        reader.start()
        assert "The staff dashboard: http://localhost:5375/" in "".join(output)
        assert port_open(5305) and port_open(5355) and port_open(5375)
        # Rasa's default is every interface: anyone on the network could continue any REST conversation.
        assert not any(port_open(port, network_address()) for port in (5305, 5355, 5375))
        # The retention purge runs at start (and daily).
        wait_until(
            lambda: "conversation transcripts older than" in "".join(output),
            timeout=60,
            what="the retention purge at start",
        )
        process.send_signal(stop_signal)
        try:
            assert process.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            pytest.fail(f"{stop_signal.name} did not stop the servers within 60 s:\n" + "".join(output)[-3000:])
        wait_until(
            lambda: not any(port_open(port) for port in (5305, 5355, 5375)), timeout=10, what="every port closed"
        )
    finally:
        if process.poll() is None:
            process.kill()


def test_the_servers_stop_when_make_run_is_killed_outright():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.serve",
            "--rasa-port",
            "5306",
            "--actions-port",
            "5356",
            "--staff-port",
            "5376",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if "The assistant is ready" in line:
            break
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    assert port_open(5306) and port_open(5356) and port_open(5376), "".join(output)[-3000:]
    process.kill()  # SIGKILL: no handler runs, as when a terminal is closed hard
    process.wait(timeout=10)
    wait_until(
        lambda: not any(port_open(port) for port in (5306, 5356, 5376)),
        timeout=30,
        what="the servers stopping with make run (else they hold its ports)",
    )


def test_a_hanging_mail_server_does_not_stop_the_assistant(tmp_path):
    from bot.backoffice.intake import IntakeStore
    from scripts.serve import send_due
    from tests.common import fresh_database, lead

    # A mail server that accepts the connection and never says a word.
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)
    with fresh_database("sqlite", tmp_path) as engine:
        store = IntakeStore(engine)
        store.save_lead(lead(), "Summary", ["email"])
        env = {"DATABASE_URL": str(engine.url), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(hanging.getsockname()[1])}
        assert send_due(timeout=3, env=env) is False  # cut off, no exception
        assert [n.id for n in store.pending_notifications()] != []  # still pending: sent next time
    hanging.close()


def test_a_send_due_run_ends_when_make_run_is_killed_outright(tmp_path):
    """Issue 23, finding 10: the send-due and purge runs got no parent-death signal."""
    from tests.common import fresh_database, lead

    hanging = socket.socket()  # a mail server that never answers: send-due waits on it
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)
    with fresh_database("sqlite", tmp_path) as engine:
        from bot.backoffice.intake import IntakeStore

        for number in range(6):  # each waits out the mail timeout (10 s): a minute in all
            IntakeStore(engine).save_lead(lead(conversation_id=f"rest-{number}", email=None), "Summary", ["email"])
        env = {"DATABASE_URL": str(engine.url), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(hanging.getsockname()[1])}
        parent = subprocess.Popen(
            [sys.executable, "-c", f"from scripts.serve import send_due; send_due(300, {env!r})"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

        def send_due_process():
            children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()
            return [int(pid) for pid in children if b"send-due" in Path(f"/proc/{pid}/cmdline").read_bytes()]

        [child] = wait_until(send_due_process, timeout=30, what="the send-due run")
        hanging.settimeout(30)
        held, _ = hanging.accept()  # send-due is now waiting on the mail server, which stays silent
        parent.kill()
        parent.wait(timeout=10)
        # Far sooner than the minute it would take on its own.
        wait_until(lambda: not Path(f"/proc/{child}").exists() or _zombie(child), timeout=20, what="send-due ended")
        held.close()
    hanging.close()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
