"""One bilingual NLU model, or one model per language behind a router? (issue 25)

Trains, from scratch and one after the other: the model of config.yml on all of data/nlu
(English and Spanish), an English model on data/nlu/*.yml and a Spanish one on
data/nlu/es/. The router sends each message to the model of the language
bot/language/detect.py tells (English when the message tells none). Prints, per language,
dev-set intent accuracy (a fallback counts as wrong), the p95 time to understand one
message, the memory of a process holding the model(s), and the training time. Never scores
the test sets.

    python -m scripts.compare_language_models      # prints a Markdown table
"""

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.evaluate_nlu import EVAL_TODAY, OUT, ROOT, SETS, train

DEV = {"English": SETS["dev"], "Spanish": SETS["dev (Spanish)"]}
MEMORY_PROBE = """
import asyncio, sys
from rasa.core.agent import Agent
agents = [Agent.load(path) for path in sys.argv[1:]]
asyncio.run(agents[0].parse_message("hola, mi caso dice refused"))
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) // 1024)
"""


def trained(name: str, nlu: str) -> tuple[Path, float]:
    shutil.rmtree(ROOT / ".rasa" / "cache", ignore_errors=True)  # from scratch, as a fresh clone
    started = time.monotonic()
    model = train("config.yml", name, nlu)
    return model, time.monotonic() - started


def memory_mb(*models: Path) -> int:
    """Resident memory of a fresh process that loaded these models and understood one message."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, *map(str, models)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


async def score(route) -> dict:
    """Accuracy per language and the p95 latency, understanding each dev message with route(text)."""
    from rasa.shared.nlu.training_data.loading import load_data

    rows, seconds = {}, []
    for language, paths in DEV.items():
        examples = [e for path in paths for e in load_data(str(path)).intent_examples]
        right = 0
        for example in examples:
            started = time.perf_counter()
            parse = await route(example.get("text"))
            seconds.append(time.perf_counter() - started)
            right += parse["intent"]["name"] == example.get("intent")
        rows[language] = round(right / len(examples), 3)
    seconds.sort()
    rows["p95_ms"] = round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1)
    return rows


def main() -> int:
    from rasa.core.agent import Agent

    from bot.language.detect import detect

    logging.disable(logging.INFO)
    os.environ["BOT_TODAY"] = EVAL_TODAY
    with tempfile.TemporaryDirectory() as folder:
        english_data = Path(folder) / "en"
        english_data.mkdir()
        for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
            (english_data / path.name).symlink_to(path)
        bilingual, bilingual_seconds = trained("lang-bilingual", "data/nlu")
        english, english_seconds = trained("lang-english", str(english_data))
        spanish, spanish_seconds = trained("lang-spanish", "data/nlu/es")

    one = Agent.load(str(bilingual))
    by_language = {"en": Agent.load(str(english)), "es": Agent.load(str(spanish))}

    async def routed(text: str) -> dict:
        return await by_language[detect(text).language or "en"].parse_message(text)

    rows = {
        "one bilingual model": {
            **asyncio.run(score(one.parse_message)),
            "memory_mb": memory_mb(bilingual),
            "training_s": round(bilingual_seconds),
        },
        "a model per language, routed": {
            **asyncio.run(score(routed)),
            "memory_mb": memory_mb(english, spanish),
            "training_s": round(english_seconds + spanish_seconds),
        },
    }
    print("| candidate | English dev accuracy | Spanish dev accuracy | p95 | memory | training |")
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['English']:.3f} | {row['Spanish']:.3f} | {row['p95_ms']:.0f} ms | "
            f"{row['memory_mb']} MB | {row['training_s']} s |"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "language_models.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
