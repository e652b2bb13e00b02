"""The deployment files keep the action server private (no Docker or Kubernetes here,
so their shape is checked as text and YAML; make run-cluster runs the same nginx rules)."""

import json
import re

import yaml
from rasa.core.utils import read_endpoints_from_path

from actions.server import TOKEN_HEADER
from tests.common import ROOT

DEPLOY = ROOT / "deploy"


def test_the_production_endpoints_expand_the_environment_and_send_the_shared_secret(monkeypatch):
    # Quoted "${...}" values are not expanded by Rasa: this file was read literally before.
    for name, value in {
        "ACTION_ENDPOINT_URL": "http://nginx:8081/actions/webhook",
        "ACTION_SERVER_TOKEN": "s3cret",
        "POSTGRES_HOST": "db",
        "POSTGRES_DB": "rasa",
        "POSTGRES_USER": "rasa",
        "POSTGRES_PASSWORD": "pw",
        "REDIS_HOST": "redis",
        "REDIS_PASSWORD": "pw2",
    }.items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path(DEPLOY / "endpoints.production.yml")
    assert endpoints.action.url == "http://nginx:8081/actions/webhook"
    assert endpoints.action.headers == {TOKEN_HEADER: "s3cret"}
    assert endpoints.tracker_store.kwargs["password"] == "pw"
    assert endpoints.lock_store.url == "redis"


def server_blocks(conf):
    """The text of each top-level `server { ... }` block of an nginx configuration."""
    blocks = []
    for match in re.finditer(r"\bserver\s*\{", conf):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(conf)):
            depth += {"{": 1, "}": -1}.get(conf[end], 0)
            if depth == 0:
                break
        blocks.append(conf[match.start() : end + 1])
    return blocks


def test_the_public_nginx_servers_have_no_route_to_the_action_servers_and_use_tls():
    blocks = server_blocks((DEPLOY / "nginx.conf").read_text())
    plain = [b for b in blocks if re.search(r"listen 80;", b)]
    secure = [b for b in blocks if re.search(r"listen 443 ssl;", b)]
    internal = [b for b in blocks if re.search(r"listen 8081;", b)]
    assert len(plain) == len(secure) == len(internal) == 1
    assert "return 301 https://" in plain[0] and "proxy_pass" not in plain[0]
    assert "actions" not in secure[0]
    assert "proxy_pass http://actions/" in internal[0]
    # The widget's origin check needs the browser's Host and Origin on /socket.io/.
    socket_io = secure[0][secure[0].index("location /socket.io/") :]
    socket_io = socket_io[: socket_io.index("}")]
    assert "proxy_set_header Host $host;" in socket_io and "proxy_set_header Origin $http_origin;" in socket_io
    # Requests per client address are limited (the cluster test runs the same rule), and Rasa
    # is told the client's address for its own per-address limit.
    assert "limit_req zone=per_address" in secure[0]
    assert secure[0].count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == 2


def test_compose_publishes_only_the_public_port_and_requires_the_secret():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    assert "ports" not in services["actions"]
    assert services["nginx"]["ports"] == ["80:80", "443:443"]
    assert services["actions"]["command"][:3] == ["python", "-m", "actions.server"]
    for name in ("actions", "rasa"):
        assert services[name]["environment"]["ACTION_SERVER_TOKEN"].startswith("${ACTION_SERVER_TOKEN:?")
    assert services["rasa"]["environment"]["SANIC_PROXIES_COUNT"] == "1"
    # Replicas must sign widget sessions alike, or a browser's session would hold on one replica only.
    assert services["rasa"]["environment"]["WIDGET_SESSION_SECRET"].startswith("${WIDGET_SESSION_SECRET:?")


def test_kubernetes_lets_only_the_rasa_pods_reach_the_action_servers():
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "assistant.yaml").read_text()))
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    assert [p["spec"]["podSelector"] for p in policies] == [{"matchLabels": {"app": "actions"}}]
    assert policies[0]["spec"]["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": {"app": "rasa"}}}], "ports": [{"protocol": "TCP", "port": 5055}]}
    ]
    actions = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "actions")
    assert actions["spec"]["template"]["spec"]["containers"][0]["args"][:3] == ["python", "-m", "actions.server"]


def test_send_due_and_purge_are_scheduled_in_compose_and_kubernetes():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    assert "bot.backoffice.cli send-due" in services["send-due"]["command"][-1]
    assert "bot.backoffice.cli purge" in services["purge"]["command"][-1]
    assert "TRACKER_DATABASE_URL" in services["purge"]["environment"]
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "assistant.yaml").read_text()))
    jobs = {d["metadata"]["name"]: d for d in documents if d["kind"] == "CronJob"}
    assert set(jobs) == {"send-due", "purge"}
    container = jobs["purge"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["python", "-m", "bot.backoffice.cli", "purge"]


def test_kubernetes_serves_tls_and_probes_rasa_without_the_rest_channel():
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "assistant.yaml").read_text()))
    ingress = next(d for d in documents if d["kind"] == "Ingress")
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    rasa = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    probe = rasa["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
    assert "rest" not in probe["path"]


def test_the_tracker_schema_is_made_by_an_init_step_before_rasa_starts():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    assert services["tracker-init"]["command"] == ["python", "-m", "components.tracker_store"]
    assert services["rasa"]["depends_on"]["tracker-init"] == {"condition": "service_completed_successfully"}
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "assistant.yaml").read_text()))
    rasa = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    [init] = rasa["spec"]["template"]["spec"]["initContainers"]
    assert init["args"] == ["python", "-m", "components.tracker_store"]


def test_kubernetes_answers_politely_when_no_action_server_does():
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "assistant.yaml").read_text()))
    rasa = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    containers = {c["name"]: c for c in rasa["spec"]["template"]["spec"]["containers"]}
    env = {e["name"]: e.get("value") for e in containers["rasa"]["env"]}
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:8081/actions/webhook"
    proxy = next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "actions-proxy")
    conf = proxy["data"]["nginx.conf"]
    assert "listen 127.0.0.1:8081;" in conf and "error_page 502 503 504 = @actions_down;" in conf
    # The same valid action response as compose's nginx.
    reply = re.search(r"return 200 '(.*)';", conf).group(1)
    assert reply == re.search(r"return 200 '(.*)';", (DEPLOY / "nginx.conf").read_text()).group(1)
    assert json.loads(reply)["events"] == [] and "try again shortly" in json.loads(reply)["responses"][0]["text"]
