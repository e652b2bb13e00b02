"""`make eval`: trains the NLU on data/nlu only and scores the test, dev and old held-out sets.

None of the sets is trained on. For each it prints intent accuracy (a fallback
counts as wrong), macro F1, the fallback rate, the most frequent confusions and
entity value F1 (an entity counts when its type and resolved value match: the
date itself, not only the span), and writes every mistake to results/nlu_eval.json.
The test sets (tests/nlu/test_set/, tests/nlu/es/test_set/) are never used for decisions; tune on
the dev sets. English and Spanish are scored side by side.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT = ROOT / "results"


def train(config: str, name: str = "nlu-eval", nlu: str = "data/nlu") -> Path:
    print(f"Training the NLU model on {nlu} with {config} (held-out set excluded)...", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "rasa"),
            "train",
            "nlu",
            "--nlu",
            nlu,
            "--config",
            config,
            "--out",
            str(OUT),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        errors = [line for line in result.stderr.splitlines() if "Error" in line or "Exception" in line]
        raise SystemExit("Training failed:\n" + "\n".join(errors[-5:] or result.stderr.splitlines()[-20:]))
    print(f"Trained in {time.monotonic() - started:.0f} s", flush=True)
    return OUT / f"{name}.tar.gz"


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


async def predict(model: Path, examples):
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(example.get("text")) for example in examples]


SETS = {
    # Written by helpers who never saw the training data; never used for any decision.
    "test": sorted((ROOT / "tests" / "nlu" / "test_set").glob("*.yml")),
    # Written the same way by another helper; the set to tune on.
    "dev": sorted((ROOT / "tests" / "nlu").glob("dev_set*.yml")),
    # The first held-out set: it was used to choose the model size, so it is a tuning set too.
    "old held-out (tuning)": [HELDOUT],
    # Spanish (issue 25), written the same way: a test set never used for decisions, a dev set to tune on.
    "test (Spanish)": sorted((ROOT / "tests" / "nlu" / "es" / "test_set").glob("*.yml")),
    "dev (Spanish)": sorted((ROOT / "tests" / "nlu" / "es").glob("dev_set*.yml")),
}
# The day the helpers resolved relative dates against.
EVAL_TODAY = "2026-12-02"


def same_value(entity: str, gold, found) -> bool:
    if entity == "duration":  # "5 months" is 150 days to a writer, 153 to the calendar
        try:
            return abs(float(gold) - float(found)) <= max(3.0, 0.05 * float(gold))
        except (TypeError, ValueError):
            return False
    return str(gold).strip().lower() == str(found).strip().lower()


def match_entities(gold, found):
    """Pairs gold and found entities of the same type with the same resolved value."""
    unmatched = list(found)
    pairs, missed = [], []
    for g in gold:
        hit = next(
            (
                f
                for f in unmatched
                if f["entity"] == g["entity"] and same_value(g["entity"], g.get("value"), f.get("value"))
            ),
            None,
        )
        if hit is None:
            missed.append(g)
        else:
            unmatched.remove(hit)
            pairs.append((g, hit))
    return pairs, missed, unmatched


def fallback_at(parse, threshold: float, ambiguity: float = 0.08) -> str:
    """The intent FallbackClassifier would give with this threshold, from the classifier's ranking."""
    ranking = [r for r in parse.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    if not ranking:
        return parse["intent"]["name"]
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top["confidence"] < threshold or top["confidence"] - second < ambiguity:
        return "nlu_fallback"
    return top["name"]


def score(name, paths, model):
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import f1_score

    examples = [e for path in paths if path.exists() for e in load_data(str(path)).intent_examples]
    if not examples:
        print(f"\n{name} set: no messages found in {', '.join(str(p.relative_to(ROOT)) for p in paths)}")
        return None
    parses = asyncio.run(predict(model, examples))
    gold_intents, predicted_intents, mistakes = [], [], []
    counts = Counter()
    roles = Counter()
    for example, parse in zip(examples, parses, strict=True):
        predicted = parse["intent"]["name"]  # a fallback counts as wrong
        gold_intents.append(example.get("intent"))
        predicted_intents.append(predicted)
        gold = [e for e in example.get("entities", [])]
        # The message's language is not labelled in the sets (bot/language/detect.py; scripts/measure_language.py).
        found = [e for e in parse.get("entities", []) if e.get("entity") != "language"]
        pairs, missed, extra = match_entities(gold, found)
        for g, f in pairs:
            counts[(g["entity"], "tp")] += 1
            if g["entity"] == "date" and g.get("role"):
                roles["gold"] += 1
                roles["right"] += g.get("role") == f.get("role")
        for e in gold:
            counts[(e["entity"], "gold")] += 1
        for e in found:
            counts[(e["entity"], "predicted")] += 1
        if predicted != example.get("intent") or missed or extra:
            mistakes.append(
                {
                    "text": example.get("text"),
                    "intent": example.get("intent"),
                    "predicted": predicted,
                    "missed_entities": [(e["entity"], e.get("value"), e.get("role")) for e in missed],
                    "extra_entities": [(e["entity"], e.get("value"), e.get("role")) for e in extra],
                }
            )
    n = len(examples)
    accuracy = sum(g == p for g, p in zip(gold_intents, predicted_intents, strict=True)) / n
    labels = sorted(set(gold_intents))
    macro = f1_score(gold_intents, predicted_intents, labels=labels, average="macro", zero_division=0)
    fallbacks = sum(p == "nlu_fallback" for p in predicted_intents)
    tp = sum(v for (t, b), v in counts.items() if b == "tp")
    gold_total = sum(v for (t, b), v in counts.items() if b == "gold")
    predicted_total = sum(v for (t, b), v in counts.items() if b == "predicted")
    precision, recall = tp / max(predicted_total, 1), tp / max(gold_total, 1)
    print(f"\n{name} set: {n} messages, {len(labels)} intents")
    print(f"  intent accuracy (fallback counted as wrong): {accuracy:.3f}")
    print(f"  intent macro F1: {macro:.3f}")
    print(f"  fallback rate:   {fallbacks / n:.1%} ({fallbacks})")
    print(
        f"  entity value F1: {f1(precision, recall):.3f}  (precision {precision:.3f}, recall {recall:.3f}; "
        "type and resolved value must match)"
    )
    for entity_type in sorted({t for t, _ in counts}):
        p = counts[(entity_type, "tp")] / max(counts[(entity_type, "predicted")], 1)
        r = counts[(entity_type, "tp")] / max(counts[(entity_type, "gold")], 1)
        print(
            f"    {entity_type:<16} F1 {f1(p, r):.3f}  (gold {counts[(entity_type, 'gold')]}, "
            f"predicted {counts[(entity_type, 'predicted')]})"
        )
    if roles["gold"]:
        print(f"  date roles right where the date was found: {roles['right'] / roles['gold']:.3f} ({roles['gold']})")
    print("  with another FallbackClassifier threshold (ambiguity threshold unchanged):")
    for threshold in (0.3, 0.4, 0.5, 0.6):
        chosen = [fallback_at(parse, threshold) for parse in parses]
        right = sum(g == c for g, c in zip(gold_intents, chosen, strict=True)) / n
        print(
            f"    {threshold:.1f}: accuracy {right:.3f}, fallback rate {sum(c == 'nlu_fallback' for c in chosen) / n:.1%}"
        )
    confusion = Counter((g, p) for g, p in zip(gold_intents, predicted_intents, strict=True) if g != p)
    print("  most frequent confusions (gold -> predicted):")
    for (g, p), count in confusion.most_common(12):
        print(f"    {count:3d}  {g} -> {p}")
    return {
        "messages": n,
        "intent_accuracy": accuracy,
        "intent_macro_f1": macro,
        "fallback_rate": fallbacks / n,
        "entity_value_f1": f1(precision, recall),
        "confusion": {f"{g} -> {p}": c for (g, p), c in confusion.most_common()},
        "mistakes": mistakes,
    }


def main() -> int:
    import argparse
    import logging

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", help="pipeline to evaluate (default: config.yml)")
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=["test", "dev", "old"],
        default=["test", "dev", "old"],
        help="sets to score (tune with --sets dev: the test set is never used for decisions)",
    )
    parser.add_argument("--out", default="nlu_eval.json", help="report file name under results/")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    os.environ["BOT_TODAY"] = EVAL_TODAY
    model = train(args.config, Path(args.out).stem)
    report = {name: score(name, paths, model) for name, paths in SETS.items() if name.split()[0] in args.sets}
    OUT.mkdir(exist_ok=True)
    (OUT / args.out).write_text(json.dumps(report, indent=2, default=str))
    print("\nEvery mistake is listed in results/nlu_eval.json (read the dev set's, never the test set's, when tuning).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
