"""Local stand-ins for outside APIs (Slack's Web API, Telegram's Bot API): they answer like the
real ones and record every call, so tests can see exactly what the bot posted."""
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List
from urllib.parse import parse_qs


@contextmanager
def recording_api(answer: Dict) -> Iterator[tuple]:
    """Yields (base URL, calls); each call is (path, decoded body)."""
    calls: List[tuple] = []

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
