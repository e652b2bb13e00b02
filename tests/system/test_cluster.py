"""The production shape on one machine: two Rasa replicas and two action servers behind nginx,
conversations in PostgreSQL, a Redis lock store. Continuity across replicas, crashes and
restarts, and faults of the action servers, Redis and PostgreSQL. The cluster runs on a
PostgreSQL and a Redis of its own (tests/common.py), which the fault tests kill and restart:
the machine's servers are never touched."""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from scripts.cluster import running_cluster
from tests.common import recording_api, throwaway_postgres, throwaway_redis, wait_until

pytestmark = pytest.mark.slow
LB, REPLICAS, ACTIONS, ACTIONS_LB = 5710, (5711, 5712), (5713, 5714), 5715
TRACKER_DB, INTAKE_DB = "rasa_cluster_test", "intake_cluster_test"
TELEGRAM_SECRET = "cluster-telegram-secret"
HANDOFF_SECRET = "cluster-handoff-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def telegram_api():
    with recording_api({"ok": True, "result": True}) as api:
        yield api


@pytest.fixture(scope="module")
def postgres():
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def redis():
    with throwaway_redis() as server:
        yield server


def cluster_context(telegram_url, postgres, redis):
    return running_cluster(
        LB,
        REPLICAS,
        ACTIONS,
        ACTIONS_LB,
        tracker_db=TRACKER_DB,
        intake_db=INTAKE_DB,
        env={
            "BOT_TODAY": "2026-06-15",
            "TELEGRAM_TOKEN": "1:cluster",
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_API_URL": telegram_url,
            "HANDOFF_SECRET": HANDOFF_SECRET,
        },
        postgres={"host": postgres.host, "port": postgres.port, "user": postgres.user},
        redis={"host": redis.host, "port": redis.port},
    )


@pytest.fixture(scope="module")
def cluster(telegram_api, postgres, redis):
    with cluster_context(telegram_api[0], postgres, redis) as running:
        yield running


def say(port, sender, message, timeout=60):
    request = urllib.request.Request(
        f"http://localhost:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return [r.get("text", "") for r in json.loads(answer.read()) if "text" in r]


def answered(port, sender, message):
    """The replies, or the HTTP error status: either way an answer within 30 s, never a hang."""
    try:
        return say(port, sender, message, timeout=30)
    except urllib.error.HTTPError as error:
        return error.code


def deadline_and_form(sender, ports):
    """A deadline question, a follow-up and the start of the intake form, one port per message."""
    steps = [
        ("got a 221g letter dated 3 March 2026, when is my deadline?", "3 March 2027"),
        ("and what if i miss it?", "3 March 2027"),  # the notice date is remembered
        ("i want to book a consultation with a lawyer", "Do you agree?"),
        ("/affirm", "full name"),
        ("Ravi Kumar", "email address"),
    ]
    for (message, expected), port in zip(steps, ports, strict=True):
        replies = say(port, sender, message)
        assert any(expected in text for text in replies), (port, message, replies)


def test_messages_alternating_between_replicas_keep_slots_and_form(cluster):
    deadline_and_form(f"alt-{uuid.uuid4().hex[:8]}", [REPLICAS[i % 2] for i in range(5)])


def test_the_public_port_has_no_route_to_the_action_servers(cluster):
    forged = json.dumps(
        {"next_action": "action_answer_question", "tracker": {"sender_id": "victim"}, "domain": {}, "version": "3.6.2"}
    ).encode()
    for port, path in [(LB, "/actions/webhook"), (LB, "/actions/actions")]:
        request = urllib.request.Request(
            f"http://localhost:{port}{path}", data=forged, headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 404, path
    # The internal listener reaches them, and they still want the shared secret.
    request = urllib.request.Request(
        f"http://localhost:{ACTIONS_LB}/actions/webhook", data=forged, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403


def test_a_killed_replica_is_routed_around_and_replaced(cluster):
    sender = f"kill-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in say(LB, sender, "i want to book a consultation"))
    cluster.kill("rasa0")
    started = time.monotonic()
    # The load balancer skips the dead replica; the conversation goes on from the tracker store.
    assert any("full name" in t for t in say(LB, sender, "/affirm"))
    assert any("email address" in t for t in say(LB, sender, "Ravi Kumar"))
    print(f"\nconversation resumed {time.monotonic() - started:.2f} s after the replica was killed")
    cluster.start_rasa(0)
    cluster.wait_rasa(0)
    assert any("phone number" in t for t in say(REPLICAS[0], sender, "ravi@example.com"))


def test_action_servers_down_gives_a_polite_answer_and_recovers(cluster):
    sender = f"actions-{uuid.uuid4().hex[:8]}"
    cluster.kill("actions0")
    cluster.kill("actions1")
    try:
        replies = say(LB, sender, "what is administrative processing?")
        assert any("try again shortly" in t and "Book a consultation" in t for t in replies), replies
    finally:
        cluster.start_actions(0)
        cluster.start_actions(1)
        cluster.wait_actions(0)
        cluster.wait_actions(1)
    assert any("administrative processing" in t.lower() for t in say(LB, sender, "what is administrative processing?"))


def test_redis_briefly_down_is_contained_and_service_recovers(cluster, redis):
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    redis.stop()
    try:
        answered(LB, sender, "what is administrative processing?")
    finally:
        redis.start()  # returns once it answers
    assert any("3 March 2027" in t for t in say(LB, sender, "and what if i miss it?"))


def test_postgresql_briefly_down_is_contained_and_service_recovers(cluster, postgres):
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    postgres.stop()
    try:
        # Rasa answers from a temporary in-memory tracker while its store is unreachable.
        answered(LB, sender, "what is administrative processing?")
    finally:
        postgres.start()  # returns once it accepts connections

    # Connections broken by the restart are replaced: within a few messages service is back,
    # and the conversation still remembers its notice date.
    def recovered():
        replies = answered(LB, sender, "and what if i miss it?")
        return isinstance(replies, list) and any("3 March 2027" in t for t in replies)

    wait_until(recovered, timeout=60, what="service with the remembered notice date after PostgreSQL came back")


def request_from(source, path="/webhooks/rest/"):
    """The status of a GET through nginx from `source` (any 127.x.y.z address is this machine)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", LB, timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_nginx_limits_requests_per_client_address(cluster):
    statuses = [request_from("127.0.0.3") for _ in range(150)]  # far beyond 10 a second, bursts of 50
    assert statuses.count(200) >= 50 and statuses.count(429) > 0, statuses
    assert request_from("127.0.0.4") == 200  # another address is served meanwhile
    # And the flooding address again once it slows down.
    wait_until(lambda: request_from("127.0.0.3") == 200, timeout=10, what="the flooding address served again")


def telegram_update(port, update):
    request = urllib.request.Request(
        f"http://localhost:{port}/webhooks/telegram/webhook",
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["status"]


def sent_to(calls, chat):
    return [body["text"] for path, body in list(calls) if path.endswith("/sendMessage") and body["chat_id"] == chat]


def test_a_telegram_update_redelivered_to_the_other_replica_is_answered_once(cluster, telegram_api):
    """Telegram re-delivers an update it thinks failed, and a load balancer may send it to the
    other replica: the answered ids are shared through Redis (the lock store)."""
    _, calls = telegram_api
    base = 800_000 + uuid.uuid4().int % 100_000
    twice, once = str(base), str(base + 1)  # two fresh chats; the second is the yardstick
    update = {"update_id": base, "message": {"chat": {"id": int(twice)}, "text": "are you a bot?"}}
    assert [telegram_update(port, update) for port in REPLICAS] == ["ok", "duplicate"]
    assert (
        telegram_update(
            REPLICAS[0], {"update_id": base + 1, "message": {"chat": {"id": int(once)}, "text": "are you a bot?"}}
        )
        == "ok"
    )
    # Then a second question in each chat; its answer comes after anything the first one caused.
    for chat, update_id in ((twice, base + 2), (once, base + 3)):
        telegram_update(
            REPLICAS[1],
            {
                "update_id": update_id,
                "message": {"chat": {"id": int(chat)}, "text": "what is administrative processing?"},
            },
        )
    # Each second answer is the chat's first from the knowledge base: it ends with the firm's
    # contact card. Under load the second question can take the conversation's lock before the
    # first (the replica that took the first update is still busy), so the first answer ("not a
    # person") is waited for too: then everything either chat was sent is in.
    wait_until(
        lambda: all(
            any(t.startswith("<b>") and "Phone: " in t for t in sent_to(calls, c))
            and any("not a person" in t for t in sent_to(calls, c))
            for c in (twice, once)
        ),
        timeout=60,
        what="both chats' questions answered",
    )
    assert sent_to(calls, twice) and len(sent_to(calls, twice)) == len(sent_to(calls, once))


def test_a_person_speaks_to_a_widget_connected_to_the_other_replica(cluster):
    """The browser's socket lives on replica 0; the staff dashboard calls Rasa through the load
    balancer, which sends each call to either replica: the take-over note and the staff message
    reach the browser (through Redis when they land on replica 1), the applicant's reply reaches
    the dashboard's live page, and after the hand-back the assistant answers again."""
    import asyncio

    from bot.backoffice.db import make_engine
    from bot.backoffice.handoffs import request_handoff
    from bot.backoffice.intake import IntakeStore
    from bot.backoffice.models import utcnow
    from scripts.serve import running_dashboard
    from tests.common import add_staff_account, unused_port, wait_until_async, widget_session
    from tests.staff.test_dashboard_http import PASSWORD, Browser

    dashboard_env = {name: cluster.env[name] for name in ("DATABASE_URL", "TRACKER_DATABASE_URL", "POSTGRESQL_SCHEMA")}
    dashboard_env.update({"RASA_URL": f"http://127.0.0.1:{LB}", "HANDOFF_SECRET": HANDOFF_SECRET})
    add_staff_account(dashboard_env, "ana@cluster.example", "staff", PASSWORD)
    store = IntakeStore(make_engine(dashboard_env["DATABASE_URL"]))
    port = unused_port()

    async def scenario(staff):
        received: list[dict] = []
        client, session_id = await widget_session(REPLICAS[0], received)
        await client.emit("user_uttered", {"message": "what is administrative processing?", "session_id": session_id})
        await wait_until_async(lambda: received, timeout=60, what="the assistant's answer")
        conversation = widget_conversation_of(session_id)
        handoff = request_handoff(store, conversation, "widget", "en", utcnow())

        def post(action, **form):
            status, headers, _ = staff.request(f"/live/{handoff.id}/{action}", {"csrf": staff.csrf("/live"), **form})
            assert status == 303, (action, status)

        started = time.monotonic()
        await asyncio.to_thread(post, "take")
        await wait_until_async(lambda: any(m.get("handoff") == "taken" for m in received), what="the take-over note")
        for number in range(4):  # several calls: the load balancer spreads them over both replicas
            await asyncio.to_thread(post, "say", text=f"Hello, this is Ana ({number}).")
        await wait_until_async(
            lambda: sum(1 for m in received if m.get("staff")) == 4, what="Ana's messages on the other replica"
        )
        print(f"\ntake-over and 4 staff messages reached the browser in {time.monotonic() - started:.2f} s")
        await client.emit("user_uttered", {"message": "thank you Ana", "session_id": session_id})
        await wait_until_async(
            lambda: "thank you Ana" in staff.request(f"/live/{handoff.id}")[2], what="the reply on the live page"
        )
        await asyncio.to_thread(post, "hand-back")
        await wait_until_async(lambda: any(m.get("handoff") == "returned" for m in received), what="the hand-back")
        before = len(received)
        await client.emit("user_uttered", {"message": "what is administrative processing?", "session_id": session_id})
        await wait_until_async(lambda: len(received) > before, timeout=60, what="the assistant again")
        await client.disconnect()
        assert [m["text"] for m in received if m.get("staff")] == [f"Hello, this is Ana ({n})." for n in range(4)]

    with open(cluster.workdir / "dashboard.log", "a") as log, running_dashboard(port, env=dashboard_env, log=log):
        staff = Browser(f"http://127.0.0.1:{port}")
        assert staff.sign_in("ana@cluster.example")[0] == 302
        asyncio.run(scenario(staff))


def test_nobody_in_time_reaches_a_widget_on_the_other_replica(cluster):
    """The dashboard's timer ends an unanswered request through whichever replica the load balancer
    picks: the apology and the callback offer reach a widget connected to the other one (they
    were emitted on the replica that ran the turn only, and the applicant saw nothing)."""
    import asyncio

    from tests.common import wait_until_async, widget_session

    async def scenario():
        received: list[dict] = []
        client, session_id = await widget_session(REPLICAS[0], received)
        await client.emit("user_uttered", {"message": "hello", "session_id": session_id})
        await wait_until_async(lambda: received, timeout=60, what="the greeting")
        request = urllib.request.Request(
            f"http://127.0.0.1:{REPLICAS[1]}/webhooks/handoff/end",
            data=json.dumps({"conversation_id": widget_conversation_of(session_id), "how": "expired"}).encode(),
            headers={"Content-Type": "application/json", "X-Handoff-Secret": HANDOFF_SECRET},
        )
        with await asyncio.to_thread(urllib.request.urlopen, request, timeout=60) as answer:
            assert answer.status == 200
        await wait_until_async(
            lambda: any("nobody from" in (m.get("text") or "") for m in received), what="the apology on replica 0"
        )
        await wait_until_async(lambda: any("Do you agree?" in (m.get("text") or "") for m in received), what="consent")
        await client.disconnect()

    asyncio.run(scenario())


def widget_conversation_of(session_id):
    """The conversation a widget session opens, as the replicas compute it (their shared secret)."""
    from components.channels.common import server_secret
    from components.channels.widget import WidgetSessions

    return WidgetSessions(server_secret()).conversation_of(session_id)


def test_a_restart_of_everything_loses_nothing(cluster, telegram_api, postgres, redis):
    # Runs last: stops the shared cluster and starts a new one on the same databases.
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in say(LB, sender, "i want to book a consultation"))
    for name in list(cluster.processes):
        cluster.kill(name)
    postgres.stop()
    redis.stop()
    postgres.start()
    redis.start()
    with cluster_context(telegram_api[0], postgres, redis):
        replies = say(LB, sender, "/affirm")
        assert any("full name" in t for t in replies), replies  # still inside the form
        assert any("3 March 2027" in t for t in say(LB, sender, "when is my 221g deadline?"))
