"""Compare NLU pipelines on the dev sets, one after the other in one run (issue 24).

For config.yml and each candidate in scripts/pipelines/: training time from scratch
(`rasa train nlu`, no cache), dev-set intent accuracy (a fallback counts as wrong), macro
F1, fallback rate and the p95 time to parse one message. Never scores the test set.

    python -m scripts.compare_pipelines [--only diet linear]   # prints a Markdown table
"""

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from scripts.evaluate_nlu import EVAL_TODAY, OUT, ROOT, SETS, train

CANDIDATES = [ROOT / "config.yml", *sorted((ROOT / "scripts" / "pipelines").glob("*.yml"))]


async def timed_parses(model: Path, texts: list[str]) -> tuple[list[dict], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parses, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        seconds.append(time.perf_counter() - started)
    return parses, seconds


def measure(config: Path) -> dict:
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import f1_score

    shutil.rmtree(ROOT / ".rasa" / "cache", ignore_errors=True)  # from scratch, as a fresh clone
    started = time.monotonic()
    model = train(str(config.relative_to(ROOT)), f"compare-{config.stem}")
    training = time.monotonic() - started
    examples = [e for path in SETS["dev"] for e in load_data(str(path)).intent_examples]
    parses, seconds = asyncio.run(timed_parses(model, [e.get("text") for e in examples]))
    gold = [e.get("intent") for e in examples]
    predicted = [p["intent"]["name"] for p in parses]
    seconds.sort()
    return {
        "candidate": config.name,
        "training_seconds": round(training, 1),
        "dev_accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 3),
        "dev_macro_f1": round(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0), 3),
        "fallback_rate": round(predicted.count("nlu_fallback") / len(gold), 3),
        "p95_parse_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="candidates whose file name contains one of these")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    os.environ["BOT_TODAY"] = EVAL_TODAY
    chosen = [c for c in CANDIDATES if not args.only or any(word in c.name for word in args.only)]
    rows = []
    print(
        "| candidate | training | dev accuracy | macro F1 | fallback | p95 parse |\n| --- | --- | --- | --- | --- | --- |"
    )
    for config in chosen:
        row = measure(config)
        rows.append(row)
        print(
            f"| {row['candidate']} | {row['training_seconds']:.0f} s | {row['dev_accuracy']:.3f} | "
            f"{row['dev_macro_f1']:.3f} | {row['fallback_rate']:.1%} | {row['p95_parse_ms']:.0f} ms |",
            flush=True,
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "pipelines.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
