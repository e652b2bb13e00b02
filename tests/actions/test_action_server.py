"""The action server answers only Rasa: loopback by default, a shared secret on every call.

Before this, `rasa run actions` listened on 0.0.0.0 and ran any action for anyone:
a forged tracker could delete a conversation's leads or make the firm send mail.
"""

import errno
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from actions.server import TOKEN_HEADER
from tests.common import ROOT, on_a_free_port, unused_port, wait_until

TOKEN = "test-token-0123456789abcdef"
FORGED_CALL = {
    "next_action": "action_answer_question",
    "tracker": json.loads((ROOT / "tests" / "data" / "deadline_question_tracker.json").read_text()),
    "domain": {},
    "version": "3.6.2",
}


def start(port, token, *args, **variables):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **variables}
    env.pop("ACTION_SERVER_TOKEN", None)
    if token is not None:
        env["ACTION_SERVER_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def call(url, body=None, headers=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def healthy_server(token, *args, **variables):
    """(port, process) of an action server that answers /health; on another port when the
    one chosen was taken meanwhile."""

    def start_on(port):
        process = start(port, token, *args, **variables)

        def healthy():
            if process.poll() is not None:
                output = process.stdout.read()
                if "address already in use" in output.lower():
                    raise OSError(errno.EADDRINUSE, output)
                pytest.fail(f"the action server stopped: {output}")
            try:
                return call(f"http://127.0.0.1:{port}/health")[0] == 200
            except OSError:
                return False

        wait_until(healthy, timeout=120, what="the action server answering /health")
        return process

    return on_a_free_port(start_on)


@pytest.fixture(scope="module")
def server():
    port, process = healthy_server(TOKEN)
    yield port
    process.terminate()
    process.wait(timeout=20)


def this_machines_address():
    """The address other machines reach this one on (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    assert not address.startswith("127."), "this test needs a network interface besides loopback"
    return address


@pytest.mark.parametrize(
    "headers",
    [{}, {TOKEN_HEADER: "wrong-token-0123456789"}, {TOKEN_HEADER: ""}],
    ids=["no secret", "wrong secret", "empty secret"],
)
def test_a_call_without_the_shared_secret_is_refused_and_runs_nothing(server, headers):
    status, _, body = call(f"http://127.0.0.1:{server}/webhook", FORGED_CALL, headers)
    assert (status, json.loads(body)) == (403, {"error": "forbidden"})
    assert call(f"http://127.0.0.1:{server}/actions", headers=headers)[0] == 403


def test_rasa_with_the_shared_secret_is_answered(server):
    status, _, body = call(f"http://127.0.0.1:{server}/webhook", FORGED_CALL, {TOKEN_HEADER: TOKEN})
    assert status == 200
    assert json.loads(body)["events"]


def test_the_health_check_needs_no_secret_and_no_browser_may_call_the_server(server):
    status, headers, _ = call(f"http://127.0.0.1:{server}/health", headers={"Origin": "https://evil.example"})
    assert status == 200
    assert "Access-Control-Allow-Origin" not in headers


def test_it_listens_on_loopback_only_by_default(server):
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((this_machines_address(), server)) != 0


@pytest.mark.parametrize("token, message", [(None, "ACTION_SERVER_TOKEN is not set"), ("short", "too short")])
def test_it_does_not_start_without_a_proper_secret(token, message):
    process = start(unused_port(), token)  # it stops before it listens
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert message in output


def test_a_failing_action_answers_500_without_echoing_the_tracker(server):
    broken = {
        "next_action": "action_answer_question",
        "version": "3.6.2",
        "domain": {},
        "tracker": ["victim", {"person_name": "Ravi Kumar"}],
    }  # not a tracker: the executor fails
    status, _, body = call(f"http://127.0.0.1:{server}/webhook", broken, {TOKEN_HEADER: TOKEN})
    assert status == 500
    assert b"Ravi" not in body and b"victim" not in body  # Rasa logs this body on errors


class SilentDatabase:
    """A TCP server that accepts connections and never answers: a database that hangs."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.held: list = []
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)
            self.connected.set()

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


def test_a_hanging_database_holds_up_no_other_conversation():
    """Before: the action server called the database on its event loop with no connect timeout,
    so one intake submitted while the database hung stopped every conversation."""
    database = SilentDatabase()
    port, process = healthy_server(TOKEN, DATABASE_URL=f"postgresql+psycopg2://rasa@127.0.0.1:{database.port}/intake")
    try:
        tracker = json.loads(json.dumps(FORGED_CALL["tracker"]))
        tracker["slots"].update(intake_consent="yes", person_name="Ravi Kumar", email="ravi@example.com")
        submit = {**FORGED_CALL, "next_action": "action_submit_intake", "tracker": tracker}
        webhook, headers = f"http://127.0.0.1:{port}/webhook", {TOKEN_HEADER: TOKEN}
        with ThreadPoolExecutor(max_workers=1) as pool:
            submitting = pool.submit(call, webhook, submit, headers)
            assert database.connected.wait(timeout=30)  # the intake is now waiting for the database
            status, _, body = call(webhook, FORGED_CALL, headers)  # another applicant's question
            assert status == 200 and "3 March 2027" in json.dumps(json.loads(body)["responses"])
            assert not submitting.done()
            status, _, body = submitting.result(timeout=60)  # and the intake is not left hanging
        assert status == 200
        answer = json.loads(body)
        assert [r.get("response") for r in answer["responses"]] == ["utter_intake_saved_later"]
        assert {"event": "slot", "name": "lead_pending", "value": "consultation"} in [
            {k: e.get(k) for k in ("event", "name", "value")} for e in answer["events"]
        ]
    finally:
        process.terminate()
        process.wait(timeout=20)
        database.close()
