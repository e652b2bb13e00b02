"""`make run`'s server script: both servers come up together and Ctrl-C stops both."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("localhost", port)) == 0


def test_both_servers_start_and_ctrl_c_stops_both():
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.serve", "--rasa-port", "5305", "--actions-port", "5355"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        output = []
        for line in process.stdout:
            output.append(line)
            if "The assistant is ready" in line:
                break
        assert "POST http://localhost:5305/webhooks/rest/webhook" in "".join(output), "".join(output)[-3000:]
        assert port_open(5305) and port_open(5355)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        time.sleep(1)
        assert not port_open(5305) and not port_open(5355)
    finally:
        if process.poll() is None:
            process.kill()
