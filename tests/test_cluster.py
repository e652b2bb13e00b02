"""The production shape on one machine: two Rasa replicas and two action servers behind nginx,
conversations in PostgreSQL, a Redis lock store. Continuity across replicas, crashes and
restarts, and faults of the action servers, Redis and PostgreSQL."""
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from scripts.cluster import running_cluster

pytestmark = pytest.mark.slow
LB, REPLICAS, ACTIONS, ACTIONS_LB = 5710, (5711, 5712), (5713, 5714), 5715
TRACKER_DB, INTAKE_DB = "rasa_cluster_test", "intake_cluster_test"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def cluster_context():
    return running_cluster(LB, REPLICAS, ACTIONS, ACTIONS_LB, tracker_db=TRACKER_DB, intake_db=INTAKE_DB,
                           env={"BOT_TODAY": "2026-06-15"})


@pytest.fixture(scope="module")
def cluster():
    with cluster_context() as running:
        yield running


def say(port, sender, message, timeout=60):
    request = urllib.request.Request(f"http://localhost:{port}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
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
    steps = [("got a 221g letter dated 3 March 2026, when is my deadline?", "3 March 2027"),
             ("and what if i miss it?", "3 March 2027"),  # the notice date is remembered
             ("i want to book a consultation with a lawyer", "Do you agree?"),
             ("/affirm", "full name"), ("Ravi Kumar", "email address")]
    for (message, expected), port in zip(steps, ports):
        replies = say(port, sender, message)
        assert any(expected in text for text in replies), (port, message, replies)


def test_messages_alternating_between_replicas_keep_slots_and_form(cluster):
    deadline_and_form(f"alt-{uuid.uuid4().hex[:8]}", [REPLICAS[i % 2] for i in range(5)])


def test_the_public_port_has_no_route_to_the_action_servers(cluster):
    forged = json.dumps({"next_action": "action_answer_question", "tracker": {"sender_id": "victim"},
                         "domain": {}, "version": "3.6.2"}).encode()
    for port, path in [(LB, "/actions/webhook"), (LB, "/actions/actions")]:
        request = urllib.request.Request(f"http://localhost:{port}{path}", data=forged,
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 404, path
    # The internal listener reaches them, and they still want the shared secret.
    request = urllib.request.Request(f"http://localhost:{ACTIONS_LB}/actions/webhook", data=forged,
                                     headers={"Content-Type": "application/json"})
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


def test_redis_briefly_down_is_contained_and_service_recovers(cluster):
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    try:
        answered(LB, sender, "what is administrative processing?")
    finally:
        subprocess.run(REDIS_START, check=True, capture_output=True)
        time.sleep(1)
    assert any("3 March 2027" in t for t in say(LB, sender, "and what if i miss it?"))


def test_postgresql_briefly_down_is_contained_and_service_recovers(cluster):
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    version = subprocess.run(["bash", "-c", "ls /etc/postgresql | head -1"], capture_output=True, text=True).stdout.strip()
    control = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    subprocess.run([*control, "stop", "-m", "fast"], check=True, capture_output=True)
    try:
        # Rasa answers from a temporary in-memory tracker while its store is unreachable.
        answered(LB, sender, "what is administrative processing?")
    finally:
        subprocess.run([*control, "start"], check=True, capture_output=True)
    # Connections broken by the restart are replaced: within a few messages service is back,
    # and the conversation still remembers its notice date.
    for _ in range(5):
        replies = answered(LB, sender, "and what if i miss it?")
        if isinstance(replies, list) and any("3 March 2027" in t for t in replies):
            break
        time.sleep(1)
    else:
        pytest.fail(f"the cluster did not recover after PostgreSQL came back: {replies}")


def test_a_restart_of_everything_loses_nothing(cluster):
    # Runs last: stops the shared cluster and starts a new one on the same databases.
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    say(LB, sender, "got a 221g letter dated 3 March 2026, when is my deadline?")
    assert any("Do you agree?" in t for t in say(LB, sender, "i want to book a consultation"))
    for name in list(cluster.processes):
        cluster.kill(name)
    with cluster_context():
        replies = say(LB, sender, "/affirm")
        assert any("full name" in t for t in replies), replies  # still inside the form
        assert any("3 March 2027" in t for t in say(LB, sender, "when is my 221g deadline?"))
