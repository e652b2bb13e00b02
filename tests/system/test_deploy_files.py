"""The deployment files keep the action server private (no Docker or Kubernetes here,
so their shape is checked as text and YAML; make run-cluster runs the same nginx rules)."""

import ipaddress
import json
import re
from urllib.parse import urlsplit

import rasa.shared.utils.common
import yaml
from rasa.core.utils import read_endpoints_from_path

from actions.server import TOKEN_HEADER
from tests.common import ROOT

DEPLOY = ROOT / "deploy"
CREDENTIALS = ROOT / "credentials.yml"


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


def nginx_servers():
    """deploy/nginx.conf's server blocks by role: plain HTTP, the bot's HTTPS server (the
    default one), the staff dashboard's HTTPS server (by its host name), the internal listener."""
    blocks = server_blocks((DEPLOY / "nginx.conf").read_text())
    roles = {
        "plain": [b for b in blocks if re.search(r"listen 80;", b)],
        "public": [b for b in blocks if re.search(r"listen 443 ssl default_server;", b)],
        "staff": [b for b in blocks if re.search(r"listen 443 ssl;", b) and "server_name" in b],
        "internal": [b for b in blocks if re.search(r"listen 8081;", b)],
    }
    assert {name: len(found) for name, found in roles.items()} == dict.fromkeys(roles, 1)
    assert len(blocks) == len(roles)  # no other server
    return {name: found[0] for name, found in roles.items()}


def test_the_public_nginx_servers_have_no_route_to_the_action_servers_and_use_tls():
    servers = nginx_servers()
    plain, secure, internal = [servers["plain"]], [servers["public"]], [servers["internal"]]
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
    # Live chat's route is the dashboard's, inside the network: not passed from outside.
    assert "location /webhooks/handoff/ { return 404; }" in secure[0]


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
    # Live chat: the dashboard and the replicas share the handoff route's secret, and the
    # dashboard calls Rasa inside the compose network.
    for name in ("rasa", "staff"):
        assert services[name]["environment"]["HANDOFF_SECRET"].startswith("${HANDOFF_SECRET:?")
    assert services["staff"]["environment"]["RASA_URL"] == "http://rasa:5005"


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


# Which database role each service of the deploy files connects as (bot/backoffice/db_roles.py).
COMPOSE_ROLES = {"rasa": "rasa", "actions": "actions", "send-due": "jobs", "purge": "jobs", "staff": "staff"}
SECRET_ROLES = {"rasa-secrets": "rasa", "actions-secrets": "actions", "jobs-secrets": "jobs", "staff-secrets": "staff"}
INIT_COMMAND = ["sh", "-c", "python -m components.tracker_store && python -m bot.backoffice.cli db-init"]


def database_users(env):
    """The user names in a service's database settings (URLs and Rasa's POSTGRES_USER)."""
    users = {urlsplit(str(env[name])).username for name in ("DATABASE_URL", "TRACKER_DATABASE_URL") if name in env}
    if "POSTGRES_USER" in env:
        users.add(env["POSTGRES_USER"])
    return users


def test_compose_makes_the_schema_and_roles_first_and_each_service_connects_as_its_own_role():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    init = services["db-init"]
    assert init["command"] == INIT_COMMAND
    assert database_users(init["environment"]) == {services["postgres"]["environment"]["POSTGRES_USER"]}
    assert all(f"DB_PASSWORD_{role.upper()}" in init["environment"] for role in set(COMPOSE_ROLES.values()))
    for name, service in services.items():
        env = service.get("environment") or {}
        if name in ("db-init", "postgres") or not database_users(env):
            continue
        role = COMPOSE_ROLES[name]  # a new service needs a role of its own here and in db_roles.py
        assert database_users(env) == {f"visa_{role}"}, name
        passwords = {p for value in env.values() for p in re.findall(r"\$\{(\w*PASSWORD\w*)", str(value))}
        assert passwords == {f"DB_PASSWORD_{role.upper()}"} or name == "rasa", (name, passwords)
        assert service["depends_on"]["db-init"] == {"condition": "service_completed_successfully"}, name
    assert set(COMPOSE_ROLES) <= set(services)


def test_kubernetes_runs_db_init_as_the_owner_and_each_secret_names_its_own_role():
    documents = kubernetes_documents()
    [job] = [d for d in documents if d["kind"] == "Job" and d["metadata"]["name"] == "db-init"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == INIT_COMMAND
    assert container["envFrom"] == [{"secretRef": {"name": "db-owner-secrets"}}]
    secrets = {d["metadata"]["name"]: d["stringData"] for d in documents if d["kind"] == "Secret"}
    assert {f"DB_PASSWORD_{role.upper()}" for role in SECRET_ROLES.values()} <= set(secrets["db-owner-secrets"])
    for name, role in SECRET_ROLES.items():
        assert database_users(secrets[name]) == {f"visa_{role}"}, name
        assert not any(key.startswith("DB_PASSWORD_") for key in secrets[name]), name
    # No pod but the Job's has the owner's Secret, and none makes the schema itself.
    for document in documents:
        pod = document.get("spec", {}).get("template", {}).get("spec", {})
        assert "initContainers" not in pod, document["metadata"]["name"]
        for each in pod.get("containers", []):
            if document["metadata"]["name"] != "db-init":
                assert {"secretRef": {"name": "db-owner-secrets"}} not in each.get("envFrom", [])


def test_kubernetes_routes_every_channel_but_rest_to_rasa():
    # The reminder confirmation page was missing: the links in emails led nowhere, no reminder went out.
    channels = [
        rasa.shared.utils.common.class_from_module_path(path) for path in yaml.safe_load(CREDENTIALS.read_text())
    ]
    # The REST channel is for tests only; live chat's route is the dashboard's, inside the cluster.
    names = {channel.name() for channel in channels} - {"rest", "handoff"}
    assert "reminders" in names
    [ingress] = [d for d in kubernetes_documents() if d["kind"] == "Ingress" and d["metadata"]["name"] == "assistant"]
    routed = {path["path"] for path in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert {f"/webhooks/{name}" for name in names} <= routed
    assert not any(path.startswith("/webhooks/handoff") for path in routed)


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


# The staff dashboard (bot/staff): its own host name and certificate, never the bot's server.
STAFF_COMMAND = ["python", "-m", "bot.staff.app", "--host", "0.0.0.0", "--port", "8000"]


def kubernetes_documents():
    """Every manifest of deploy/kubernetes (they are applied together)."""
    return [
        document
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def nginx_directives(block, name):
    """The arguments of each `name ...;` directive in an nginx block."""
    return re.findall(rf"(?m)^\s*{name}\s+([^;{{}}]*);", block)


def test_the_staff_dashboard_has_its_own_nginx_server_with_tls_on_its_own_host_name():
    conf = (DEPLOY / "nginx.conf").read_text()
    servers = nginx_servers()
    staff, public = servers["staff"], servers["public"]
    [host] = nginx_directives(staff, "server_name")
    assert host and host != "_" and " " not in host and "example-firm.com" in host
    # The same TLS as the bot's server, with a certificate of its own host name.
    assert nginx_directives(staff, "ssl_protocols") == nginx_directives(public, "ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    for directive in ("ssl_certificate", "ssl_certificate_key"):
        [path] = nginx_directives(staff, directive)
        assert path.startswith("/etc/nginx/certs/") and path not in nginx_directives(public, directive)
    # Only the dashboard behind it (found per request: see the test below), told the browser's
    # host, address and scheme.
    variable, upstream = nginx_staff_upstream()
    assert set(nginx_directives(staff, "proxy_pass")) == {variable}
    assert urlsplit(upstream).port == 8000 and urlsplit(upstream).hostname.startswith("staff")
    # X-Real-IP: the dashboard's own sign-in limits per address; nginx sets it, the client cannot.
    for header in (
        "Host $host",
        "X-Real-IP $remote_addr",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
    ):
        assert f"proxy_set_header {header};" in staff
    assert nginx_directives(staff, "client_max_body_size") == ["1m"]
    # The dashboard's Cache-Control: no-store passes unchanged: no cache, no header of nginx's own.
    assert not re.search(r"\b(proxy_cache|proxy_hide_header|proxy_ignore_headers|add_header|expires)\b", staff)
    # Sign-ins: POSTs to /login limited per address (other methods map to an empty key, not
    # counted); a location with limit_req of its own inherits none, so both limits are named there.
    assert 'map $request_method $staff_login_key { POST $binary_remote_addr; default ""; }' in conf
    assert "limit_req_zone $staff_login_key zone=staff_login:10m rate=10r/m;" in conf
    login = staff[staff.index("location = /login {") :]
    login = login[: login.index("}")]
    assert {"zone=per_address burst=50 nodelay", "zone=staff_login burst=5 nodelay"} == set(
        nginx_directives(login, "limit_req")
    )
    assert nginx_directives(login, "proxy_pass") == [variable]
    assert "limit_req zone=per_address burst=50 nodelay;" in staff[: staff.index("location")]


def test_the_bot_servers_never_route_to_the_staff_dashboard():
    servers = nginx_servers()
    for name in ("public", "plain", "internal"):
        assert "staff" not in servers[name], name
    # The bot's server is the default one, so the staff server answers only for its own name
    # (never for the bot's, nor for a bare address), in whatever order the servers are written.
    assert "server_name" not in servers["public"]
    assert re.search(r"listen 443 ssl;", servers["staff"]) and "default_server" not in servers["staff"]
    # Plain HTTP answers every host name, the staff one too, with nothing but a redirect to HTTPS.
    assert "server_name" not in servers["plain"]
    assert re.findall(r"(?m)^\s*(?:location|return)\b.*$", servers["plain"]) == [
        "    location / { return 301 https://$host$request_uri; }"
    ]
    # And the staff server reaches nothing of the bot's.
    assert not re.search(r"\b(rasa|actions|socket\.io|webhooks)\b", servers["staff"])


def test_compose_runs_the_staff_dashboard_unpublished_healthchecked_and_not_as_root():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    staff = services["staff"]
    assert staff["command"] == STAFF_COMMAND
    assert staff["build"] == services["actions"]["build"]  # the same image
    # Reached only through nginx: no port of its own on the host.
    assert "ports" not in staff and staff["expose"] == ["8000"]
    assert services["nginx"]["ports"] == ["80:80", "443:443"]
    assert "staff" not in services["nginx"]["depends_on"]  # the bot's nginx starts without it
    test = staff["healthcheck"]["test"]
    assert test[0] == "CMD" and "http://127.0.0.1:8000/health" in test[-1]
    # Never root: the image's USER, and the service's own.
    user = re.findall(r"(?m)^USER\s+(\S+)", (DEPLOY / "Dockerfile").read_text())[-1]
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    assert staff["user"] == user
    # The same databases as the other services, as its own role (see the roles test above).
    environment = staff["environment"]
    for name in ("DATABASE_URL", "TRACKER_DATABASE_URL"):
        other = services["purge"]["environment"][name]
        assert urlsplit(environment[name]).hostname == urlsplit(other).hostname, name
        assert urlsplit(environment[name]).path == urlsplit(other).path, name
    assert environment["POSTGRESQL_SCHEMA"] == services["purge"]["environment"]["POSTGRESQL_SCHEMA"]
    assert "${DB_PASSWORD_STAFF}" in environment["DATABASE_URL"]
    assert staff["depends_on"]["db-init"] == {"condition": "service_completed_successfully"}


def compose_networks(service):
    """The networks of a compose service, each with its settings (a service that names none is
    on "default", the project's network, as are postgres, rasa and the action servers)."""
    networks = service.get("networks", ["default"])
    if isinstance(networks, list):
        return {name: {} for name in networks}
    return {name: settings or {} for name, settings in networks.items()}


def nginx_staff_upstream():
    """The staff server's `set $variable http://...;`: what its proxy_pass names, found per request."""
    staff = nginx_servers()["staff"]
    [variable] = set(nginx_directives(staff, "proxy_pass"))
    [value] = [v.split()[1] for v in nginx_directives(staff, "set") if v.split()[0] == variable]
    return variable, value


def test_the_staff_dashboard_trusts_x_real_ip_only_from_nginx_on_a_network_of_their_own():
    # Whoever the dashboard trusts can name any client address in X-Real-IP (and so escape the
    # sign-in limits per address): nginx only, never rasa, the action servers or the others.
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    trusted = [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in services["staff"]["environment"]["STAFF_TRUSTED_PROXIES"].split(",")
    ]
    broader = [str(network) for network in trusted if network.num_addresses > 1]
    assert not broader, f"STAFF_TRUSTED_PROXIES trusts whole networks: {broader}"
    networks = {name: compose_networks(service) for name, service in services.items()}
    members = {}
    for name, joined in networks.items():
        for network in joined:
            members.setdefault(network, set()).add(name)
    [proxy_network] = [network for network, names in members.items() if names == {"nginx", "staff"}]
    for name in ("rasa", "actions", "postgres", "redis"):
        assert proxy_network not in networks[name], name
    # nginx's own fixed address there, in the network's subnet and outside the range Docker
    # hands out by itself (or the staff container, now started without nginx, could take it).
    address = ipaddress.ip_address(networks["nginx"][proxy_network]["ipv4_address"])
    [pool] = compose["networks"][proxy_network]["ipam"]["config"]
    assert address in ipaddress.ip_network(pool["subnet"])
    assert "ip_range" in pool and address not in ipaddress.ip_network(pool["ip_range"])
    assert trusted == [ipaddress.ip_network(address)]
    # The dashboard still reaches its database, on the network it shares with postgres.
    assert set(networks["staff"]) & set(networks["postgres"])
    # nginx must connect from that address: it finds the dashboard by a name that only the
    # proxy network answers (the service name "staff" is on both networks they share, and
    # a connection over the other one would come from an address the dashboard does not trust).
    _, upstream = nginx_staff_upstream()
    host = urlsplit(upstream).hostname
    assert host in networks["staff"][proxy_network].get("aliases", [])
    assert host not in services
    for name, joined in networks.items():
        for network, settings in joined.items():
            if (name, network) != ("staff", proxy_network):
                assert host not in settings.get("aliases", []), (name, network)


def test_the_bot_nginx_starts_without_the_staff_dashboard():
    # nginx resolves an upstream's names once, when it starts, and does not start when one is
    # not found: a name in a variable is resolved per request, by the resolver, so the bot's
    # nginx starts (and serves the bot) whether or not the dashboard's container is up.
    conf = (DEPLOY / "nginx.conf").read_text()
    staff = nginx_servers()["staff"]
    passes = nginx_directives(staff, "proxy_pass")
    assert passes and all(p.startswith("$") for p in passes), passes
    variable, upstream = nginx_staff_upstream()
    # No URI part: with a variable, nginx passes the request's URI as the client sent it, as
    # `proxy_pass http://staff;` did (for /login as for every page).
    assert re.fullmatch(r"http://[a-z][a-z0-9-]*:8000", upstream), upstream
    host = urlsplit(upstream).hostname
    for servers in re.findall(r"\bupstream\s+\S+\s*\{([^}]*)\}", conf):
        assert not re.search(rf"\bserver\s+{host}\b", servers), servers
    # The resolver: Docker's own DNS, answers kept briefly (a restarted container's new
    # address is found), IPv4 only (the compose networks have no IPv6).
    outside_servers = conf
    for block in server_blocks(conf):
        outside_servers = outside_servers.replace(block, "")
    [resolver] = nginx_directives(staff, "resolver") or nginx_directives(outside_servers, "resolver")
    arguments = resolver.split()
    assert arguments[0] == "127.0.0.11" and "ipv6=off" in arguments
    [valid] = [a for a in arguments if a.startswith("valid=")]
    assert re.fullmatch(r"valid=\d+s", valid) and int(valid[6:-1]) <= 30
    # And compose starts nginx without waiting for the dashboard.
    depends_on = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]["nginx"]["depends_on"]
    assert "staff" not in depends_on
    assert {"rasa", "actions"} <= set(depends_on)


def test_kubernetes_runs_the_staff_dashboard_probed_on_health_and_not_as_root():
    documents = kubernetes_documents()
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    pod = deployments["staff"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["args"] == STAFF_COMMAND
    assert container["image"] == deployments["rasa"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert container["ports"] == [{"containerPort": 8000}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": 8000}, probe
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    for each in pod["containers"] + pod.get("initContainers", []):
        assert each["securityContext"]["allowPrivilegeEscalation"] is False, each["name"]
        assert "runAsUser" not in each["securityContext"] and "privileged" not in each["securityContext"]
    assert container["envFrom"] == [{"secretRef": {"name": "staff-secrets"}}]
    env = {e["name"]: e["value"] for e in container["env"]}
    rasa_env = {
        e["name"]: e.get("value") for e in deployments["rasa"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["POSTGRESQL_SCHEMA"] == rasa_env["POSTGRESQL_SCHEMA"]


def test_kubernetes_reaches_the_staff_dashboard_only_through_its_own_tls_host():
    documents = kubernetes_documents()
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    assert services["staff"]["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert services["staff"]["spec"]["selector"] == {"app": "staff"}
    assert not {"externalIPs", "loadBalancerIP"} & set(services["staff"]["spec"])
    [staff_host] = nginx_directives(nginx_servers()["staff"], "server_name")
    staff_ingresses = []
    for ingress in (d for d in documents if d["kind"] == "Ingress"):
        # A default backend answers every host name and path no rule takes: never the dashboard.
        assert ingress["spec"].get("defaultBackend", {}).get("service", {}).get("name") != "staff"
        tls_hosts = {host for tls in ingress["spec"].get("tls", []) for host in tls["hosts"]}
        for rule in ingress["spec"]["rules"]:
            backends = {path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
            # A rule without a host answers every host name: it must not lead to the dashboard.
            if "staff" in backends or rule.get("host") == staff_host:
                assert backends == {"staff"} and rule.get("host") == staff_host, ingress["metadata"]["name"]
                assert staff_host in tls_hosts, ingress["metadata"]["name"]
                assert tls_hosts == {staff_host}  # its own certificate, not the bot's
                staff_ingresses.append(ingress)
    assert staff_ingresses
    bot = next(d for d in documents if d["kind"] == "Ingress" and d["metadata"]["name"] == "assistant")
    assert staff_host not in {rule["host"] for rule in bot["spec"]["rules"]}
    assert {tls["secretName"] for i in staff_ingresses for tls in i["spec"]["tls"]}.isdisjoint(
        tls["secretName"] for tls in bot["spec"]["tls"]
    )
    # Only the Ingress controller's pods may open a connection to the dashboard's (and no
    # policy for every pod of the namespace lets others in as well).
    [policy] = [
        d
        for d in documents
        if d["kind"] == "NetworkPolicy" and d["spec"]["podSelector"] in ({}, {"matchLabels": {"app": "staff"}})
    ]
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app": "staff"}}
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    [rule] = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
        }
    ]


def secrets_read(pod_spec):
    containers = pod_spec.get("containers", []) + pod_spec.get("initContainers", [])
    names = {
        source["secretRef"]["name"]
        for container in containers
        for source in container.get("envFrom", [])
        if "secretRef" in source
    }
    names |= {
        variable["valueFrom"]["secretKeyRef"]["name"]
        for container in containers
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    return names


def test_each_kubernetes_workload_reads_only_its_own_secret_holding_only_what_it_needs():
    """Issue 23, finding 8: one Secret in every pod gave the dashboard the widget secret, the
    action-server token and the SMTP, Slack and Telegram credentials."""
    documents = kubernetes_documents()
    secrets = {doc["metadata"]["name"]: set(doc["stringData"]) for doc in documents if doc["kind"] == "Secret"}
    uses = {}
    for doc in documents:
        if doc["kind"] == "Deployment":
            uses[doc["metadata"]["name"]] = secrets_read(doc["spec"]["template"]["spec"])
        elif doc["kind"] == "CronJob":
            uses[doc["metadata"]["name"]] = secrets_read(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    assert uses == {
        "rasa": {"rasa-secrets"},
        "actions": {"actions-secrets"},
        "send-due": {"jobs-secrets"},
        "purge": {"jobs-secrets"},
        "staff": {"staff-secrets"},
    }
    assert set(secrets) == {"db-owner-secrets", "rasa-secrets", "actions-secrets", "jobs-secrets", "staff-secrets"}
    assert secrets["staff-secrets"] == {"DATABASE_URL", "TRACKER_DATABASE_URL", "HANDOFF_SECRET", "SLACK_WEBHOOK_URL"}
    assert "HANDOFF_SECRET" in secrets["rasa-secrets"]
    platform = {
        "WIDGET_SESSION_SECRET",
        "SLACK_TOKEN",
        "SLACK_SIGNING_SECRET",
        "TELEGRAM_TOKEN",
        "TELEGRAM_SECRET_TOKEN",
    }
    # Rasa's DATABASE_URL (the confirmation page) names a role that sees no lead (db_roles.py).
    assert not secrets["rasa-secrets"] & {"SMTP_PASSWORD", "NOTIFY_EMAIL", "SLACK_WEBHOOK_URL"}
    assert not (secrets["actions-secrets"] | secrets["jobs-secrets"]) & (platform | {"REDIS_PASSWORD"})
    assert "ACTION_SERVER_TOKEN" not in secrets["jobs-secrets"]
