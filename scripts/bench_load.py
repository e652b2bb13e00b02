"""`make bench-load`: simulated applicants against one replica, the two-replica cluster, and
the `rasa init` example bot as a baseline, at rising concurrency.

Each simulated applicant has a realistic multi-turn conversation (greeting, a status
question, a deadline question, the start of the intake form). The three run side by side
and each level is taken in turns, twice (one replica, two replicas, the example bot, and
again), so that a change in the machine's state weighs on all three alike. Prints
throughput, p50/p95/p99 latency, errors and memory per process for each level, the ratio
to the baseline, and saves a plot of latency against load to results/bench-load.png.
"""

import argparse
import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack

from scripts.bench import percentile, rss_mb, run_concurrently, running_example_bot
from scripts.cluster import running_cluster
from scripts.serve import ROOT

CONVERSATION = [
    "hi",
    "my ceac status says refused, what now?",
    "got a 221g letter dated 3 March 2026, when is my deadline?",
    "and what if i miss it?",
    "i want to book a consultation with a lawyer",
    "/affirm",
    "Ravi Kumar",
    "ravi@example.com",
]
RESULTS = ROOT / "results"
ROUNDS = 2  # each level in turns, twice
ENV = {"BOT_TODAY": "2026-06-15"}  # the assistant's today: the same deadlines in every run
# The simulated applicants all come from 127.0.0.1: the per-address limits of the servers
# (and of the cluster's nginx) would stop them, which is not what this measures.
os.environ["MESSAGES_PER_ADDRESS_PER_MINUTE"] = os.environ["NGINX_REQUESTS_PER_SECOND"] = "0"


def say(url, sender, message):
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        json.loads(answer.read())


def run_level(url, concurrency):
    """Latencies (s) of the messages answered, the number that failed, and the wall time."""
    latencies, errors, lock = [], [0], threading.Lock()

    def applicant(_number):
        sender = f"load-{uuid.uuid4().hex[:10]}"
        for message in CONVERSATION:
            started = time.perf_counter()
            try:
                say(url, sender, message)
            except (urllib.error.URLError, OSError, ValueError):
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    wall = run_concurrently(applicant, concurrency)
    return latencies, errors[0], wall


def figures(concurrency, latencies, errors, wall):
    ms = [1000 * x for x in latencies] or [float("nan")]
    return {
        "concurrency": concurrency,
        "messages": len(latencies),
        "errors": errors,
        "throughput": len(latencies) / wall,
        "p50": percentile(ms, 0.5),
        "p95": percentile(ms, 0.95),
        "p99": percentile(ms, 0.99),
        "mean": statistics.mean(ms),
    }


def report(name, rows, memory):
    print(f"\n{name}")
    print(f"{'conc':>5} {'msgs':>5} {'err':>4} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(
            f"{r['concurrency']:>5} {r['messages']:>5} {r['errors']:>4} {r['throughput']:>7.1f} "
            f"{r['p50']:>8.0f} {r['p95']:>8.0f} {r['p99']:>8.0f}"
        )
    print("memory: " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items()))


def running_replicas(stack, replicas, base_port):
    """A cluster of `replicas` Rasa servers and as many action servers behind nginx, with
    databases of its own, until `stack` closes."""
    return stack.enter_context(
        running_cluster(
            base_port,
            tuple(base_port + 1 + i for i in range(replicas)),
            tuple(base_port + 11 + i for i in range(replicas)),
            base_port + 21,
            tracker_db=f"rasa_bench{replicas}",
            intake_db=f"intake_bench{replicas}",
            env=ENV,
        )
    )


def measure_in_turns(urls, levels):
    """{name: [figures per level]}: every level taken by each bot in turns, ROUNDS times."""
    for url in urls.values():  # warm-up: first-use costs are not what this measures
        run_level(url, 1)
    results = {name: [] for name in urls}
    for level in levels:
        taken = {name: ([], 0, 0.0) for name in urls}
        for _ in range(ROUNDS):
            for name, url in urls.items():
                latencies, errors, wall = run_level(url, level)
                so_far = taken[name]
                taken[name] = (so_far[0] + latencies, so_far[1] + errors, so_far[2] + wall)
        for name in urls:
            results[name].append(figures(level, *taken[name]))
        print(f"  {level} concurrent applicants: done", flush=True)
    return results


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, rows in results.items():
        x = [r["concurrency"] for r in rows]
        latency.plot(x, [r["p95"] for r in rows], marker="o", label=f"{name} p95")
        latency.plot(x, [r["p50"] for r in rows], marker=".", linestyle="--", label=f"{name} p50")
        throughput.plot(x, [r["throughput"] for r in rows], marker="o", label=name)
    latency.set(xlabel="concurrent applicants", ylabel="latency per message (ms)", title="Latency against load")
    throughput.set(xlabel="concurrent applicants", ylabel="messages per second", title="Throughput")
    latency.legend(fontsize=7)
    throughput.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="8,32,64", help="concurrency levels (default 8,32,64)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(f"Each simulated applicant sends {len(CONVERSATION)} messages; levels: {levels}", flush=True)
    with ExitStack() as stack:
        one, two = running_replicas(stack, 1, 6300), running_replicas(stack, 2, 6400)
        example = stack.enter_context(running_example_bot(6500))
        print(f"All three are up; each level in turns, {ROUNDS} times...", flush=True)
        results = measure_in_turns(
            {"one replica": one.url, "two replicas": two.url, "rasa init bot": "http://localhost:6500"}, levels
        )
        memory = {
            "one replica": {name: rss_mb(p.pid) for name, p in one.processes.items()},
            "two replicas": {name: rss_mb(p.pid) for name, p in two.processes.items()},
            "rasa init bot": {"rasa init bot": rss_mb(example.pid)},
        }
    report("One replica (1 Rasa + 1 action server behind nginx)", results["one replica"], memory["one replica"])
    report("Two replicas (2 Rasa + 2 action servers behind nginx)", results["two replicas"], memory["two replicas"])
    report(
        "Baseline: the `rasa init` example bot (1 process, no custom actions)",
        results["rasa init bot"],
        memory["rasa init bot"],
    )
    print("\nThroughput ratio to the baseline (ours / rasa init):")
    for ours_one, ours_two, base in zip(
        results["one replica"], results["two replicas"], results["rasa init bot"], strict=True
    ):
        print(
            f"  {base['concurrency']:>3} concurrent: one replica {ours_one['throughput'] / base['throughput']:.2f}, "
            f"two replicas {ours_two['throughput'] / base['throughput']:.2f}"
        )
    plot(results, RESULTS / "bench-load.png")
    (RESULTS / "bench-load.json").write_text(json.dumps({"results": results, "memory": memory}, indent=2))
    print(f"\nPlot: {RESULTS / 'bench-load.png'}; numbers: {RESULTS / 'bench-load.json'}")


if __name__ == "__main__":
    main()
