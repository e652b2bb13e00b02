"""The real Rasa server and action server, started once for every end-to-end test module."""

import pytest

from scripts.serve import running_servers
from tests.common import smtp_server
from tests.system.e2e import ACTIONS_PORT, RASA_PORT, TODAY


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def inbox():
    with smtp_server() as controller:
        yield controller.port, controller.handler


@pytest.fixture(scope="session")
def servers(workdir, inbox):
    env = {
        "BOT_TODAY": TODAY,
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox[0]),
        "NOTIFY_EMAIL": "attorney@firm.example",
        "BOT_PUBLIC_URL": f"http://localhost:{RASA_PORT}",
    }
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield
