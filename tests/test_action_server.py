"""The action server answers only Rasa: loopback by default, a shared secret on every call.

Before this, `rasa run actions` listened on 0.0.0.0 and ran any action for anyone:
a forged tracker could delete a conversation's leads or make the firm send mail.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from actions.server import TOKEN_HEADER
from tests.test_notify import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token-0123456789abcdef"
FORGED_CALL = {
    "next_action": "action_answer_question",
    "tracker": json.loads((ROOT / "tests" / "data" / "deadline_question_tracker.json").read_text()),
    "domain": {},
    "version": "3.6.2",
}


def start(port, token, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ACTION_SERVER_TOKEN", None)
    if token is not None:
        env["ACTION_SERVER_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def call(url, body=None, headers=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server():
    port = free_port()
    process = start(port, TOKEN)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if call(f"http://127.0.0.1:{port}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        pytest.fail("the action server did not start")
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


@pytest.mark.parametrize("headers", [{}, {TOKEN_HEADER: "wrong-token-0123456789"}, {TOKEN_HEADER: ""}],
                         ids=["no secret", "wrong secret", "empty secret"])
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
    process = start(free_port(), token)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert message in output


def test_a_failing_action_answers_500_without_echoing_the_tracker(server):
    broken = {"next_action": "action_answer_question", "version": "3.6.2", "domain": {},
              "tracker": ["victim", {"person_name": "Ravi Kumar"}]}  # not a tracker: the executor fails
    status, _, body = call(f"http://127.0.0.1:{server}/webhook", broken, {TOKEN_HEADER: TOKEN})
    assert status == 500
    assert b"Ravi" not in body and b"victim" not in body  # Rasa logs this body on errors
