"""`make run-cluster`: the production shape on one machine.

Two Rasa replicas and two action servers behind nginx, conversations in PostgreSQL
(their own schema), a Redis lock store so that two replicas never handle one
conversation at the same time. nginx routes REST round-robin (any replica can serve
any message: the tracker is shared), socket.io with ip_hash (its long-polling needs
one replica per browser), and answers on behalf of the action servers when none is
reachable, with a polite "try again shortly" and the firm's contacts.
The tests (tests/system/test_cluster.py) and the load benchmark use `running_cluster()`.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import yaml

from actions.server import TOKEN_HEADER, TOKEN_VARIABLE
from components.tracker_store import prepare_tracker_database
from scripts.serve import BIN, MODEL, ROOT, ServerError, stop, stop_with_parent, wait_until_up

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
POSTGRES = dict(
    host=os.environ.get("PGHOST", "127.0.0.1"),
    port=int(os.environ.get("PGPORT", "5432")),
    user=os.environ.get("PGUSER", "postgres"),
)
REDIS = dict(host=os.environ.get("REDIS_HOST", "127.0.0.1"), port=int(os.environ.get("REDIS_PORT", "6379")))


@dataclass
class Cluster:
    """Ports and processes of a running cluster; replicas and action servers can be killed and restarted."""

    lb_port: int
    actions_lb_port: int  # nginx's listener for Rasa's calls to the action servers, never the public one
    rasa_ports: list[int]
    action_ports: list[int]
    workdir: Path
    env: dict[str, str]
    endpoints: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.lb_port}"

    def log(self, name: str):
        return open(self.workdir / f"{name}.log", "a")

    def start_actions(self, index: int) -> None:
        port = self.action_ports[index]
        self.processes[f"actions{index}"] = subprocess.Popen(
            [str(BIN / "python"), "-m", "actions.server", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log(f"actions{index}"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
        )

    def start_rasa(self, index: int) -> None:
        port = self.rasa_ports[index]
        self.processes[f"rasa{index}"] = subprocess.Popen(
            [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(MODEL),
                "--port",
                str(port),
                "--credentials",
                str(ROOT / "credentials.yml"),
                "--endpoints",
                str(self.endpoints),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log(f"rasa{index}"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
        )

    def wait_actions(self, index: int, timeout: float = 300) -> None:
        wait_until_up(
            f"http://localhost:{self.action_ports[index]}/health",
            self.processes[f"actions{index}"],
            f"action server {index}",
            timeout,
            None,
        )

    def wait_rasa(self, index: int, timeout: float = 300) -> None:
        wait_until_up(
            f"http://localhost:{self.rasa_ports[index]}/webhooks/rest/",
            self.processes[f"rasa{index}"],
            f"Rasa replica {index}",
            timeout,
            None,
        )

    def kill(self, name: str) -> None:
        """Kills a process the hard way, as a crash would."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def postgres_url(postgres: dict, database: str) -> str:
    return f"postgresql+psycopg2://{postgres['user']}@{postgres['host']}:{postgres['port']}/{database}"


def prepare_databases(postgres: dict, tracker_db: str, schema: str, intake_db: str) -> None:
    """Creates the tracker database and schema and the intake database when missing."""
    admin = psycopg2.connect(dbname="postgres", **postgres)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in (tracker_db, intake_db):
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    # The init step of compose and Kubernetes: schema and tables, before any replica starts.
    prepare_tracker_database(postgres_url(postgres, tracker_db), schema)


def endpoints_yaml(actions_lb_port: int, postgres: dict, tracker_db: str, redis: dict, lock_prefix: str) -> str:
    return yaml.safe_dump(
        {
            "action_endpoint": {
                "url": f"http://127.0.0.1:{actions_lb_port}/actions/webhook",
                "headers": {TOKEN_HEADER: f"${{{TOKEN_VARIABLE}}}"},
                "enable_selective_domain": True,  # as endpoints.yml says why
            },
            "nlg": {"type": "components.nlg.LocalizedResponses"},  # as endpoints.yml says why
            "tracker_store": {
                "type": "components.tracker_store.ErasableSQLTrackerStore",
                "dialect": "postgresql",
                "url": postgres["host"],
                "port": postgres["port"],
                "db": tracker_db,
                "username": postgres["user"],
            },
            "lock_store": {
                "type": "redis",
                "url": redis["host"],
                "port": redis["port"],
                "db": 1,
                "key_prefix": lock_prefix,
            },
        },
        sort_keys=False,
    )


def actions_down_reply() -> str:
    """What nginx answers for the action servers when none is reachable: a valid action
    server response whose message is the domain's `utter_something_went_wrong`."""
    from bot.rules.firm import load_firm

    firm = load_firm()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    text = domain["responses"]["utter_something_went_wrong"][0]["text"].format(
        firm_name=firm.name, contact_line=firm.contact_line
    )
    return json.dumps({"events": [], "responses": [{"text": text}]})


# Requests per second per client address at the public listener (bursts of 50 pass at
# once); 0 turns the limit off (make bench-load, whose applicants share one address).
NGINX_REQUESTS_PER_SECOND = "NGINX_REQUESTS_PER_SECOND"


def nginx_conf(cluster: Cluster) -> str:
    rate = int(cluster.env.get(NGINX_REQUESTS_PER_SECOND, "10"))
    zone = (
        f"limit_req_zone $binary_remote_addr zone=per_address:10m rate={rate}r/s;\n  limit_req_status 429;"
        if rate > 0
        else "# no limit per address (NGINX_REQUESTS_PER_SECOND=0)"
    )
    limit = "limit_req zone=per_address burst=50 nodelay;" if rate > 0 else ""
    # max_fails=0: a refused connection costs nothing, and a restarted process is used at once.
    rasa = "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for port in cluster.rasa_ports)
    actions = "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for port in cluster.action_ports)
    reply = actions_down_reply().replace("\\", "\\\\").replace("'", "\\'")
    work = cluster.workdir
    return f"""daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;  # request bodies are never logged; URLs carry no personal data, but keep it quiet
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  fastcgi_temp_path {work}/nginx-fastcgi;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  client_max_body_size 1m;
  # Keep request and response bodies (conversations: personal data) in memory, never in temp files.
  client_body_buffer_size 1m;
  proxy_max_temp_file_size 0;
  {zone}
  upstream rasa {{
{rasa}
  }}
  # socket.io long-polling must stay on one replica per browser.
  upstream rasa_sticky {{
    ip_hash;
{rasa}
  }}
  upstream actions {{
{actions}
  }}
  # Rasa's calls to the action servers, on a listener of their own: the public one
  # below has no route to them.
  server {{
    listen 127.0.0.1:{cluster.actions_lb_port};
    proxy_read_timeout 120s;
    location /actions/ {{
      proxy_pass http://actions/;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_intercept_errors on;
      error_page 502 503 504 = @actions_down;
    }}
    location @actions_down {{
      default_type application/json;
      return 200 '{reply}';
    }}
  }}
  server {{
    listen 127.0.0.1:{cluster.lb_port};
    proxy_read_timeout 120s;
    {limit}
    # X-Forwarded-For: the replicas limit messages per client address too (SANIC_PROXIES_COUNT=1).
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
    location / {{
      proxy_pass http://rasa;
      # A replica that refuses the connection (crashed) is skipped; the request was not sent to it.
      proxy_next_upstream error timeout http_502;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


@contextmanager
def running_cluster(
    lb_port: int = 8080,
    rasa_ports=(5006, 5007),
    action_ports=(5056, 5057),
    actions_lb_port: int = 8081,
    tracker_db: str = "rasa",
    schema: str = "rasa_tracker",
    intake_db: str = "intake",
    workdir: Path | None = None,
    env: dict[str, str] | None = None,
    postgres: dict = POSTGRES,
    redis: dict = REDIS,
) -> Iterator[Cluster]:
    """The cluster on the PostgreSQL and Redis servers given (default: the local ones, from
    PGHOST/PGPORT/PGUSER and REDIS_HOST/REDIS_PORT); stops every process it started."""
    if not MODEL.exists():
        raise ServerError(f"no trained model at {MODEL}: run `make train` first")
    if not Path(NGINX).exists():
        raise ServerError(f"nginx not found at {NGINX}: install Debian's nginx package")
    prepare_databases(postgres, tracker_db, schema, intake_db)
    with tempfile.TemporaryDirectory(prefix="cluster-") as scratch:
        work = Path(workdir or scratch)
        work.mkdir(parents=True, exist_ok=True)
        endpoints = work / "endpoints.yml"
        environment = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            TOKEN_VARIABLE: os.environ.get(TOKEN_VARIABLE) or secrets.token_urlsafe(32),
            # Each replica's pool: replicas x (size + overflow) stays far below max_connections (100).
            "POSTGRESQL_SCHEMA": schema,
            "SQL_POOL_SIZE": "5",
            "SQL_MAX_OVERFLOW": "5",
            # nginx is the one proxy in front: the client's address is the last X-Forwarded-For entry.
            "SANIC_PROXIES_COUNT": "1",
            "TRACKER_DATABASE_URL": postgres_url(postgres, tracker_db),
            "DATABASE_URL": postgres_url(postgres, intake_db),
            **(env or {}),
        }
        cluster = Cluster(lb_port, actions_lb_port, list(rasa_ports), list(action_ports), work, environment, endpoints)
        endpoints.write_text(endpoints_yaml(cluster.actions_lb_port, postgres, tracker_db, redis, f"cluster{lb_port}"))
        (work / "nginx.conf").write_text(nginx_conf(cluster))
        try:
            for index in range(len(action_ports)):
                cluster.start_actions(index)
            cluster.processes["nginx"] = subprocess.Popen(
                [NGINX, "-c", str(work / "nginx.conf"), "-p", str(work)],
                stdout=cluster.log("nginx"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
            # The tracker tables exist already (prepare_databases): the replicas start together.
            for index in range(len(rasa_ports)):
                cluster.start_rasa(index)
            for index in range(len(action_ports)):
                cluster.wait_actions(index)
            for index in range(len(rasa_ports)):
                cluster.wait_rasa(index)
            wait_until_up(f"{cluster.url}/webhooks/rest/", cluster.processes["nginx"], "nginx", 30, None)
            yield cluster
        finally:
            for process in cluster.processes.values():
                stop(process)


def main() -> int:
    print("Starting two Rasa replicas, two action servers and nginx (about a minute)...", flush=True)
    try:
        with running_cluster() as cluster:
            print(
                f"\nThe cluster is ready: POST {cluster.url}/webhooks/rest/webhook "
                f"(widget demo: {cluster.url}/webhooks/widget/demo)\n"
                f"Replicas on {cluster.rasa_ports}, action servers on {cluster.action_ports}; "
                f"logs in {cluster.workdir}. Press Ctrl-C to stop.\n",
                flush=True,
            )
            while all(p.poll() is None for p in cluster.processes.values()):
                time.sleep(1)
            print("A process of the cluster stopped; stopping the others.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopped the cluster.")
        return 0
    except (ServerError, psycopg2.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
