"""`make eval`: trains the NLU on data/nlu only and scores the held-out set.

The held-out file (tests/nlu/heldout.yml) is never trained on. Prints intent
accuracy, macro F1 and entity F1 (an entity counts when its type, start and end
match), and writes every mistake to results/nlu_eval.json.
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


def train(config: str) -> Path:
    print(f"Training the NLU model on data/nlu with {config} (held-out set excluded)...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "train", "nlu", "--nlu", "data/nlu", "--config", config,
         "--out", str(OUT), "--fixed-model-name", "nlu-eval"],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    print(f"Trained in {time.monotonic() - started:.0f} s", flush=True)
    return OUT / "nlu-eval.tar.gz"


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


async def predict(model: Path, examples):
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(example.get("text")) for example in examples]


def main() -> int:
    import argparse
    import logging

    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import f1_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", help="pipeline to evaluate (default: config.yml)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    model = train(args.config)
    examples = load_data(str(HELDOUT)).intent_examples
    parses = asyncio.run(predict(model, examples))

    gold_intents, predicted_intents, mistakes = [], [], []
    entity_counts = Counter()  # per type: true positives, gold, predicted
    for example, parse in zip(examples, parses):
        ranking = [r["name"] for r in parse.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        predicted = ranking[0] if ranking else parse["intent"]["name"]
        gold_intents.append(example.get("intent"))
        predicted_intents.append(predicted)
        gold = {(e["entity"], e["start"], e["end"]) for e in example.get("entities", [])}
        found = {(e["entity"], e["start"], e["end"]) for e in parse.get("entities", [])}
        for kind, bucket in ((gold & found, "tp"), (gold, "gold"), (found, "predicted")):
            for entity_type, _, _ in kind:
                entity_counts[(entity_type, bucket)] += 1
        if predicted != example.get("intent") or gold != found:
            mistakes.append({
                "text": example.get("text"), "intent": example.get("intent"), "predicted": predicted,
                "fell_back": parse["intent"]["name"] == "nlu_fallback",
                "missed_entities": sorted(gold - found), "extra_entities": sorted(found - gold),
            })

    accuracy = sum(g == p for g, p in zip(gold_intents, predicted_intents)) / len(examples)
    # Averaged over the held-out set's intents; a message put into another intent
    # (one the bot has beyond the contract, say) still counts against recall.
    macro = f1_score(gold_intents, predicted_intents, labels=sorted(set(gold_intents)), average="macro",
                     zero_division=0)
    fallbacks = sum(p["intent"]["name"] == "nlu_fallback" for p in parses)
    tp = sum(v for (t, b), v in entity_counts.items() if b == "tp")
    gold_total = sum(v for (t, b), v in entity_counts.items() if b == "gold")
    predicted_total = sum(v for (t, b), v in entity_counts.items() if b == "predicted")
    precision, recall = tp / max(predicted_total, 1), tp / max(gold_total, 1)

    print(f"\nHeld-out set: {len(examples)} messages, {len(set(gold_intents))} intents ({HELDOUT.relative_to(ROOT)})")
    print(f"Intent accuracy:   {accuracy:.3f}")
    print(f"Intent macro F1:   {macro:.3f}")
    print(f"Below the fallback threshold (would get a rephrase request): {fallbacks} ({fallbacks / len(examples):.1%})")
    print(f"Entity F1 (micro): {f1(precision, recall):.3f}  (precision {precision:.3f}, recall {recall:.3f})")
    for entity_type in sorted({t for t, _ in entity_counts}):
        p = entity_counts[(entity_type, "tp")] / max(entity_counts[(entity_type, "predicted")], 1)
        r = entity_counts[(entity_type, "tp")] / max(entity_counts[(entity_type, "gold")], 1)
        print(f"  {entity_type:<16} F1 {f1(p, r):.3f}  (gold {entity_counts[(entity_type, 'gold')]}, "
              f"predicted {entity_counts[(entity_type, 'predicted')]})")
    report = {"intent_accuracy": accuracy, "intent_macro_f1": macro, "entity_f1": f1(precision, recall),
              "fallbacks": fallbacks, "mistakes": mistakes}
    (OUT / "nlu_eval.json").write_text(json.dumps(report, indent=2))
    print(f"\nMistakes: {len(mistakes)}, listed in results/nlu_eval.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
