"""`make run`'s stages say when they start, how long they have taken and how long is left,
and pass on the command's exit code."""

import sys

from scripts import stage


def test_a_stage_says_its_usual_time_then_that_it_is_done_and_passes_on_success(capsys):
    assert stage.main(["Training the model", "30", "--", sys.executable, "-c", "pass"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "==> Training the model (usually about 30 s)"
    assert lines[-1].startswith("    Training the model: done in ")


def test_a_failing_stage_says_so_and_passes_on_the_exit_code(capsys):
    assert stage.main(["Installing", "150", "--", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert "Installing: failed (exit code 3) in " in capsys.readouterr().out


def test_a_long_stage_reports_its_time_so_far_and_what_is_left(capsys, monkeypatch):
    monkeypatch.setattr(stage, "EVERY_SECONDS", 0.01)
    command = [sys.executable, "-c", "import time; time.sleep(0.5)"]  # a stage that outlasts one report
    assert stage.main(["Installing", "150", "--", *command]) == 0
    assert "    Installing: 0 s so far, about 2 min 30 s left" in capsys.readouterr().out.splitlines()


def test_what_is_left_counts_down_and_then_says_it_takes_longer_than_usual():
    assert stage.left(30, 150) == "about 2 min 00 s left"
    assert stage.left(200, 150).startswith("longer than usual")
    assert stage.duration(61) == "1 min 01 s" and stage.duration(59.6) == "1 min 00 s"


def test_without_a_command_it_shows_how_to_use_it(capsys):
    assert stage.main(["Training"]) == 2
    assert "scripts/stage.py" in capsys.readouterr().err
