"""make bench's report and plot, for two bots and with an earlier checkout as a third."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import bench
from tests.common import wait_until


def figures(p50, p95, throughput):
    return {"messages": 240, "p50": p50, "p95": p95, "p99": p95, "mean": p50, "throughput": throughput}


def results(*names):
    bots = {"ours": (30, 40, 30.0), "before": (60, 80, 15.0), "example": (30, 50, 30.0)}
    return {
        name: {"1": figures(*bots[name]), "8": figures(*bots[name]), "messages without a reply": 0} for name in names
    }


@pytest.mark.parametrize("names", [("ours", "example"), ("ours", "before", "example")])
def test_the_report_gives_each_bots_ratio_to_the_example_bot(names, capsys, tmp_path):
    extras = {name: {"memory": {"Rasa server": 900.0}} for name in names}
    extras["ours"] |= {"first_answer_s": 17.0, "answer_lengths": "(lengths)"}
    bench.report(results(*names), extras)
    printed = capsys.readouterr().out
    assert len(re.findall(r"ratio ours / example +1\.00 +0\.80 +1\.00\n", printed)) == 2
    assert len(re.findall(r"ratio before / example +2\.00 +1\.60 +0\.50\n", printed)) == (2 if "before" in names else 0)
    bench.plot(results(*names), tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")


def test_the_processes_a_process_started_are_found():
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])",
        ]
    )
    try:
        found = wait_until(
            lambda: len(bench.descendants(child.pid)) == 1 and bench.descendants(child.pid), what="the grandchild"
        )
        assert b"time.sleep(60)" in Path(f"/proc/{found[0]}/cmdline").read_bytes()
    finally:
        for pid in bench.descendants(child.pid):
            subprocess.run(["kill", str(pid)], check=False)
        child.wait()
