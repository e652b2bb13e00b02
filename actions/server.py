"""The action server: rasa-sdk's, answering only the Rasa server.

Whoever can call the action server can run any action with a tracker of their own
making: delete a conversation's leads, create leads that are emailed to the firm, send
reminder mails. So it listens on 127.0.0.1 unless told otherwise, sends no CORS headers
(no browser page may call it), and every request except the health check must carry the
shared secret that Rasa sends with each call (`headers` in the endpoints file).

    ACTION_SERVER_TOKEN=... python -m actions.server --port 5055 [--host 127.0.0.1]
"""

import argparse
import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backoffice import log_privacy

TOKEN_HEADER = "X-Action-Server-Token"
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
MIN_TOKEN_LENGTH = 16
OPEN_PATHS = {"/health"}  # for load balancers and probes; it runs nothing

logger = logging.getLogger(__name__)


def token_problem(token: str | None) -> str | None:
    if not token:
        return f"{TOKEN_VARIABLE} is not set: the action server only answers requests that carry this shared secret"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"{TOKEN_VARIABLE} is too short: use at least {MIN_TOKEN_LENGTH} random characters"
    return None


def create_server(token: str, action_package: str = "actions") -> Sanic:
    app = create_app(action_package, cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            logger.warning("Refused a request to %s without the shared secret", request.path)
            return response.json({"error": "forbidden"}, status=403)
        return None

    # rasa-sdk's own handler answers a failure with the whole request (the tracker: the
    # applicant's messages), which Rasa then logs. Ours names the failure only.
    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("Action request to %s failed: %s", request.path, type(exception).__name__)
        return response.json({"error": "the action failed", "type": type(exception).__name__}, status=500)

    return app


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument(
        "--host",
        default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"),
        help="interface to listen on (default 127.0.0.1; containers set 0.0.0.0)",
    )
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "")
    problem = token_problem(token)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    log_privacy.install()
    app = create_server(token)
    logger.info("Action server listening on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
