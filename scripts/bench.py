"""`make bench`: speed and memory of the assistant, printed as figures.

- time from starting both servers to the first answer;
- REST latency p50/p95/p99 over 200 sequential messages (custom actions included);
- throughput and latency with 8 concurrent conversations;
- resident memory of the Rasa server and the action server;
- answer lengths as a phone reader meets them (scripts/answer_lengths.py);
- training time from scratch (skip with --no-training).
"""

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from scripts import answer_lengths
from scripts.serve import BIN, ROOT, rest_reply, running_servers

RASA_PORT, ACTIONS_PORT = 5205, 5255
# A realistic mix: status, 221(g), deadline (with a date), follow-ups, small talk.
MESSAGES = [
    "hi",
    "my ceac status says refused, what now?",
    "what is administrative processing",
    "got a 221g letter dated 3 March 2026, when is my deadline?",
    "and what if i miss it?",
    "stuck in AP for 47 days in mumbai, is that normal?",
    "which documents do i need to submit and where",
    "can i appeal a 221g or contact my congressman",
    "i got 214b, can i just send more documents?",
    "thanks",
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def replies_to(sender, message):
    replies = rest_reply(RASA_PORT, sender, message, timeout=120)
    if not replies:
        raise RuntimeError(f"no reply to {message!r}")
    return replies


def say(sender, message):
    """Seconds from sending the message to the whole reply."""
    started = time.perf_counter()
    replies_to(sender, message)
    return time.perf_counter() - started


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


def describe(name, latencies):
    ms = [1000 * x for x in latencies]
    print(
        f"{name}: n={len(ms)}  p50 {percentile(ms, 0.5):.1f} ms  p95 {percentile(ms, 0.95):.1f} ms  "
        f"p99 {percentile(ms, 0.99):.1f} ms  mean {statistics.mean(ms):.1f} ms"
    )


def bench_servers(workdir: Path):
    started = time.perf_counter()
    with (
        open(workdir / "servers.log", "w") as log,
        running_servers(
            RASA_PORT,
            ACTIONS_PORT,
            tracker_db=workdir / "bench.db",
            log=log,
            # one address sends every message here: the per-address limit is not what this measures
            env={"BOT_TODAY": "2026-06-15", "MESSAGES_PER_ADDRESS_PER_MINUTE": "0"},
        ) as processes,
    ):
        say("bench-first", "hello")
        print(f"Start to first answer: {time.perf_counter() - started:.1f} s")
        say("bench-warmup", MESSAGES[3])

        sequential = [say(f"bench-seq-{i // len(MESSAGES)}", MESSAGES[i % len(MESSAGES)]) for i in range(200)]
        describe("Sequential, 200 messages", sequential)

        latencies, lock = [], threading.Lock()

        def conversation(number):
            for i in range(25):
                elapsed = say(f"bench-conc-{number}", MESSAGES[i % len(MESSAGES)])
                with lock:
                    latencies.append(elapsed)

        wall = run_concurrently(conversation, 8)
        describe("8 concurrent conversations, 200 messages", latencies)
        print(f"Throughput with 8 concurrent conversations: {len(latencies) / wall:.1f} messages/s")
        for name, process in processes.items():
            print(f"Resident memory, {name} server: {rss_mb(process.pid):.0f} MB")
        print(answer_lengths.report(answer_lengths.measure(replies_to)))


def bench_training(workdir: Path):
    print("Training from scratch (rasa train --force)...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "rasa"), "train", "--force", "--out", str(workdir), "--fixed-model-name", "bench"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"Training time from scratch: {time.perf_counter() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-training", action="store_true", help="skip the training-time measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        bench_servers(Path(tmp))
        if not args.no_training:
            bench_training(Path(tmp))


if __name__ == "__main__":
    main()
