"""Rasa's own checks of the training data and of the dialogue, run on the trained model."""

import os
import subprocess

import pytest

from tests.common import ROOT

RASA = ROOT / ".venv" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"


def rasa(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([str(RASA), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_training_data_and_domain_validate_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_test_stories_are_predicted_without_errors(tmp_path):
    result = rasa(
        "test",
        "core",
        "--model",
        str(MODEL),
        "--stories",
        "tests/stories",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
        "--no-plot",
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details


@pytest.mark.slow
def test_training_again_with_nothing_changed_trains_nothing(tmp_path):
    """Rasa's cache is keyed by each component's fingerprint (config, data and, for our
    classifier, its code): a second training with nothing changed restores every component."""
    first = rasa("train", "--out", str(tmp_path), "--fixed-model-name", "once")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    again = rasa("train", "--out", str(tmp_path), "--fixed-model-name", "again")
    output = again.stdout + again.stderr
    assert again.returncode == 0, output[-3000:]
    assert "Restored component 'LinearIntentClassifier' from cache" in output
    assert "Starting to train component" not in output, output[-3000:]
