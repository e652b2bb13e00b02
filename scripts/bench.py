"""`make bench`: speed and memory of the assistant beside the `rasa init` example bot, printed as figures.

Both bots run on this machine side by side in this run, the example trained with the project's
Rasa, and get the same client and the same load over REST, in turns (so that the machine's
state weighs on both alike): 4-message conversations, 240 messages one at a time, then 256
from 8 senders at once, in English and again in Spanish. Printed, for each language: p50/p95 latency and throughput at 1 and 8 concurrent for
each bot and the ratios (ours / example); then resident memory, time from start to the first
answer, the answer-length report (scripts/answer_lengths.py) and the training time from
scratch (skip with --no-training). Plots go to results/bench.png (English) and
results/bench-spanish.png, the numbers to results/bench.json.

`--before DIR` adds a third bot to the same turns: another checkout of this project (an
earlier commit, to show what a change bought), with its own code, its own trained model in
DIR/models/current.tar.gz and its own `scripts/serve.py`, run on this project's virtualenv:
    git worktree add /tmp/before COMMIT
    cd /tmp/before && PYTHONPATH=. $OLDPWD/.venv/bin/rasa train --fixed-model-name current
    cd - && make bench ARGS="--before /tmp/before"
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from scripts import answer_lengths
from scripts.serve import BIN, ROOT, rest_reply, running_servers, stop, wait_until_up

RASA_PORT, ACTIONS_PORT, EXAMPLE_PORT = 5205, 5255, 5265
BEFORE_RASA_PORT, BEFORE_ACTIONS_PORT, BEFORE_STAFF_PORT = 5215, 5275, 5285
RESULTS = ROOT / "results"
# The load both bots get, once in each language: each conversation sends these four (a
# greeting, two questions, thanks). The example bot speaks no Spanish: it answers what it can,
# as fast as it can; ours answers in Spanish.
CONVERSATIONS = {
    "English": [
        "hi",
        "my ceac status says refused, what now?",
        "got a 221g letter dated 3 March 2026, when is my deadline?",
        "thanks",
    ],
    "Spanish": [
        "hola",
        "mi estado en ceac dice refused, qué hago ahora?",
        "me dieron la carta 221g el 3 de marzo de 2026, hasta cuándo tengo?",
        "muchas gracias",
    ],
}
CONVERSATION = CONVERSATIONS["English"]
SEQUENTIAL_CONVERSATIONS = 60  # 240 messages, one at a time
CONCURRENT_SENDERS, CONVERSATIONS_PER_SENDER = 8, 8  # 256 messages, 8 at a time
CONCURRENT_ROUNDS = 2  # the 8-at-a-time load in turns: half for one bot, half for the other, twice


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_concurrently(work, count):
    """Runs work(0..count-1) in as many threads; returns the wall time in seconds."""
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def figures(latencies, wall):
    ms = [1000 * x for x in latencies]
    return {
        "messages": len(ms),
        "p50": percentile(ms, 0.5),
        "p95": percentile(ms, 0.95),
        "p99": percentile(ms, 0.99),
        "mean": statistics.mean(ms),
        "throughput": len(ms) / wall,
    }


def measure(bots: dict[str, int], conversation: list[str] = CONVERSATION, tag: str = "en") -> dict[str, dict]:
    """The load on each bot ({name: REST port}), taken in turns so that a change in the machine's
    state (other work, CPU clock) weighs on both alike: {name: {"1": figures, "8": figures}}."""

    silent = dict.fromkeys(bots, 0)  # the example bot may answer "thanks" with nothing: counted, not an error
    names = {port: name for name, port in bots.items()}

    def say(port, sender, message):
        started = time.perf_counter()
        if not rest_reply(port, sender, message, timeout=120):
            silent[names[port]] += 1
        return time.perf_counter() - started

    for name, port in bots.items():  # warm-up: first-use costs are not what this measures
        for message in conversation:
            say(port, f"{name}-warmup-{tag}", message)
    sequential: dict[str, list[float]] = {name: [] for name in bots}
    for number in range(SEQUENTIAL_CONVERSATIONS):
        for name, port in bots.items():
            sequential[name] += [say(port, f"{name}-seq-{tag}-{number}", message) for message in conversation]
    concurrent: dict[str, list[float]] = {name: [] for name in bots}
    walls = dict.fromkeys(bots, 0.0)
    lock = threading.Lock()
    for round_number in range(CONCURRENT_ROUNDS):
        for name, port in bots.items():

            def sender(number, name=name, port=port, round_number=round_number):
                for turn in range(CONVERSATIONS_PER_SENDER // CONCURRENT_ROUNDS):
                    for message in conversation:
                        elapsed = say(port, f"{name}-conc-{tag}-{round_number}-{number}-{turn}", message)
                        with lock:
                            concurrent[name].append(elapsed)

            walls[name] += run_concurrently(sender, CONCURRENT_SENDERS)
    return {
        name: {
            "1": figures(sequential[name], sum(sequential[name])),
            "8": figures(concurrent[name], walls[name]),
            "messages without a reply": silent[name],
        }
        for name in bots
    }


def descendants(pid: int) -> list[int]:
    """The processes started by `pid`, and by those, and so on (read from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the field after "(name)" is the state, then the parent's pid
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


@contextmanager
def running_checkout(directory: Path, log) -> Iterator[dict[str, int]]:
    """Another checkout of this project served by its own scripts/serve.py; yields the pids of its
    Rasa and action servers once its Rasa server answers."""
    if not (directory / "models" / "current.tar.gz").exists():
        raise SystemExit(f"error: no trained model at {directory}/models/current.tar.gz (see --help)")
    venv = directory / ".venv"
    if not venv.exists():
        venv.symlink_to(ROOT / ".venv")  # the same pinned packages as this checkout
    env = {
        **os.environ,
        "PYTHONPATH": str(directory),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "BOT_TODAY": "2026-06-15",
        "MESSAGES_PER_ADDRESS_PER_MINUTE": "0",
        "SEND_DUE_SECONDS": "86400",  # no background sending during the measurement
    }
    ports = ["--rasa-port", str(BEFORE_RASA_PORT), "--actions-port", str(BEFORE_ACTIONS_PORT)]
    process = subprocess.Popen(
        [str(BIN / "python"), "-m", "scripts.serve", *ports, "--staff-port", str(BEFORE_STAFF_PORT)],
        cwd=directory,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://localhost:{BEFORE_RASA_PORT}/webhooks/rest/", process, "earlier checkout", 300, log)
        pids = {}
        for pid in descendants(process.pid):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if re.search(r"rasa run\b", command):
                pids["Rasa server"] = pid
            elif "actions.server" in command:
                pids["action server"] = pid
        yield pids
    finally:
        stop(process)


@contextmanager
def running_example_bot(port: int) -> Iterator[subprocess.Popen]:
    """The `rasa init` example bot, created and trained in a temporary folder with the project's Rasa."""
    with tempfile.TemporaryDirectory(prefix="rasa-init-") as directory:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
        print("Creating and training the `rasa init` example bot (about a minute)...", flush=True)
        subprocess.run(
            [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", directory],
            cwd=directory,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        process = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(f"http://localhost:{port}/webhooks/rest/", process, "example bot", 300, None)
            yield process
        finally:
            stop(process)


def bench_both(workdir: Path, before: Path | None = None) -> tuple[dict[str, dict], dict]:
    """Both bots (and an earlier checkout, if given) side by side, measured in turns; the
    answer-length report of ours."""
    started = time.perf_counter()
    with (
        open(workdir / "servers.log", "w") as log,
        ExitStack() as earlier,
        running_servers(
            RASA_PORT,
            ACTIONS_PORT,
            tracker_db=workdir / "bench.db",
            log=log,
            # one address sends every message here: the per-address limit is not what this measures
            env={"BOT_TODAY": "2026-06-15", "MESSAGES_PER_ADDRESS_PER_MINUTE": "0"},
        ) as processes,
    ):
        rest_reply(RASA_PORT, "bench-first", "hello", timeout=120)
        first_answer = time.perf_counter() - started
        before_pids = earlier.enter_context(running_checkout(before, log)) if before else None
        with running_example_bot(EXAMPLE_PORT) as example:
            bots = {"ours": RASA_PORT, **({"before": BEFORE_RASA_PORT} if before else {}), "example": EXAMPLE_PORT}
            # Each language's load in conversations of its own.
            results = {language: measure(bots, messages, language) for language, messages in CONVERSATIONS.items()}
            extras = {
                "ours": {
                    "memory": {f"{name} server": rss_mb(process.pid) for name, process in processes.items()},
                    "first_answer_s": first_answer,
                },
                "example": {"memory": {"Rasa server": rss_mb(example.pid)}},
            }
            if before_pids is not None:
                extras["before"] = {"memory": {name: rss_mb(pid) for name, pid in before_pids.items()}}
        say = lambda sender, message: rest_reply(RASA_PORT, sender, message, timeout=120)  # noqa: E731
        extras["ours"]["answer_lengths"] = answer_lengths.report(answer_lengths.measure(say))
    return results, extras


def report(results: dict, extras: dict, language: str = "English") -> None:
    """One language's load (`results`), then the figures that do not depend on it."""
    report_load(results, language)
    report_extras(extras)


def report_load(results: dict, language: str) -> None:
    print(f"\n{language}: the same load for each bot, {len(CONVERSATION)}-message conversations over REST, in turns.")
    print(f"{'':<26}{'p50 ms':>8}{'p95 ms':>8}{'msg/s':>8}")
    for concurrency in ("1", "8"):
        for name in results:
            row = results[name][concurrency]
            label = f"{name}, {concurrency} at a time"
            print(f"{label:<26}{row['p50']:>8.1f}{row['p95']:>8.1f}{row['throughput']:>8.1f}")
        example = results["example"][concurrency]
        for name in [name for name in results if name != "example"]:
            row = results[name][concurrency]
            print(
                f"{f'ratio {name} / example':<26}{row['p50'] / example['p50']:>8.2f}"
                f"{row['p95'] / example['p95']:>8.2f}{row['throughput'] / example['throughput']:>8.2f}"
            )
    print("Messages without a reply: " + ", ".join(f"{n} {results[n]['messages without a reply']}" for n in results))


def report_extras(extras: dict) -> None:
    for name, extra in extras.items():
        print(f"Resident memory, {name}: " + ", ".join(f"{k} {v:.0f} MB" for k, v in extra["memory"].items()))
    print(f"Start to first answer (ours): {extras['ours']['first_answer_s']:.1f} s")
    print(extras["ours"]["answer_lengths"])


def plot(results: dict, path: Path) -> None:
    # matplotlib 3.5 (Rasa's pin) calls pyparsing names that newer pyparsing deprecates: noise.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"matplotlib\.")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8))
    latency, throughput = figure.subplots(1, 2)
    names = list(results)
    width = 0.8 / len(names)
    for offset, name in enumerate(names):
        xs = [i + offset * width for i in range(2)]
        p95 = [results[name][c]["p95"] for c in ("1", "8")]
        latency.bar(xs, p95, width, label=f"{name} p95")
        throughput.bar(xs, [results[name][c]["throughput"] for c in ("1", "8")], width, label=name)
    for axes, title, unit in ((latency, "p95 latency", "ms"), (throughput, "throughput", "messages/s")):
        axes.set_xticks([i + width * (len(names) - 1) / 2 for i in range(2)], ["1 at a time", "8 at a time"])
        axes.set(title=title, ylabel=unit)
        axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=110)


def timed_training(directory: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "rasa"), "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
        cwd=directory,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def bench_training(workdir: Path) -> dict[str, float]:
    """Training from scratch (`rasa train --force`: no cache), ours and the example bot's, one after the other."""
    print("Training from scratch (rasa train --force), ours and the `rasa init` example bot's...", flush=True)
    ours = timed_training(ROOT, workdir / "ours")
    example = workdir / "example"
    example.mkdir()
    subprocess.run(
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(example)],
        cwd=example,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    theirs = timed_training(example, workdir / "example-models")
    print(f"Training time from scratch: ours {ours:.0f} s, example bot {theirs:.0f} s (ratio {ours / theirs:.2f})")
    return {"ours": ours, "example": theirs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n")[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--no-training", action="store_true", help="skip the training-time measurement")
    parser.add_argument(
        "--before", type=Path, metavar="DIR", help="also measure this checkout of an earlier commit (see below)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        print("Our assistant (Rasa server and action server) and the example bot, side by side...", flush=True)
        results, extras = bench_both(Path(tmp), args.before)
        for language, load in results.items():
            report_load(load, language)
            plot(load, RESULTS / ("bench.png" if language == "English" else f"bench-{language.lower()}.png"))
        report_extras(extras)
        training = None if args.no_training else bench_training(Path(tmp))
    numbers = {"results": results, "extras": extras, "training_s": training}
    (RESULTS / "bench.json").write_text(json.dumps(numbers, indent=2, default=str))
    print(f"Plot: {RESULTS / 'bench.png'}; numbers: {RESULTS / 'bench.json'}")


if __name__ == "__main__":
    main()
