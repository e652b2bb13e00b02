"""Every endpoints file Rasa is started with sends the domain (26 KB of JSON) only to the
actions that use it: the form validators, which read their forms' required slots from it."""

from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts import cluster, serve
from tests.common import ROOT

DOMAIN = Domain.load(ROOT / "domain.yml")
POSTGRES = {"host": "localhost", "port": 5432, "user": "rasa"}
REDIS = {"host": "localhost", "port": 6379}
PRODUCTION_VARIABLES = [
    *("ACTION_ENDPOINT_URL", "ACTION_SERVER_TOKEN", "REDIS_HOST", "REDIS_PASSWORD"),
    *("POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"),
]


def endpoints_files(tmp_path: Path) -> dict[str, Path]:
    files = {"endpoints.yml": ROOT / "endpoints.yml", "production": ROOT / "deploy" / "endpoints.production.yml"}
    (tmp_path / "serve.yml").write_text(serve.endpoints_yaml(5055, tmp_path / "tracker.db"))
    (tmp_path / "cluster.yml").write_text(cluster.endpoints_yaml(8081, POSTGRES, "rasa", REDIS, "test"))
    return {**files, "make run": tmp_path / "serve.yml", "make run-cluster": tmp_path / "cluster.yml"}


@pytest.mark.parametrize("source", ["endpoints.yml", "production", "make run", "make run-cluster"])
def test_only_the_form_validators_are_sent_the_domain(source, tmp_path, monkeypatch):
    for name in PRODUCTION_VARIABLES:
        monkeypatch.setenv(name, "x")
    endpoints = read_endpoints_from_path(endpoints_files(tmp_path)[source])
    tracker = DialogueStateTracker.from_events("conv", [UserUttered("hi")])
    sent_the_domain = {
        name
        for name in DOMAIN.user_actions
        if "domain" in RemoteAction(name, endpoints.action)._action_call_format(tracker, DOMAIN)
    }
    assert sent_the_domain == {"validate_intake_form", "validate_callback_form", "validate_reminder_form"}
