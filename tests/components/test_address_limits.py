"""Limits per client address on the channels anyone can reach (REST, the widget), real servers.

Before, flood control was per widget connection only: several connections (or REST,
which had none) passed it together from one address."""

import asyncio
import http.client
import json

import pytest
import socketio

from bot.language.channel import channel_text
from components.channels.widget import MAX_CONNECTIONS_PER_ADDRESS
from scripts.serve import running_servers
from tests.common import wait_until_async

SLOW_DOWN = channel_text("en", "messages.slow_down")

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5135, 5185
LIMIT = 5


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("limits")
    env = {"DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}", "MESSAGES_PER_ADDRESS_PER_MINUTE": str(LIMIT)}
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield


def post(path, body, source="127.0.0.1"):
    """A request from `source` (any 127.x.y.z address is this machine)."""
    connection = http.client.HTTPConnection("127.0.0.1", RASA_PORT, timeout=60, source_address=(source, 0))
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


def test_rest_answers_429_beyond_the_limit_and_other_addresses_are_still_served(servers):
    for number in range(LIMIT):
        assert post("/webhooks/rest/webhook", {"sender": f"flood-{number}", "message": "are you a bot?"})[0] == 200
    # A sixth message from the same address, in another conversation: refused politely.
    assert post("/webhooks/rest/webhook", {"sender": "flood-6", "message": "are you a bot?"}) == (
        429,
        {"error": SLOW_DOWN},
    )
    # Asked in Spanish, told in Spanish.
    spanish = {"sender": "flood-7", "message": "hola, ¿cuándo vence mi plazo de la 221g?"}
    assert post("/webhooks/rest/webhook", spanish) == (429, {"error": channel_text("es", "messages.slow_down")})
    status, replies = post(
        "/webhooks/rest/webhook", {"sender": "neighbour", "message": "are you a bot?"}, source="127.0.0.2"
    )
    assert status == 200 and any("automated assistant" in r.get("text", "") for r in replies)
    # Slack and Telegram (signed by their platforms, from the platforms' addresses) are not limited.
    assert post("/webhooks/slack/webhook", {})[0] == 503  # not configured here, and not 429


def test_widget_messages_from_one_address_share_the_limit_and_connections_are_capped(servers):
    async def scenario():
        replies, clients, sessions = [], [], []
        for _ in range(3):  # three connections, two messages each: six from one address
            client = socketio.AsyncClient(reconnection=False)
            confirmed = asyncio.get_running_loop().create_future()
            client.on("session_confirm", lambda sid, done=confirmed: done.done() or done.set_result(sid))
            client.on("bot_uttered", lambda data: replies.append(data.get("text")))
            await client.connect(f"http://127.0.0.1:{RASA_PORT}", socketio_path="socket.io", transports=["polling"])
            await client.emit("session_request", {"session_id": None})
            session_id = await asyncio.wait_for(confirmed, 30)
            clients.append(client)
            sessions.append(session_id)
            for _ in range(2):
                await client.emit("user_uttered", {"message": "are you a bot?", "session_id": session_id})
        # All six handled: five answered (each answer says it is automated), one asked to wait.
        await wait_until_async(
            lambda: SLOW_DOWN in replies and len([r for r in replies if r and "automated assistant" in r]) >= LIMIT,
            timeout=60,
            what="six replies",
        )
        slowed = replies.count(SLOW_DOWN)
        # A widget in Spanish (its language goes with each message) is asked in Spanish.
        await clients[0].emit("user_uttered", {"message": "ok", "session_id": sessions[0], "language": "es"})
        await wait_until_async(
            lambda: channel_text("es", "messages.slow_down") in replies, timeout=30, what="the Spanish request"
        )
        # At most MAX_CONNECTIONS_PER_ADDRESS connections from one address at once.
        refused = 0
        for _ in range(MAX_CONNECTIONS_PER_ADDRESS):
            client = socketio.AsyncClient(reconnection=False)
            try:
                await client.connect(f"http://127.0.0.1:{RASA_PORT}", socketio_path="socket.io", transports=["polling"])
                clients.append(client)
            except socketio.exceptions.ConnectionError:
                refused += 1
        for client in clients:
            await client.disconnect()
        return slowed, refused

    slowed, refused = asyncio.run(scenario())
    assert slowed == 1
    assert refused == 3  # 3 were open already
